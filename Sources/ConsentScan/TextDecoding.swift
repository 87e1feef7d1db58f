import ConsentCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The character encoding of some text, found from a byte-order mark, the pattern of zero bytes, or a
/// declared charset. The matcher reads UTF-8 only, so everything else is turned into UTF-8 first.
enum TextEncoding: Equatable, Sendable {
    case utf8
    case utf16LE, utf16BE, utf32LE, utf32BE
    /// Windows-1252 (what "ISO-8859-1" and "ASCII" labels mean in practice, as in browsers).
    case windows1252
    /// Any other charset, by its name (converted through iconv).
    case named(String)

    /// The name iconv knows it by.
    var iconvName: String {
        switch self {
        case .utf8: "UTF-8"
        case .utf16LE: "UTF-16LE"
        case .utf16BE: "UTF-16BE"
        case .utf32LE: "UTF-32LE"
        case .utf32BE: "UTF-32BE"
        case .windows1252: "CP1252"
        case .named(let name): name
        }
    }

    /// The encoding a MIME `charset` or XML `encoding` label names. UTF-16 and UTF-32 without an
    /// order are settled by the text's byte-order mark or zero bytes (see ``TextDecoding/sniff(_:)``).
    init(label: String) {
        let name = label.trimmingCharacters(in: " \t\"'").lowercased()
        switch name {
        case "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "": self = .utf8
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819": self = .windows1252
        case "utf-16le", "utf16le": self = .utf16LE
        case "utf-16be", "utf16be": self = .utf16BE
        case "utf-16", "utf16", "ucs-2", "unicode": self = .utf16LE
        case "utf-32le": self = .utf32LE
        case "utf-32be": self = .utf32BE
        case "utf-32", "utf32", "ucs-4": self = .utf32LE
        default: self = .named(name)
        }
    }

    /// Whether a label leaves the byte order to the text (`utf-16`, `utf-32`).
    static func orderUnstated(_ label: String) -> Bool {
        ["utf-16", "utf16", "ucs-2", "unicode", "utf-32", "utf32", "ucs-4"].contains(label.trimmingCharacters(in: " \t\"'").lowercased())
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let drop = Set(set.unicodeScalars)
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop.contains($0) }),
              let last = scalars.lastIndex(where: { !drop.contains($0) }) else { return "" }
        return String(scalars[first...last])
    }
}

/// Finds and undoes text encodings. Pure functions over bytes, plus an iconv-backed converter.
enum TextDecoding {
    /// The encoding a byte-order mark names, and the mark's length.
    static func byteOrderMark(_ p: UnsafeRawBufferPointer) -> (TextEncoding, Int)? {
        let n = p.count
        if n >= 4 && p[0] == 0xFF && p[1] == 0xFE && p[2] == 0 && p[3] == 0 { return (.utf32LE, 4) }
        if n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xFE && p[3] == 0xFF { return (.utf32BE, 4) }
        if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { return (.utf8, 3) }
        if n >= 2 && p[0] == 0xFF && p[1] == 0xFE { return (.utf16LE, 2) }
        if n >= 2 && p[0] == 0xFE && p[1] == 0xFF { return (.utf16BE, 2) }
        return nil
    }

    /// UTF-16 or UTF-32 without a mark, from where the zero bytes fall in the first few kilobytes: text in
    /// any Latin script has a zero in every second (or three of every four) bytes. Nil when it is not so.
    static func wideWithoutMark(_ p: UnsafeRawBufferPointer) -> TextEncoding? {
        let n = min(p.count, 4096) & ~3
        guard n >= 8 else { return nil }
        var zeros = [Int](repeating: 0, count: 4)
        for i in 0..<n where p[i] == 0 { zeros[i & 3] += 1 }
        let quarter = n / 4
        func mostly(_ k: Int) -> Bool { zeros[k] * 10 >= quarter * 7 }
        func rarely(_ k: Int) -> Bool { zeros[k] * 10 <= quarter }
        if mostly(1) && mostly(2) && mostly(3) && rarely(0) { return .utf32LE }
        if mostly(0) && mostly(1) && mostly(2) && rarely(3) { return .utf32BE }
        if mostly(1) && mostly(3) && rarely(0) && rarely(2) { return .utf16LE }
        if mostly(0) && mostly(2) && rarely(1) && rarely(3) { return .utf16BE }
        return nil
    }

    /// The encoding of text with no declared charset: a byte-order mark, else wide text's zero pattern,
    /// else UTF-8 when it is valid UTF-8, else Windows-1252. Returns the mark's length to skip.
    static func sniff(_ p: UnsafeRawBufferPointer) -> (TextEncoding, skip: Int) {
        if let (encoding, length) = byteOrderMark(p) { return (encoding, length) }
        if let wide = wideWithoutMark(p) { return (wide, 0) }
        return (isValidUTF8(p) ? .utf8 : .windows1252, 0)
    }

    /// Whether the eight bytes from `i` are all ASCII (false when fewer than eight are left): the step by which
    /// plain text is passed over.
    @inline(__always)
    static func eightASCII(_ p: UnsafeRawBufferPointer, at i: Int) -> Bool {
        i + 8 <= p.count && p.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
    }

    /// Whether `p` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
    /// ASCII is checked eight bytes at a time, so plain text costs little.
    static func isValidUTF8(_ p: UnsafeRawBufferPointer) -> Bool {
        let n = p.count
        var i = 0
        while i < n {
            if eightASCII(p, at: i) {
                i += 8
                continue
            }
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard i + length <= n, (low...high).contains(p[i + 1]) else { return false }
            for k in 2..<length where p[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }

    /// Whether `p` ends in the middle of a UTF-8 sequence; the count of trailing bytes to hold back.
    static func incompleteUTF8Tail(_ p: UnsafeRawBufferPointer) -> Int {
        let n = p.count
        var back = 0
        while back < min(3, n) {
            let b = p[n - 1 - back]
            if b & 0xC0 != 0x80 {
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                return need > back + 1 ? back + 1 : 0
            }
            back += 1
        }
        return 0
    }

    /// Windows-1252 text in UTF-8 (the bytes 0x80 to 0x9F are its punctuation and letters; the five it
    /// leaves undefined are kept as the control characters of the same number, as browsers do).
    static func windows1252(_ p: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count + p.count / 8)
        for b in p {
            if b < 0x80 { out.append(b); continue }
            let scalar = b < 0xA0 ? cp1252High[Int(b - 0x80)] : UInt32(b)
            appendUTF8(scalar, to: &out)
        }
        return out
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800: out += [UInt8(0xC0 | v >> 6), UInt8(0x80 | v & 0x3F)]
        case 0x800..<0x10000: out += [UInt8(0xE0 | v >> 12), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)]
        default: out += [UInt8(0xF0 | v >> 18), UInt8(0x80 | v >> 12 & 0x3F), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)]
        }
    }

    /// The whole of `p` in UTF-8. Throws when iconv does not know the charset.
    static func utf8(_ p: UnsafeRawBufferPointer, from encoding: TextEncoding) throws(ScanError) -> [UInt8] {
        if encoding == .utf8 { return Array(p) }
        var converter = try Transcoder(from: encoding)
        return converter.convert(p, final: true)
    }
}

/// A streaming conversion into UTF-8 through iconv: bytes can arrive in any pieces (a character split
/// between two pieces is held back). A byte iconv cannot convert becomes U+FFFD, so nothing stops a scan.
struct Transcoder {
    private let handle: Handle
    private var held: [UInt8] = []
    /// Bytes per code unit: what to skip past a unit iconv refuses.
    private let unit: Int

    final class Handle {
        let cd: iconv_t
        init(_ cd: iconv_t) { self.cd = cd }
        deinit { iconv_close(cd) }
    }

    init(from encoding: TextEncoding) throws(ScanError) {
        guard let cd = iconv_open("UTF-8", encoding.iconvName), Int(bitPattern: cd) != -1 else {
            throw .unsupported("its text is in the charset \(TextSafety.displaySafe(encoding.iconvName).debugDescription), which the scanner does not know")
        }
        handle = Handle(cd)
        switch encoding {
        case .utf16LE, .utf16BE: unit = 2
        case .utf32LE, .utf32BE: unit = 4
        default: unit = 1
        }
    }

    /// Converts `input` (after any bytes held from before) into UTF-8. With `final`, a character cut
    /// short at the end becomes U+FFFD instead of being held for the next piece.
    mutating func convert(_ input: UnsafeRawBufferPointer, final: Bool) -> [UInt8] {
        var bytes = held
        bytes.append(contentsOf: input)
        held.removeAll(keepingCapacity: true)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 16)
        let outSize = 65_536
        var out = [UInt8](repeating: 0, count: outSize)
        var offset = 0
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        let cd = handle.cd
        while offset < bytes.count {
            var inLeft = bytes.count - offset
            var outLeft = outSize
            var stopped: Int32 = 0
            let produced: Int = bytes.withUnsafeMutableBytes { inBuf in
                out.withUnsafeMutableBytes { outBuf in
                    guard let inBase = inBuf.baseAddress, let outBase = outBuf.baseAddress else { return 0 }
                    var inPtr: UnsafeMutablePointer<CChar>? = (inBase + offset).assumingMemoryBound(to: CChar.self)
                    var outPtr: UnsafeMutablePointer<CChar>? = outBase.assumingMemoryBound(to: CChar.self)
                    if iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) == -1 { stopped = errno }
                    return outSize - outLeft
                }
            }
            let consumed = bytes.count - inLeft - offset
            offset = bytes.count - inLeft
            result.append(contentsOf: out[..<produced])
            switch stopped {
            case 0:
                break
            case E2BIG:
                continue
            case EINVAL where !final:
                // A character cut short: keep it for the next piece.
                held = Array(bytes[offset...])
                offset = bytes.count
            default:
                // A byte that is not text in this charset (or a character cut short at the very end).
                result.append(contentsOf: replacement)
                offset = min(bytes.count, offset + unit)
            }
            if consumed == 0 && produced == 0 && stopped == 0 { break }
        }
        return result
    }
}

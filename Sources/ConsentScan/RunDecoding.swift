import Foundation

/// Decoders for encoded runs found in text (``EncodedRuns``): lenient, since what matters is what a
/// recipient could get back out, not whether the encoding is well formed.
enum RunDecoding {
    /// Base64 in either alphabet, line breaks ignored. A `key=` before the data is skipped, the first
    /// `=` after it ends the data (padding, or an armour's checksum line), and a last odd character is dropped.
    static func base64(_ p: UnsafeRawBufferPointer) -> Data? {
        var start = 0
        if let eq = p.prefix(33).firstIndex(of: 0x3D), eq > 0, eq + 1 < p.count, p[eq + 1] != 0x3D, p[eq + 1] != 0x0A, !p[..<eq].contains(0x0A) {
            start = eq + 1
        }
        var clean: [UInt8] = []
        clean.reserveCapacity(p.count - start)
        for b in p[start...] {
            switch b {
            case 0x0A, 0x0D, 0x20, 0x09: continue
            case 0x3D: break
            case 0x2D: clean.append(0x2B); continue
            case 0x5F: clean.append(0x2F); continue
            default: clean.append(b); continue
            }
            break
        }
        if clean.count % 4 == 1 { clean.removeLast() }
        clean += Array(repeating: 0x3D, count: (4 - clean.count % 4) % 4)
        return Data(base64Encoded: Data(clean))
    }

    /// The bytes of hex digits (other bytes skipped; a last odd digit dropped).
    static func decode(_ digits: [UInt8]) -> Data {
        var out = Data()
        out.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for b in digits {
            guard let value = HTMLReader.hexValue(b) else { continue }
            if let h = high { out.append(h << 4 | value); high = nil } else { high = value }
        }
        return out
    }

    /// Quoted-printable: `=XX` escapes and soft line breaks (`=` at a line's end).
    static func quotedPrintable(_ p: UnsafeRawBufferPointer) -> Data {
        MIMEEntity.quotedPrintable(Data(p))
    }

    /// `%XX` escapes undone (a `data:` URI's payload that is not base64).
    static func percentDecoded(_ p: UnsafeRawBufferPointer) -> Data {
        var out = Data()
        out.reserveCapacity(p.count)
        var i = 0
        while i < p.count {
            if p[i] == 0x25, i + 2 < p.count, let high = HTMLReader.hexValue(p[i + 1]), let low = HTMLReader.hexValue(p[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(p[i])
                i += 1
            }
        }
        return out
    }

    /// The hex digits of a hex dump's line: byte groups (2 to 8 digits) separated by a space or a colon,
    /// perhaps after an offset (`00000010:` or `00000010` and two spaces) and before a text column two
    /// spaces on (`xxd`, `hexdump -C`, `od`-like dumps); nil unless the line has at least four groups.
    static func dumpLine(_ p: UnsafeRawBufferPointer) -> [UInt8]? {
        let n = p.count
        var i = 0
        while i < n, p[i] == 0x20 { i += 1 }
        func hexEnd(_ from: Int) -> Int {
            var j = from
            while j < n, HTMLReader.hexValue(p[j]) != nil { j += 1 }
            return j
        }
        var j = hexEnd(i)
        guard j > i else { return nil }
        if j - i >= 4, j + 1 < n, (p[j] == 0x3A && p[j + 1] == 0x20) || (p[j] == 0x20 && p[j + 1] == 0x20) {
            i = j + 1
            while i < n, p[i] == 0x20 { i += 1 }
        }
        var digits: [UInt8] = []
        var groups = 0
        while i < n {
            j = hexEnd(i)
            let length = j - i
            guard length >= 2, length <= 8, length % 2 == 0, j == n || p[j] == 0x20 || p[j] == 0x3A else { break }
            digits.append(contentsOf: p[i..<j])
            groups += 1
            if j == n { i = n; break }
            if p[j] == 0x3A { i = j + 1; continue }
            var k = j
            while k < n, p[k] == 0x20 { k += 1 }
            i = k
            // Two spaces or more: the middle of a `hexdump -C` line after eight bytes, else the text column.
            if k - j >= 2 && digits.count != 16 { break }
        }
        guard groups >= 4, i >= n || (i > 1 && p[i - 1] == 0x20 && p[i - 2] == 0x20) else { return nil }
        return digits
    }
}

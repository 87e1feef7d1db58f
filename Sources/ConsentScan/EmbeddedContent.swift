import ConsentCore
import Foundation

/// A file carried encoded inside another one: a `data:` URI, a long base64 value in JSON, a run of base64,
/// hex or quoted-printable in text (``EncodedRuns``). It is as readable as a MIME attachment, so it is
/// decoded and scanned as the file it is; content that cannot be decoded or read is listed as not
/// scanned (which blocks, unless allowed).
struct EmbeddedContent {
    /// The type it declares (`text/csv`), if any.
    var mediaType: String?
    /// The decoded bytes; nil when they could not be decoded.
    var data: Data?
    /// Where it was found, for reports (`a data: URI in the href of an HTML <a>`).
    var label: String
    /// Why it could not be decoded, when `data` is nil.
    var why: String = "it is not valid base64"
    /// Found inside a link (`https://…?token=…`): opaque binary there is a tracking or sign-in token, so
    /// only content that decodes to something readable is scanned; the rest is not listed.
    var quietIfUnreadable = false
}

/// A `data:[type][;base64],payload` URI.
struct DataURI {
    let mediaType: String?
    let base64: Bool
    let payload: ArraySlice<UInt8>

    /// Nil unless `value` starts with `data:` (any case, after white space) and has its comma.
    init?(_ value: [UInt8]) {
        var start = 0
        while start < value.count, value[start] == 0x20 || value[start] == 0x09 || value[start] == 0x0A || value[start] == 0x0D { start += 1 }
        guard value.count >= start + 6, value[start..<(start + 5)].map(lowerASCII).elementsEqual(Array("data:".utf8)),
              let comma = value[(start + 5)...].firstIndex(of: 0x2C) else { return nil }
        let head = String(decoding: value[(start + 5)..<comma], as: UTF8.self).lowercased()
        let parameters = head.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        base64 = parameters.contains("base64")
        mediaType = parameters.first.flatMap { $0.contains("/") ? String($0) : nil }
        payload = value[(comma + 1)...]
    }

    /// The decoded content (percent escapes are already undone by the reader that found it).
    func content(label: String) -> EmbeddedContent {
        guard base64 else { return EmbeddedContent(mediaType: mediaType, data: Data(payload), label: label) }
        return EmbeddedContent(mediaType: mediaType, data: Base64Value.decode(payload), label: label)
    }
}

/// Base64 as it appears in JSON values and URIs: standard or URL-safe alphabet, padding optional, line
/// breaks and spaces allowed.
enum Base64Value {
    /// Values at least this long (in characters) are tried as encoded files; shorter ones (hashes, ids,
    /// tokens) cannot hold a register and are read as text.
    static let minimumLength = 200

    /// Whether `text` is long enough and made only of base64 characters, with at least one digit or `+/`
    /// and both cases of letter (so a long word or number is not taken for it).
    static func looksEncoded(_ text: String) -> Bool {
        guard text.utf8.count >= minimumLength else { return false }
        var upper = false, lower = false, other = false
        for b in text.utf8 {
            switch b {
            case 0x41...0x5A: upper = true
            case 0x61...0x7A: lower = true
            case 0x30...0x39, 0x2B, 0x2F, 0x2D, 0x5F: other = true
            case 0x3D, 0x0A, 0x0D, 0x20: break
            default: return false
            }
        }
        return upper && lower && other
    }

    /// The bytes `text` encodes, or nil when it is not valid base64.
    static func decode(_ text: some Collection<UInt8>) -> Data? {
        var clean: [UInt8] = []
        clean.reserveCapacity(text.count)
        for b in text {
            switch b {
            case 0x0A, 0x0D, 0x20, 0x09: continue
            case 0x2D: clean.append(0x2B)
            case 0x5F: clean.append(0x2F)
            default: clean.append(b)
            }
        }
        while clean.last == 0x3D { clean.removeLast() }
        guard clean.count % 4 != 1 else { return nil }
        clean += Array(repeating: 0x3D, count: (4 - clean.count % 4) % 4)
        return Data(base64Encoded: Data(clean))
    }
}

extension LeakScanner {
    /// Scans content found encoded inside a file, as the file it is (its bytes, else its declared type,
    /// tell the format), each with a matcher of its own whose findings are added to `m`'s (its rows are
    /// not the outer file's, and the outer text may be in the middle of a record). Content that could not
    /// be decoded or read is listed as not scanned.
    func scanEmbedded(_ found: [EmbeddedContent], name: String, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        for item in found {
            let label = "\(item.label) of \(TextSafety.displaySafe(name))"
            guard let data = item.data else {
                if !item.quietIfUnreadable { m.findings.notScanned("\(label) (holds encoded content the scanner did not read: \(item.why))") }
                continue
            }
            try budget.spend(data.count, entryTotal: data.count, packed: data.count, what: label)
            let sniffed = data.withUnsafeBytes { LeakScanner.sniffEmbedded(UnsafeRawBufferPointer(rebasing: $0.prefix(PartStream.sniffBytes))) }
            guard case .format(var format) = sniffed else {
                if case .unreadable(let why) = sniffed, !item.quietIfUnreadable {
                    m.findings.notScanned("\(label) (holds encoded content the scanner did not read: \(why))")
                }
                continue
            }
            let typed = item.mediaType.flatMap { Self.format(ofType: $0) }
            if format.isText, let typed { format = typed }
            var inner = Matcher(index: index, terms: terms)
            inner.encoded.cap = limits.maxHeldBytes
            do {
                try scanContent(data, format: format, name: label, fromContent: typed == nil, depth: depth + 1, budget: budget, into: &inner)
            } catch .unsupported(let why) {
                inner.findings.unscanned.append("\(label) (holds encoded content the scanner did not read: \(why))")
            }
            inner.endRecord()
            m.findings.merge(inner.findings)
        }
    }

    /// What decoded bytes are: as ``sniff(_:name:)`` says, except that bytes most of which are control
    /// characters are binary even without a zero byte (random bytes decoded from a token).
    static func sniffEmbedded(_ head: UnsafeRawBufferPointer) -> Sniffed {
        let sniffed = sniff(head, name: "")
        guard case .format(let format) = sniffed, format.isText, TextDecoding.byteOrderMark(head) == nil, TextDecoding.wideWithoutMark(head) == nil else { return sniffed }
        var control = 0
        for b in head where b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C || b == 0x7F { control += 1 }
        return control * 20 > head.count ? .unreadable("a binary file of a kind the scanner cannot read") : sniffed
    }

    /// Scans what the matcher found encoded in the text read so far; `closing`: that text has ended.
    func scanEncoded(name: String, depth: Int, budget: ExpansionBudget, closing: Bool, into m: inout Matcher) throws(ScanError) {
        let found = m.encoded.take(closing: closing)
        if !found.isEmpty { try scanEmbedded(found, name: name, depth: depth, budget: budget, into: &m) }
    }
}

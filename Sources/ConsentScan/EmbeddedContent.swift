import ConsentCore
import Foundation

/// A file carried encoded inside another one: a `data:` URI in HTML or JSON, a long base64 value in JSON.
/// It is as readable as a MIME attachment, so it is decoded and scanned as the file it is; content that
/// cannot be decoded is listed as not scanned (which blocks, unless allowed).
struct EmbeddedContent {
    /// The type it declares (`text/csv`), if any.
    var mediaType: String?
    /// The decoded bytes; nil when they could not be decoded.
    var data: Data?
    /// Where it was found, for reports (`a data: URI in the href of an HTML <a>`).
    var label: String
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
    /// tell the format). Content that could not be decoded or read is listed as not scanned.
    func scanEmbedded(_ found: [EmbeddedContent], name: String, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        for item in found {
            let label = "\(item.label) of \(TextSafety.displaySafe(name))"
            guard let data = item.data else {
                m.findings.unscanned.append("\(label) (holds encoded content the scanner did not read: it is not valid base64)")
                continue
            }
            try budget.spend(data.count, entryTotal: data.count, packed: data.count, what: label)
            let sniffed = data.withUnsafeBytes { LeakScanner.sniff(UnsafeRawBufferPointer(rebasing: $0.prefix(PartStream.sniffBytes)), name: "") }
            guard case .format(var format) = sniffed else {
                if case .unreadable(let why) = sniffed { m.findings.unscanned.append("\(label) (holds encoded content the scanner did not read: \(why))") }
                continue
            }
            let typed = item.mediaType.flatMap { Self.format(ofType: $0) }
            if format.isText, let typed { format = typed }
            do {
                try scanContent(data, format: format, name: label, fromContent: typed == nil, depth: depth + 1, budget: budget, into: &m)
            } catch .unsupported(let why) {
                m.findings.unscanned.append("\(label) (holds encoded content the scanner did not read: \(why))")
            }
        }
    }
}

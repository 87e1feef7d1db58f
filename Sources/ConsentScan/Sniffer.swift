import Foundation

/// The formats the scanner reads.
public enum ScanFormat: String, Codable, Sendable {
    case csv, xlsx, docx, ods, odt, json, text, html, xml, mail, pdf, zip, gzip

    /// The format a file name's extension names, if any. For binary formats the content decides
    /// (a renamed workbook is still read as one); the name only says what was expected.
    public init?(fileName: String) {
        switch (fileName as NSString).pathExtension.lowercased() {
        case "csv", "tsv", "tab": self = .csv
        case "xlsx", "xlsm": self = .xlsx
        case "docx", "docm": self = .docx
        case "ods", "ots": self = .ods
        case "odt", "ott", "odp": self = .odt
        case "json", "jsonl", "ndjson": self = .json
        case "txt", "text", "md", "log", "rtf": self = .text
        case "htm", "html": self = .html
        case "xml": self = .xml
        case "eml", "msg822": self = .mail
        case "pdf": self = .pdf
        case "zip": self = .zip
        case "gz", "gzip": self = .gzip
        default: return nil
        }
    }

    /// The name people know the format by, in messages.
    var label: String {
        switch self {
        case .csv, .xlsx, .docx, .ods, .odt, .json, .html, .xml, .pdf, .zip: rawValue.uppercased()
        case .gzip: "gzip"
        case .text: "text"
        case .mail: "mail"
        }
    }

    /// Formats whose content is text (read after decoding its charset).
    var isText: Bool { [.csv, .json, .text, .html, .xml, .mail].contains(self) }
}

/// What the first bytes of a file say it is.
enum Sniffed: Equatable {
    case format(ScanFormat)
    /// A kind the scanner cannot read, and why (said to the sender).
    case unreadable(String)
}

extension LeakScanner {
    static let picture = "a picture; the scanner cannot read text in pictures"
    static let legacyOffice = "a legacy Office file (XLS, DOC, PPT) or an Outlook message (.msg), which the scanner cannot read; save it as .xlsx, .docx or .pdf"

    /// The kind of a file from its first bytes, then its name, then the shape of its text.
    static func sniff(_ head: UnsafeRawBufferPointer, name: String) -> Sniffed {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && head[offset..<(offset + magic.count)].elementsEqual(magic)
        }
        // Content first: a workbook renamed to .txt is still a workbook.
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) {
            // Named as an office file, it must be one (damage is then reported as such); else its parts tell.
            let named = ScanFormat(fileName: name)
            return .format([.xlsx, .docx, .ods, .odt].contains(named) ? named ?? .zip : .zip)
        }
        if starts([0x1F, 0x8B]) { return .format(.gzip) }
        if Self.find(Array("%PDF-".utf8), in: head, within: 1024) != nil { return .format(.pdf) }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .unreadable(Self.legacyOffice) }
        let bitmap = starts(Array("BM".utf8)) && head.count > 14 && head[6] == 0 && head[7] == 0
        let webp = starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8)
        let pictures: [[UInt8]] = [[0x89, 0x50, 0x4E, 0x47], [0xFF, 0xD8, 0xFF], Array("GIF8".utf8), [0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A]]
        if bitmap || webp || pictures.contains(where: { starts($0) }) {
            return .unreadable(Self.picture)
        }
        let archives: [[UInt8]] = [[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], Array("Rar!".utf8), Array("BZh".utf8), [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]]
        if archives.contains(where: { starts($0) }) || starts(Array("ustar".utf8), at: 257) {
            return .unreadable("an archive of a kind the scanner cannot unpack (7z, RAR, bzip2, xz or tar); send a .zip")
        }
        if starts(Array("%!PS".utf8)) { return .unreadable("a PostScript file, which the scanner cannot read; send a PDF") }
        // Text: in UTF-16 or UTF-32 its zero bytes are not binary.
        let wide = TextDecoding.byteOrderMark(head).map { $0.0 != .utf8 } ?? false || TextDecoding.wideWithoutMark(head) != nil
        if !wide && head.contains(0) {
            return .unreadable("a binary file of a kind the scanner cannot read")
        }
        if let named = ScanFormat(fileName: name), named.isText { return .format(named) }
        return .format(textShape(head, wide: wide))
    }

    /// The shape of text with no telling name: mail headers, JSON, HTML, XML, delimited rows, else text.
    static func textShape(_ head: UnsafeRawBufferPointer, wide: Bool) -> ScanFormat {
        var bytes = Array(head)
        if wide, let decoded = try? TextDecoding.utf8(head, from: TextDecoding.sniff(head).0) { bytes = decoded }
        if let (encoding, length) = TextDecoding.byteOrderMark(head), encoding == .utf8 { bytes.removeFirst(length) }
        let text = String(decoding: bytes.prefix(8192), as: UTF8.self)
        let lines = text.split(separator: "\n", maxSplits: 40, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .init(charactersIn: "\r")) }
        if let first = lines.first, looksLikeHeader(first) {
            let block = lines.prefix { !$0.isEmpty }
            let mailFields: Set<String> = ["from", "to", "subject", "date", "mime-version", "content-type", "received", "return-path", "message-id"]
            let fields = block.compactMap { line in line.firstIndex(of: ":").map { line[..<$0].lowercased() } }
            if fields.contains(where: mailFields.contains) { return .mail }
        }
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }
        if trimmed.first == "{" || trimmed.first == "[" { return .json }
        if trimmed.first == "<" {
            let lower = trimmed.prefix(1024).lowercased()
            if lower.contains("<html") || lower.hasPrefix("<!doctype html") || lower.contains("<table") || lower.contains("<body") { return .html }
            if lower.hasPrefix("<?xml") || lower.hasPrefix("<") { return .xml }
        }
        let sample = lines.prefix(6).filter { !$0.isEmpty }
        for delimiter: Character in [",", "\t", ";"] {
            let counts = sample.prefix(5).map { $0.filter { $0 == delimiter }.count }
            if counts.count >= 2, let c = counts.first, c >= 1, counts.allSatisfy({ $0 == c }) { return .csv }
        }
        return .text
    }

    private static func looksLikeHeader(_ line: String) -> Bool {
        guard let colon = line.firstIndex(of: ":"), colon > line.startIndex else { return false }
        return line[..<colon].unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }

    static func find(_ needle: [UInt8], in p: UnsafeRawBufferPointer, within limit: Int) -> Int? {
        let n = min(p.count, limit)
        guard needle.count <= n else { return nil }
        for i in 0...(n - needle.count) where p[i] == needle[0] && p[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}

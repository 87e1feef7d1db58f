import ConsentCore
import Foundation

/// An open ZIP archive being read in one scan.
struct Package {
    let data: Data
    let entries: [ZipEntry]
    let name: String
    let format: String
    let budget: ExpansionBudget

    /// Streams one XML entry through `receiver`, returning it when the part has ended.
    func parse<R: XMLReceiver>(_ entry: ZipEntry, _ receiver: R, into m: inout Matcher) throws(ScanError) -> R {
        var part = XMLPart(receiver: receiver, part: "\(entry.path) in \(name)", format: format)
        try ZipPackage.stream(entry, in: data, name: name, budget: budget, format: format) { (p) throws(ScanError) in
            try part.write(p, into: &m)
        }
        try part.finish(into: &m)
        return part.receiver
    }

    /// The kind of office package this is, from the parts it holds; nil for any other archive.
    func kind() throws(ScanError) -> ScanFormat? {
        let paths = Set(entries.map(\.path))
        if paths.contains("xl/workbook.xml") { return .xlsx }
        if paths.contains("word/document.xml") { return .docx }
        if paths.contains("content.xml"), let mimetype = entries.first(where: { $0.path == "mimetype" }), mimetype.uncompressedSize < 200 {
            let type = String(decoding: try ZipPackage.data(mimetype, in: data, name: name, budget: budget, format: format), as: UTF8.self)
            if type.hasPrefix("application/vnd.oasis.opendocument.spreadsheet") { return .ods }
            if type.hasPrefix("application/vnd.oasis.opendocument") { return .odt }
        }
        return nil
    }
}

extension LeakScanner {
    /// Reads a ZIP archive: an office package by its parts, any other archive entry by entry (each read as
    /// the file it is, nested archives too). Returns the format it turned out to be.
    func scanZip(_ data: Data, name: String, expected: ScanFormat?, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) -> ScanFormat {
        let label = (expected ?? .zip).label
        let entries = try ZipPackage.open(data, name: name, format: label, budget: budget)
        let package = Package(data: data, entries: entries, name: name, format: label, budget: budget)
        let kind = try package.kind()
        if let expected, expected != .zip, expected != kind {
            let marker = [ScanFormat.xlsx: "xl/workbook.xml", .docx: "word/document.xml", .ods: "content.xml", .odt: "content.xml"][expected] ?? "its parts"
            throw .corrupt(format: label, reason: "\(name) has no \(marker), so it is not a\(expected == .xlsx ? "n" : "") \(label) file")
        }
        var main: Set<String> = []
        switch kind {
        case .xlsx:
            try XLSXReader.scan(package, into: &m)
            try scanEncoded(name: name, depth: depth, budget: budget, closing: true, into: &m)
            main = Set(entries.map(\.path).filter { $0 == "xl/sharedStrings.xml" || $0.hasPrefix("xl/worksheets/") && $0.hasSuffix(".xml") })
        case .docx:
            for entry in entries where entry.path.hasPrefix("word/") && entry.path.hasSuffix(".xml") && !entry.path.contains("/_rels/") {
                _ = try package.parse(entry, WordText(), into: &m)
                try scanEncoded(name: name, depth: depth, budget: budget, closing: true, into: &m)
                main.insert(entry.path)
            }
            guard !main.isEmpty else { throw .corrupt(format: label, reason: "\(name) has no document") }
        case .ods, .odt:
            if let content = entries.first(where: { $0.path == "content.xml" }) {
                _ = try package.parse(content, OpenDocumentText(part: "content.xml in \(name)"), into: &m)
                try scanEncoded(name: name, depth: depth, budget: budget, closing: true, into: &m)
                main.insert(content.path)
            }
        default:
            for entry in entries where entry.isFile {
                try scanEntry(entry, of: package, depth: depth, into: &m)
            }
            return .zip
        }
        // The other parts of an office file: its XML (headers, comments, notes, custom data) as text, and
        // documents embedded in it as the files they are. Pictures, fonts and printer settings are skipped.
        for entry in entries where entry.isFile && !main.contains(entry.path) {
            let path = entry.path.lowercased()
            if path.hasSuffix(".xml") || path.hasSuffix(".rels") || path.hasSuffix(".vml") {
                _ = try package.parse(entry, PlainXMLText(), into: &m)
                try scanEncoded(name: name, depth: depth, budget: budget, closing: true, into: &m)
            } else if path.contains("embeddings/") || Self.embeddedKinds.contains((path as NSString).pathExtension) {
                try scanEntry(entry, of: package, depth: depth, into: &m)
            }
        }
        return kind ?? .zip
    }

    static let embeddedKinds: Set<String> = ["xlsx", "xlsm", "docx", "xls", "doc", "ods", "odt", "pdf", "zip", "gz", "csv", "txt", "json", "msg"]

    private func scanEntry(_ entry: ZipEntry, of package: Package, depth: Int, into m: inout Matcher) throws(ScanError) {
        let part = PartStream(name: "\(package.name) → \(entry.path)", fileName: entry.path, depth: depth + 1, scanner: self, budget: package.budget)
        do {
            try ZipPackage.stream(entry, in: package.data, name: package.name, budget: package.budget, format: package.format) { (p) throws(ScanError) in
                try part.write(p, into: &m)
            }
        } catch .corrupt {
            // One entry that cannot be unpacked (encrypted, an unknown method, damaged) is not scanned.
            m.findings.unscanned.append("\(TextSafety.displaySafe(part.name)) (cannot be unpacked or read: encrypted, damaged, or packed in a way the scanner cannot unpack)")
            return
        }
        try part.finish(into: &m)
    }

    /// Unpacks a gzip stream, reading what it holds as the file it is (`list.csv.gz` as CSV).
    func scanGzip(_ data: Data, name: String, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        let inner = (name as NSString).pathExtension.lowercased() == "gz" || (name as NSString).pathExtension.lowercased() == "gzip"
            ? (name as NSString).deletingPathExtension : name
        let part = PartStream(name: "\(name) → \((inner as NSString).lastPathComponent)", fileName: inner, depth: depth + 1, scanner: self, budget: budget)
        let inflater = try GzipInflater()
        var total = 0
        try withBytes(data) { (p) throws(ScanError) in
            var offset = 0
            while offset < p.count {
                let slice = UnsafeRawBufferPointer(rebasing: p[offset..<min(p.count, offset + (1 << 16))])
                offset += slice.count
                try inflater.write(slice, name: name) { (out) throws(ScanError) in
                    total += out.count
                    try budget.spend(out.count, entryTotal: total, packed: offset, what: name)
                    try part.write(out, into: &m)
                }
            }
        }
        try inflater.finish(name: name)
        try part.finish(into: &m)
    }
}

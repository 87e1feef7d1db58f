import Foundation

/// The formats the scanner reads.
public enum ScanFormat: String, Codable, Sendable {
    case csv, xlsx, docx, json, text, html, mail

    /// The format a file name's extension names, if any.
    public init?(fileName: String) {
        switch (fileName as NSString).pathExtension.lowercased() {
        case "csv", "tsv", "tab": self = .csv
        case "xlsx", "xlsm": self = .xlsx
        case "docx", "docm": self = .docx
        case "json", "jsonl", "ndjson": self = .json
        case "txt", "text", "md", "log": self = .text
        case "htm", "html": self = .html
        case "eml", "msg822": self = .mail
        default: return nil
        }
    }
}

/// Checks files against the register (through a ``ScanIndex``) and for special-category values.
///
/// ```swift
/// let scanner = LeakScanner(index: index, terms: SpecialTerms(catalogue: catalogue) { _ in [] })
/// let report = try scanner.scan(Data(contentsOf: url), name: url.lastPathComponent)
/// if report.verdict == .blocked { ... }
/// ```
public struct LeakScanner: Sendable {
    public let index: ScanIndex
    public let terms: SpecialTerms
    public let limits: ScanLimits

    public init(index: ScanIndex, terms: SpecialTerms, limits: ScanLimits = ScanLimits()) {
        self.index = index
        self.terms = terms
        self.limits = limits
    }

    /// Scans one file's bytes. The format comes from `format`, else the name's extension, else the content.
    /// Throws when the file is damaged, would expand too far, or is of a kind that cannot be read.
    public func scan(_ data: Data, name: String, format: ScanFormat? = nil) throws(ScanError) -> ScanReport {
        var m = Matcher(index: index, terms: terms)
        let budget = ExpansionBudget(limits)
        let named = format ?? ScanFormat(fileName: name)
        guard let chosen = named ?? Self.detect(data, name: name) else {
            throw .unsupported("\(name) is a binary file of a kind the scanner cannot read; send it only after checking it by hand")
        }
        do {
            try scanContent(data, format: chosen, name: name, depth: 0, budget: budget, into: &m)
        } catch .corrupt(let format, _) where named == nil && chosen == .json && format == "JSON" {
            // Content that merely started with a bracket: read it as text.
            m = Matcher(index: index, terms: terms)
            try scanContent(data, format: .text, name: name, depth: 0, budget: budget, into: &m)
            m.endRecord()
            return m.findings.report(file: name, format: ScanFormat.text.rawValue)
        }
        m.endRecord()
        return m.findings.report(file: name, format: chosen.rawValue)
    }

    func scanContent(_ data: Data, format: ScanFormat, name: String, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        switch format {
        case .csv: data.withUnsafeBytes { DelimitedReader.scan($0, into: &m) }
        case .text: data.withUnsafeBytes { TextReader.scan($0, into: &m) }
        case .html:
            let text = data.withUnsafeBytes { TextReader.htmlText($0) }
            text.withUnsafeBytes { TextReader.scan($0, into: &m) }
        case .json: try JSONReader.scan(data, name: name, into: &m)
        case .xlsx: try XLSXReader.scan(data, name: name, budget: budget, into: &m)
        case .docx:
            let text = try DOCXReader.text(data, name: name, budget: budget)
            text.withUnsafeBytes { TextReader.scan($0, into: &m) }
        case .mail: try scanMail(data, name: name, depth: depth, budget: budget, into: &m)
        }
    }

    /// The format of content without a telling name, or nil for a binary file the scanner cannot read.
    public static func detect(_ data: Data, name: String) -> ScanFormat? {
        if let byName = ScanFormat(fileName: name) { return byName }
        let head = [UInt8](data.prefix(8192))
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            // Only a workbook or a Word document: other ZIP files (archives) cannot be read.
            if data.range(of: Data("xl/workbook.xml".utf8)) != nil { return .xlsx }
            return data.range(of: Data("word/document.xml".utf8)) != nil ? .docx : nil
        }
        if head.contains(0) || head.starts(with: Array("%PDF".utf8)) { return nil }
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\n", maxSplits: 40, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .init(charactersIn: "\r")) }
        if let first = lines.first, looksLikeHeader(first) {
            let block = lines.prefix { !$0.isEmpty }
            let mailFields: Set<String> = ["from", "to", "subject", "date", "mime-version", "content-type", "received", "return-path", "message-id"]
            let fields = block.compactMap { line in line.firstIndex(of: ":").map { line[..<$0].lowercased() } }
            if fields.contains(where: mailFields.contains) { return .mail }
        }
        let firstByte = head.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if firstByte == 0x7B || firstByte == 0x5B { return .json }
        if firstByte == 0x3C, text.lowercased().contains("<html") { return .html }
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
}

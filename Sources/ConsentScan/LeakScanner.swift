import ConsentCore
import Foundation

/// Checks files against the register (through a ``ScanIndex``) and for special-category values.
///
/// ```swift
/// let scanner = LeakScanner(index: index, terms: SpecialTerms(catalogue: catalogue) { _ in [] })
/// let report = try scanner.scan(Data(contentsOf: url), name: url.lastPathComponent)
/// if report.verdict == .blocked { ... }
/// ```
///
/// Closed by default: a part that cannot be read (a picture, a legacy Office file, an encrypted entry)
/// blocks the file it is in, named in ``ScanReport/unscanned``, unless `allowUnscanned` is set.
public struct LeakScanner: Sendable {
    public let index: ScanIndex
    public let terms: SpecialTerms
    public let limits: ScanLimits
    /// Let files through whose unreadable parts are the only reason to stop them (they are still listed).
    public let allowUnscanned: Bool
    /// How PDF text is read.
    public let pdf: PDFTextTool

    public init(index: ScanIndex, terms: SpecialTerms, limits: ScanLimits = ScanLimits(), allowUnscanned: Bool = false,
                pdf: PDFTextTool = PDFTextTool()) {
        self.index = index
        self.terms = terms
        self.limits = limits
        self.allowUnscanned = allowUnscanned
        self.pdf = pdf
    }

    /// Scans one file's bytes. The format comes from `format`, else the content (binary formats), else the
    /// name's extension, else the shape of the text. Throws when the file is damaged, would expand too
    /// far, or is of a kind that cannot be read.
    public func scan(_ data: Data, name: String, format: ScanFormat? = nil) throws(ScanError) -> ScanReport {
        var findings = Findings()
        return try scan(data, name: name, format: format, findings: &findings)
    }

    /// ``scan(_:name:format:)``, also giving the findings behind the report.
    func scan(_ data: Data, name: String, format: ScanFormat?, findings: inout Findings) throws(ScanError) -> ScanReport {
        var m = Matcher(index: index, terms: terms)
        m.encoded.cap = limits.maxHeldBytes
        let budget = ExpansionBudget(limits)
        let sniffed = format.map(Sniffed.format) ?? data.withUnsafeBytes { LeakScanner.sniff(UnsafeRawBufferPointer(rebasing: $0.prefix(PartStream.sniffBytes)), name: name) }
        guard case .format(let chosen) = sniffed else {
            if case .unreadable(let why) = sniffed { throw .unsupported("\(name) is \(why)") }
            throw .unsupported("\(name) cannot be read")
        }
        let fromContent = format == nil && ScanFormat(fileName: name) != chosen
        let found = try scanContent(data, format: chosen, name: name, fromContent: fromContent, depth: 0, budget: budget, into: &m)
        m.endRecord()
        findings = m.findings
        return m.findings.report(file: name, format: found.rawValue, allowUnscanned: allowUnscanned)
    }

    /// Reads content of a known format into the matcher, then what its text carries encoded; returns the
    /// format it turned out to be (a ZIP archive may be a workbook). `fromContent`: the format was guessed
    /// from the text's shape, so JSON or XML that does not parse is read as plain text instead of refused.
    @discardableResult
    func scanContent(_ data: Data, format: ScanFormat, name: String, fromContent: Bool = false, charset: String? = nil,
                     depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) -> ScanFormat {
        let found = try readContent(data, format: format, name: name, fromContent: fromContent, charset: charset, depth: depth, budget: budget, into: &m)
        try scanEncoded(name: name, depth: depth, budget: budget, closing: true, into: &m)
        return found
    }

    private func readContent(_ data: Data, format: ScanFormat, name: String, fromContent: Bool, charset: String?,
                             depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) -> ScanFormat {
        guard depth < limits.maxDepth else { throw .tooLarge("\(name) nests parts more than \(limits.maxDepth) deep") }
        switch format {
        case .csv, .text:
            try withBytes(data) { (p) throws(ScanError) in
                try TextStream.scan(p, layout: format == .csv ? .delimited : .lines, charset: charset, into: &m)
            }
        case .html:
            let text = try utf8(data, charset: charset ?? data.withUnsafeBytes { HTMLReader.declaredCharset($0) })
            let embedded = text.withUnsafeBytes { HTMLReader.scan($0, into: &m) }
            try scanEmbedded(embedded, name: name, depth: depth, budget: budget, into: &m)
        case .json:
            let text = try utf8(data, charset: charset)
            do {
                let embedded = try JSONReader.scan(Data(text), name: name, into: &m)
                try scanEmbedded(embedded, name: name, depth: depth, budget: budget, into: &m)
            } catch .corrupt(format: "JSON", reason: _) where fromContent {
                try withBytes(text) { (p) throws(ScanError) in try TextStream.scan(p, layout: .lines, into: &m) }
                return .text
            }
        case .xml:
            var part = XMLPart(receiver: PlainXMLText(), part: name)
            var probe = m
            do {
                try withBytes(data) { (p) throws(ScanError) in try part.write(p, into: &probe) }
                try part.finish(into: &probe)
                m = probe
            } catch .corrupt where fromContent {
                try withBytes(data) { (p) throws(ScanError) in try TextStream.scan(p, layout: .lines, charset: charset, into: &m) }
                return .text
            }
        case .mail:
            try scanMail(data, name: name, depth: depth, budget: budget, into: &m)
        case .xlsx, .docx, .ods, .odt, .zip:
            return try scanZip(data, name: name, expected: fromContent ? nil : format, depth: depth, budget: budget, into: &m)
        case .gzip:
            try scanGzip(data, name: name, depth: depth, budget: budget, into: &m)
        case .pdf:
            switch PDFReader.text(data, tool: pdf, maxBytes: min(limits.maxHeldBytes, max(0, limits.maxExpandedBytes - budget.used))) {
            case .text(let text):
                budget.used += text.count
                try withBytes(text) { (p) throws(ScanError) in try TextStream.scan(p, layout: .lines, charset: "utf-8", into: &m) }
            case .unreadable(let why):
                try unreadable(name, why, depth: depth, into: &m)
            }
        }
        return format
    }

    /// A part that cannot be read: at the top a file the scanner refuses (exit 2), inside a container a
    /// part listed as not scanned (which blocks the file unless allowed).
    func unreadable(_ name: String, _ why: String, depth: Int, into m: inout Matcher) throws(ScanError) {
        if depth == 0 { throw .unsupported("\(name) is \(why)") }
        m.findings.unscanned.append("\(TextSafety.displaySafe(name)) (\(why))")
    }

    /// Text of a declared (or sniffed) charset in UTF-8. A byte-order mark or the zero bytes of UTF-16/32
    /// win over a label; a UTF-8 or Latin-1 label counts only as far as the bytes agree (mislabelled text
    /// is common), so invalid UTF-8 is read as Windows-1252.
    func utf8(_ data: Data, charset: String?) throws(ScanError) -> [UInt8] {
        try withBytes(data) { (p) throws(ScanError) -> [UInt8] in
            var (encoding, skip) = TextDecoding.sniff(p)
            let wide = encoding != .utf8 && encoding != .windows1252
            if let charset, !wide, !TextEncoding.orderUnstated(charset) {
                let declared = TextEncoding(label: charset)
                if declared != .utf8 && declared != .windows1252 { encoding = declared }
            }
            if encoding == .utf8 { return Array(p[skip...]) }
            return try TextDecoding.utf8(UnsafeRawBufferPointer(rebasing: p[skip...]), from: encoding)
        }
    }
}

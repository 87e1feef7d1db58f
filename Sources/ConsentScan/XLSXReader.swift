import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// How far a file may expand when archives in it are unpacked; shared by every archive in one file
/// (a mail's attachments included), so nesting does not multiply the allowance.
public struct ScanLimits: Sendable {
    /// Total bytes all archives of one file may unpack to.
    public var maxExpandedBytes: Int
    /// Largest ratio of unpacked to packed size of one entry, once it has unpacked `ratioFreeBytes`.
    public var maxRatio: Int
    public var ratioFreeBytes: Int
    /// Deepest nesting of mail parts and attached messages.
    public var maxDepth: Int

    public init(maxExpandedBytes: Int = 512 << 20, maxRatio: Int = 200, ratioFreeBytes: Int = 4 << 20, maxDepth: Int = 16) {
        self.maxExpandedBytes = maxExpandedBytes
        self.maxRatio = maxRatio
        self.ratioFreeBytes = ratioFreeBytes
        self.maxDepth = maxDepth
    }
}

/// Bytes unpacked so far for one scanned file.
final class ExpansionBudget {
    let limits: ScanLimits
    var used = 0
    init(_ limits: ScanLimits) { self.limits = limits }
}

enum XLSXReader {
    /// Scans every worksheet: each row is a record, a first row names the columns.
    static func scan(_ data: Data, name: String, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        let (archive, entries) = try openPackage(data, name: name, format: "XLSX", kind: "spreadsheet", budget: budget)
        guard entries.contains(where: { $0.path == "xl/workbook.xml" }) else {
            throw .corrupt(format: "XLSX", reason: "\(name) has no xl/workbook.xml, so it is not an Excel workbook")
        }
        var shared: [String] = []
        if let entry = entries.first(where: { $0.path == "xl/sharedStrings.xml" }) {
            let parser = SheetParser(shared: [], matcher: nil)
            try parse(extract(entry, archive, name, budget), with: parser, part: "the shared strings of \(name)")
            shared = parser.sharedStrings
        }
        let sheets = entries.filter { $0.path.hasPrefix("xl/worksheets/") && $0.path.hasSuffix(".xml") }.sorted { $0.path < $1.path }
        guard !sheets.isEmpty else { throw .corrupt(format: "XLSX", reason: "\(name) has no worksheets") }
        for sheet in sheets {
            let parser = SheetParser(shared: shared, matcher: m)
            try parse(extract(sheet, archive, name, budget), with: parser, part: "\(sheet.path) in \(name)")
            if let matcher = parser.matcher { m = matcher }
        }
    }

    /// Unpacks one entry, refusing it as soon as the budget or the ratio is exceeded.
    /// Opens an Office package (a ZIP archive) and checks, before unpacking anything, that it has a
    /// sane number of parts and declares no more bytes than the budget has left (a zip bomb).
    static func openPackage(_ data: Data, name: String, format: String, kind: String,
                            budget: ExpansionBudget) throws(ScanError) -> (Archive, [Entry]) {
        let archive: Archive
        do { archive = try ZipFile.open(data) } catch {
            throw .corrupt(format: format, reason: "\(name) is not a ZIP archive (damaged, cut short or not a \(kind))")
        }
        let entries = Array(archive)
        guard entries.count <= 10_000 else { throw .tooLarge("\(name) holds \(entries.count) parts, more than a \(kind) has") }
        let declared = entries.reduce(UInt64(0)) { $0 &+ $1.uncompressedSize }
        guard declared <= UInt64(budget.limits.maxExpandedBytes - budget.used) else {
            throw .tooLarge("\(name) would unpack to \(declared / 1_048_576) MB, over the \(budget.limits.maxExpandedBytes / 1_048_576) MB limit (a zip bomb?)")
        }
        return (archive, entries)
    }

    static func extract(_ entry: Entry, _ archive: Archive, _ name: String, _ budget: ExpansionBudget,
                        format: String = "XLSX") throws(ScanError) -> Data {
        var out = Data()
        let packed = max(Int(clamping: entry.compressedSize), 1)
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                out.append(chunk)
                budget.used += chunk.count
                if budget.used > budget.limits.maxExpandedBytes {
                    throw ScanError.tooLarge("\(name) unpacks to more than \(budget.limits.maxExpandedBytes / 1_048_576) MB (a zip bomb?)")
                }
                if out.count > budget.limits.ratioFreeBytes && out.count / packed > budget.limits.maxRatio {
                    throw ScanError.tooLarge("\(entry.path) in \(name) expands more than \(budget.limits.maxRatio) times its packed size (a zip bomb?)")
                }
            }
        } catch let error as ScanError {
            throw error
        } catch {
            throw .corrupt(format: format, reason: "\(entry.path) in \(name) cannot be unpacked (damaged or cut short)")
        }
        return out
    }

    static func parse(_ data: Data, with delegate: SheetParser, part: String) throws(ScanError) {
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        guard parser.parse() else {
            if let failure = delegate.failure { throw .corrupt(format: "XLSX", reason: "\(part): \(failure)") }
            let why = parser.parserError.map { "\($0.localizedDescription)" } ?? "not well-formed"
            throw .corrupt(format: "XLSX", reason: "\(part) is not well-formed XML (\(why))")
        }
        guard delegate.depth == 0, delegate.sawElement else {
            throw .corrupt(format: "XLSX", reason: "\(part) is cut short (its XML does not close)")
        }
    }
}

/// Reads shared strings (`<si>`) or a worksheet's rows (`<row><c r="B2" t="s"><v>3</v></c>`), feeding the matcher.
final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var matcher: Matcher?
    var sharedStrings: [String] = []
    var failure: String?

    private var text = ""
    private var collecting = false
    private var inSharedItem = false
    private var cellType: String?
    private var cellColumn = 0
    private var cellValue = ""
    private var row: [(column: Int, value: String, numeric: Bool)] = []
    private var rowsSeen = 0
    /// Open elements; not zero at the end means the part was cut short.
    var depth = 0
    var sawElement = false

    init(shared: [String], matcher: Matcher?) {
        self.shared = shared
        self.matcher = matcher
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        depth += 1
        sawElement = true
        switch element {
        case "si": inSharedItem = true; text = ""
        case "t", "v": collecting = true; if !inSharedItem { text = "" }
        case "c":
            cellType = attributes["t"]
            cellColumn = Self.column(attributes["r"]) ?? (row.last.map { $0.column + 1 } ?? 0)
            cellValue = ""
        case "row": row.removeAll()
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        switch element {
        case "t", "v":
            collecting = false
            if !inSharedItem { cellValue += text }
        case "si":
            inSharedItem = false
            sharedStrings.append(text)
        case "c":
            var value = cellValue
            if cellType == "s" {
                guard let i = Int(cellValue), shared.indices.contains(i) else {
                    failure = "a cell refers to shared string \(cellValue), which does not exist"
                    parser.abortParsing()
                    return
                }
                value = shared[i]
            }
            row.append((cellColumn, value, cellType == nil || cellType == "n"))
        case "row": endRow()
        default: break
        }
    }

    private func endRow() {
        guard var m = matcher else { return }
        if rowsSeen < Matcher.headerRows, let last = row.map(\.column).max(), last < 16_384 {
            var header = [String](repeating: "", count: last + 1)
            for cell in row { header[cell.column] = cell.value }
            m.header(header)
        }
        for cell in row {
            m.cell(cell.value, column: cell.column)
            // A phone typed into a number cell loses its leading zero: 7700900123.
            if cell.numeric, cell.value.utf8.count == 10, cell.value.utf8.allSatisfy(isDigit), cell.value.first != "0" {
                m.cell("0" + cell.value, column: -1)
            }
        }
        m.endRecord()
        matcher = m
        rowsSeen += 1
    }

    /// The column (from 0) of a cell reference such as `AB12`.
    static func column(_ reference: String?) -> Int? {
        guard let reference else { return nil }
        var column = 0
        var letters = 0
        for b in reference.utf8 {
            guard isUpperOrLowerLetter(b) else { break }
            column = column * 26 + Int(upperASCII(b) - 0x40)
            letters += 1
        }
        return letters > 0 && letters <= 3 ? column - 1 : nil
    }
}

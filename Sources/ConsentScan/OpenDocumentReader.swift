/// OpenDocument files (`.ods`, `.odt`, and the text of `.odp`): `content.xml` read as it unpacks. Table
/// rows are records whose first rows may name the columns (as in a spreadsheet); paragraphs outside
/// tables are lines, an empty one ending a record (as in a letter).
struct OpenDocumentText: XMLReceiver {
    let part: String
    private var text = LineText()
    private var inCell = false
    private var cell: [UInt8] = []
    private var cellNumber: String?
    private var cellRepeat = 1
    private var paragraphsInCell = 0
    private var column = 0
    private var row: [Matcher.Cell] = []
    private var rowsSeen = 0

    init(part: String) { self.part = part }

    mutating func start(_ tag: XMLTag, into m: inout Matcher) throws(ScanError) {
        switch tag.local {
        case Names.table: rowsSeen = 0
        case Names.tableRow:
            row.removeAll(keepingCapacity: true)
            column = 0
        case Names.tableCell, Names.coveredCell:
            inCell = true
            cell.removeAll(keepingCapacity: true)
            paragraphsInCell = 0
            cellRepeat = min(max(Int(tag.attribute("number-columns-repeated") ?? "1") ?? 1, 1), 16_384)
            // A number or date keeps its exact value in an attribute (the text may be formatted).
            cellNumber = tag.attribute("value") ?? tag.attribute("date-value").map { String($0.prefix(10)) }
        case Names.p, Names.h:
            if inCell {
                if paragraphsInCell > 0 { cell.append(0x0A) }
                paragraphsInCell += 1
            }
        case Names.s: try add([0x20], into: &m)
        case Names.tab: try add([0x09], into: &m)
        case Names.lineBreak: try add([0x0A], into: &m)
        default: break
        }
    }

    mutating func end(_ local: [UInt8], into m: inout Matcher) throws(ScanError) {
        switch local {
        case Names.tableCell, Names.coveredCell:
            inCell = false
            let value = String(decoding: cell, as: UTF8.self)
            if !value.isEmpty || cellNumber != nil {
                row.append(Matcher.Cell(column: column, value: value, numeric: false))
                if let number = cellNumber, number != value { row.append(Matcher.Cell(column: column, value: number, numeric: true)) }
            }
            column += cellRepeat
        case Names.tableRow:
            m.row(row, mayBeHeader: rowsSeen < Matcher.headerRows)
            row.removeAll(keepingCapacity: true)
            rowsSeen += 1
        case Names.p, Names.h:
            if !inCell { try text.append(0x0A, into: &m) }
        default: break
        }
    }

    mutating func text(_ bytes: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        try add(bytes, into: &m)
    }

    private mutating func add(_ bytes: [UInt8], into m: inout Matcher) throws(ScanError) {
        try withBytes(bytes) { (b) throws(ScanError) in try add(b, into: &m) }
    }

    private mutating func add(_ bytes: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        guard inCell else { return try text.append(bytes, into: &m) }
        cell.append(contentsOf: bytes)
        if cell.count > SheetRows.maxCell {
            let cut = (cell.lastIndex(of: 0x20) ?? cell.count - 1) + 1
            cell.withUnsafeBytes { m.cell(UnsafeRawBufferPointer(rebasing: $0[..<cut]), column: -1) }
            cell.removeFirst(cut)
        }
    }

    mutating func finish(into m: inout Matcher) throws(ScanError) { try text.finish(into: &m) }

    private enum Names {
        static let table = Array("table".utf8), tableRow = Array("table-row".utf8), tableCell = Array("table-cell".utf8)
        static let coveredCell = Array("covered-table-cell".utf8), p = Array("p".utf8), h = Array("h".utf8)
        static let s = Array("s".utf8), tab = Array("tab".utf8), lineBreak = Array("line-break".utf8)
    }
}

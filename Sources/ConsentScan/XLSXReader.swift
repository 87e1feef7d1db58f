import ConsentCore
/// Excel workbooks: the shared strings, then every worksheet row by row (each row a record, the first rows
/// naming the columns). Parts are parsed as they unpack, so one huge cell is never held whole.
enum XLSXReader {
    static func scan(_ package: Package, into m: inout Matcher) throws(ScanError) {
        var shared = SharedStrings()
        if let entry = package.entries.first(where: { $0.path == "xl/sharedStrings.xml" }) {
            shared = try package.parse(entry, shared, into: &m)
        }
        let sheets = package.entries.filter { $0.path.hasPrefix("xl/worksheets/") && $0.path.hasSuffix(".xml") }.sorted { $0.path < $1.path }
        guard !sheets.isEmpty else { throw .corrupt(format: "XLSX", reason: "\(package.name) has no worksheets") }
        for sheet in sheets {
            _ = try package.parse(sheet, SheetRows(shared: shared.strings, part: "\(sheet.path) in \(package.name)"), into: &m)
        }
    }
}

/// The shared strings (`<si>`): kept for the cells that refer to them, each up to ``keep`` bytes. A longer
/// one is scanned on its own as it arrives (its text is found; only its row's structure is lost).
struct SharedStrings: XMLReceiver {
    private(set) var strings: [String] = []
    private var current: [UInt8] = []
    private var overflow = false
    private var collecting = false
    private var inPhonetic = false
    private var kept = 0
    private var standalone = LineText()

    static let keep = 64 << 10
    static let keepTotal = 96 << 20

    mutating func start(_ tag: XMLTag, into m: inout Matcher) throws(ScanError) {
        switch tag.local {
        case Names.si: current.removeAll(keepingCapacity: true); overflow = false
        case Names.t: collecting = !inPhonetic
        case Names.rPh: inPhonetic = true
        default: break
        }
    }

    mutating func end(_ local: [UInt8], into m: inout Matcher) throws(ScanError) {
        switch local {
        case Names.t: collecting = false
        case Names.rPh: inPhonetic = false
        case Names.si:
            let limit = kept > Self.keepTotal ? 256 : Self.keep
            strings.append(String(decoding: current.prefix(limit), as: UTF8.self))
            kept += min(current.count, limit)
            if overflow { try withBytes([0x0A, 0x0A]) { (b) throws(ScanError) in try standalone.append(b, into: &m) } }
        default: break
        }
    }

    mutating func text(_ bytes: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        guard collecting else { return }
        if !overflow && current.count + bytes.count <= Self.keep {
            current.append(contentsOf: bytes)
            return
        }
        if !overflow {
            overflow = true
            try withBytes(current) { (c) throws(ScanError) in try standalone.append(c, into: &m) }
        }
        try standalone.append(bytes, into: &m)
    }

    mutating func finish(into m: inout Matcher) throws(ScanError) { try standalone.finish(into: &m) }

    enum Names {
        static let si = Array("si".utf8), t = Array("t".utf8), rPh = Array("rPh".utf8)
    }
}

/// A worksheet's rows (`<row><c r="B2" t="s"><v>3</v></c>`), fed to the matcher row by row.
struct SheetRows: XMLReceiver {
    let shared: [String]
    let part: String
    private var collecting = false
    private var cellType: String?
    private var cellColumn = 0
    private var cellValue: [UInt8] = []
    private var row: [Matcher.Cell] = []
    private var rowsSeen = 0

    init(shared: [String], part: String) {
        self.shared = shared
        self.part = part
    }

    /// Cell text kept for its row; beyond this a cell is scanned in pieces as it arrives.
    static let maxCell = 64 << 10

    mutating func start(_ tag: XMLTag, into m: inout Matcher) throws(ScanError) {
        switch tag.local {
        case Names.t, Names.v: collecting = true
        case Names.c:
            cellType = tag.attribute("t")
            cellColumn = Self.column(tag.attribute("r")) ?? (row.last.map { $0.column + 1 } ?? 0)
            cellValue.removeAll(keepingCapacity: true)
        case Names.row: row.removeAll(keepingCapacity: true)
        case Names.rPh: collecting = false
        default: break
        }
    }

    mutating func text(_ bytes: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        guard collecting else { return }
        cellValue.append(contentsOf: bytes)
        if cellValue.count > Self.maxCell {
            // A huge cell: scan what has come, up to its last space, and keep only the rest.
            let cut = (cellValue.lastIndex(of: 0x20) ?? cellValue.count - 1) + 1
            cellValue.withUnsafeBytes { m.cell(UnsafeRawBufferPointer(rebasing: $0[..<cut]), column: -1) }
            cellValue.removeFirst(cut)
        }
    }

    mutating func end(_ local: [UInt8], into m: inout Matcher) throws(ScanError) {
        switch local {
        case Names.t, Names.v: collecting = false
        case Names.c:
            var value = String(decoding: cellValue, as: UTF8.self)
            if cellType == "s" {
                guard let i = Int(value), shared.indices.contains(i) else {
                    throw .corrupt(format: "XLSX", reason: "\(part): a cell refers to shared string \(TextSafety.displaySafe(String(value.prefix(20)))), which does not exist")
                }
                value = shared[i]
            }
            row.append(Matcher.Cell(column: cellColumn, value: value, numeric: cellType == nil || cellType == "n"))
            if row.count >= 16_384 { endRow(into: &m) }
        case Names.row: endRow(into: &m)
        default: break
        }
    }

    private mutating func endRow(into m: inout Matcher) {
        m.row(row, mayBeHeader: rowsSeen < Matcher.headerRows)
        row.removeAll(keepingCapacity: true)
        rowsSeen += 1
    }

    /// The column (from 0) of a cell reference such as `AB12`.
    static func column(_ reference: String?) -> Int? {
        guard let reference else { return nil }
        var column = 0
        var letters = 0
        for b in reference.utf8 {
            guard isUpperOrLowerLetter(b) else { break }
            letters += 1
            // Excel's last column is XFD: more than three letters is no column (and would overflow).
            guard letters <= 3 else { return nil }
            column = column * 26 + Int(upperASCII(b) - 0x40)
        }
        return letters > 0 ? column - 1 : nil
    }

    private enum Names {
        static let t = Array("t".utf8), v = Array("v".utf8), c = Array("c".utf8), row = Array("row".utf8), rPh = Array("rPh".utf8)
    }
}

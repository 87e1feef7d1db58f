import Foundation
import ZIPFoundation

/// One export file format: a header, then rows, written through an ``OutputFile``; `finish`
/// turns what was written into the final file (the same file, or a package around it).
protocol TableFormat {
    mutating func begin(columns: [String], into out: OutputFile) throws(ExportError)
    mutating func row(_ cells: [String?], into out: OutputFile) throws(ExportError)
    /// Completes the file; returns the file that holds the finished export (kept by the caller).
    mutating func finish(_ out: OutputFile, scratch: URL) throws(ExportError) -> OutputFile
}

struct CSVFormat: TableFormat {
    /// Whether the file starts with UTF-8's byte-order mark, which tells Excel (opened by a double-click)
    /// that the text is UTF-8, so "Michał" and "Ștefan" do not come out as "MichaĹ‚" and "È˜tefan".
    var byteOrderMark = true

    mutating func begin(columns: [String], into out: OutputFile) throws(ExportError) {
        let mark = byteOrderMark
        try out.withBuffer {
            if mark { $0.append(contentsOf: CSVWriter.byteOrderMark) }
            CSVWriter.append(columns, to: &$0)
        }
    }

    mutating func row(_ cells: [String?], into out: OutputFile) throws(ExportError) {
        try out.withBuffer { CSVWriter.append(cells, to: &$0) }
    }

    mutating func finish(_ out: OutputFile, scratch: URL) throws(ExportError) -> OutputFile {
        try out.finish()
        return out
    }
}

/// One JSON object per line; empty cells are left out of the object.
struct JSONLFormat: TableFormat {
    private var keys: [[UInt8]] = []

    mutating func begin(columns: [String], into out: OutputFile) throws(ExportError) {
        keys = columns.map { Array(JSONText.quoted($0).utf8) + [UInt8(ascii: ":")] }
    }

    mutating func row(_ cells: [String?], into out: OutputFile) throws(ExportError) {
        let keys = self.keys
        try out.withBuffer { buffer in
            buffer.append(UInt8(ascii: "{"))
            var first = true
            for (key, cell) in zip(keys, cells) {
                guard let cell else { continue }
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                buffer.append(contentsOf: key)
                JSONText.appendQuoted(cell, to: &buffer)
            }
            buffer.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        }
    }

    mutating func finish(_ out: OutputFile, scratch: URL) throws(ExportError) -> OutputFile {
        try out.finish()
        return out
    }
}

/// JSON string literals (RFC 8259): quotes, backslashes and control characters escaped.
enum JSONText {
    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), byte])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), byte])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x00..<0x20: out.append(contentsOf: Array(String(format: "\\u%04x", byte).utf8))
                default: out.append(byte)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// An Office Open XML workbook with one visible sheet of string cells: no formulas, no hidden
/// sheets, rows or columns, no comments and no document properties. The sheet is streamed to a
/// scratch file, then packed (deflated) into the workbook.
///
/// An inline string is never a formula, so a value is written as it is, with no apostrophe: "-2+3"
/// and "+44 7700 900123" read as typed. A value a spreadsheet would run if someone retyped it
/// (``FormulaGuard``) gets the quote-prefix style instead, Excel's own mark for "text that starts
/// with =", which keeps it text when the cell is edited.
struct XLSXFormat: TableFormat {
    /// The most rows a worksheet holds (header included).
    static let maxRows = 1_048_576
    private var columnNames: [[UInt8]] = []
    private var rowNumber = 0

    mutating func begin(columns: [String], into out: OutputFile) throws(ExportError) {
        columnNames = columns.indices.map { Array(Self.columnName($0).utf8) }
        try out.append(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)
        try row(columns, into: out)
    }

    mutating func row(_ cells: [String?], into out: OutputFile) throws(ExportError) {
        rowNumber += 1
        guard rowNumber <= Self.maxRows else {
            throw ExportError("an XLSX sheet holds at most \(Self.maxRows - 1) rows; use --format csv or jsonl for this export")
        }
        let number = Array(String(rowNumber).utf8), names = columnNames
        try out.withBuffer { buffer in
            buffer.append(contentsOf: Array(#"<row r=""#.utf8) + number + [UInt8(ascii: "\""), UInt8(ascii: ">")])
            for (name, cell) in zip(names, cells) {
                guard let text = cell, !text.isEmpty else { continue }
                buffer.append(contentsOf: Self.cellOpen)
                buffer.append(contentsOf: name + number)
                buffer.append(contentsOf: FormulaGuard.needsGuard(text) ? Self.quotedCellMiddle : Self.cellMiddle)
                XMLText.append(text, to: &buffer)
                buffer.append(contentsOf: Self.cellClose)
            }
            buffer.append(contentsOf: Array("</row>".utf8))
        }
    }

    private static let cellOpen = Array(#"<c r=""#.utf8)
    private static let cellMiddle = Array(#"" t="inlineStr"><is><t xml:space="preserve">"#.utf8)
    /// Style 1 of ``styles``: quote-prefixed text.
    private static let quotedCellMiddle = Array(#"" s="1" t="inlineStr"><is><t xml:space="preserve">"#.utf8)
    private static let cellClose = Array("</t></is></c>".utf8)

    mutating func finish(_ out: OutputFile, scratch: URL) throws(ExportError) -> OutputFile {
        try out.append("</sheetData></worksheet>")
        try out.finish()
        let package = scratch.appendingPathExtension("xlsx")
        let parts: [(String, String)] = [
            ("[Content_Types].xml", Self.contentTypes), ("_rels/.rels", Self.packageRelationships),
            ("xl/workbook.xml", Self.workbook), ("xl/_rels/workbook.xml.rels", Self.workbookRelationships),
            ("xl/styles.xml", Self.styles),
        ]
        do {
            // Created 0600 first (as an empty archive: just its end record), so the package is never
            // readable by others, even for a moment.
            let file = try OutputFile(creating: package)
            try file.append([0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18))
            try file.finish()
            let archive = try Archive(url: package, accessMode: .update)
            for (path, text) in parts {
                let data = Data(text.utf8)
                try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            try archive.addEntry(with: "xl/worksheets/sheet1.xml", fileURL: out.url, compressionMethod: .deflate)
            file.writtenElsewhere = true
            return file
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError("cannot write the XLSX package at \(package.path): \(error)")
        }
    }

    /// A column's letters: 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var index = index, name = ""
        repeat {
            name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
            index = index / 26 - 1
        } while index >= 0
        return name
    }

    private static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    private static let contentTypes = header + """
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        </Types>
        """
    private static let packageRelationships = header + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """
    private static let workbook = header + """
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
        xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
        <sheets><sheet name="Export" sheetId="1" r:id="rId1"/></sheets></workbook>
        """
    private static let workbookRelationships = header + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """
    private static let styles = header + """
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>\
        </styleSheet>
        """
}

/// Readers of delimited text (CSV, TSV) and of plain text and HTML, feeding a ``Matcher``.
enum DelimitedReader {
    /// The delimiter of the first lines (outside quotes; a title line may come first): the most frequent of
    /// comma, tab, semicolon and bar, comma when none or tied.
    static func delimiter(_ p: UnsafeRawBufferPointer) -> UInt8 {
        let candidates: [UInt8] = [0x2C, 0x09, 0x3B, 0x7C]
        var counts = [Int](repeating: 0, count: candidates.count)
        var quoted = false
        var lines = 0
        for b in p.prefix(65_536) {
            if b == 0x22 {
                quoted.toggle()
            } else if !quoted {
                if b == 0x0A { lines += 1; if lines == 10 { break } }
                if let i = candidates.firstIndex(of: b) { counts[i] += 1 }
            }
        }
        var best = 0
        for i in 1..<candidates.count where counts[i] > counts[best] { best = i }
        return candidates[best]
    }

    /// Scans RFC 4180 records. A quoted field is passed with its quotes (they are separators to the
    /// matcher, so `""` needs no unescaping); a field missing its closing quote runs to the end.
    static func scan(_ p: UnsafeRawBufferPointer, into m: inout Matcher) {
        var reader = DelimitedRecords()
        reader.scan(p, into: &m)
        m.endRecord()
    }
}

/// Delimited records read block by block (a file being unpacked): the delimiter is chosen from the
/// first block, and the rows that may hold headers are counted across blocks. Each block must end at
/// a record boundary.
struct DelimitedRecords {
    private var delimiter: UInt8?
    private var row = 0
    private var headerCells: [String] = []

    mutating func scan(_ p: UnsafeRawBufferPointer, into m: inout Matcher) {
        let delimiter = self.delimiter ?? DelimitedReader.delimiter(p)
        self.delimiter = delimiter
        let n = p.count
        var i = 0, column = 0
        while i < n {
            let start = i
            if p[i] == 0x22 {
                i += 1
                while i < n {
                    if p[i] == 0x22 {
                        if i + 1 < n && p[i + 1] == 0x22 { i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
            }
            while i < n, p[i] != delimiter, p[i] != 0x0A { i += 1 }
            var end = i
            if end > start && p[end - 1] == 0x0D { end -= 1 }
            let field = UnsafeRawBufferPointer(rebasing: p[start..<end])
            if row < Matcher.headerRows { headerCells.append(String(decoding: field, as: UTF8.self)) }
            m.cell(field, column: column)
            if i < n && p[i] == delimiter {
                column += 1
            } else {
                if row < Matcher.headerRows {
                    m.header(headerCells)
                    headerCells.removeAll()
                }
                m.endRecord()
                row += 1
                column = 0
            }
            i += 1
        }
    }
}

enum TextReader {
    /// Scans lines; a blank line ends a record (an address block, a paragraph).
    static func scan(_ p: UnsafeRawBufferPointer, into m: inout Matcher) {
        lines(p, into: &m)
        m.blankLine()
    }

    /// Scans lines without ending the record at the end (more text may follow).
    static func lines(_ p: UnsafeRawBufferPointer, into m: inout Matcher) {
        let n = p.count
        var i = 0
        while i < n {
            let start = i
            while i < n, p[i] != 0x0A { i += 1 }
            var end = i
            if end > start && p[end - 1] == 0x0D { end -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: p[start..<end])
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0C }) { m.blankLine() } else { m.textLine(line) }
            i += 1
        }
    }
}

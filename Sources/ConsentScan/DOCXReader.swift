/// The text of a Word document's parts (`word/document.xml`, headers, footers, notes, comments): each
/// paragraph a line, runs joined (a word split over two runs stays one word), table cells separated by
/// tabs and rows by line breaks, so a letter reads like one and a table like delimited rows.
struct WordText: XMLReceiver {
    private var text = LineText()
    private var collecting = false

    mutating func start(_ tag: XMLTag, into m: inout Matcher) throws(ScanError) {
        switch tag.local {
        case Names.t, Names.delText, Names.instrText: collecting = true
        case Names.tab: try text.append(0x09, into: &m)
        case Names.br, Names.cr: try text.append(0x0A, into: &m)
        default: break
        }
    }

    mutating func end(_ local: [UInt8], into m: inout Matcher) throws(ScanError) {
        switch local {
        case Names.t, Names.delText, Names.instrText: collecting = false
        case Names.tc: try text.append(0x09, into: &m)
        case Names.p, Names.tr: try text.append(0x0A, into: &m)
        default: break
        }
    }

    mutating func text(_ bytes: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        if collecting { try text.append(bytes, into: &m) }
    }

    mutating func finish(into m: inout Matcher) throws(ScanError) { try text.finish(into: &m) }

    private enum Names {
        static let t = Array("t".utf8), delText = Array("delText".utf8), instrText = Array("instrText".utf8)
        static let tab = Array("tab".utf8), br = Array("br".utf8), cr = Array("cr".utf8)
        static let tc = Array("tc".utf8), p = Array("p".utf8), tr = Array("tr".utf8)
    }
}

/// The text of any other XML (a data file, the other parts of an office package): text inside an
/// element is a line, attribute values are lines too (data hides there as well), and an element that
/// held other elements ends a record (`<tenant>...</tenant>`). Runs of formatted text (`<r>`, `<t>`,
/// `<span>`) are joined.
struct PlainXMLText: XMLReceiver {
    private var text = LineText()
    private var lastWasEnd = false

    static let inline: Set<[UInt8]> = Set(["r", "t", "span", "a", "s", "rPr", "proofErr", "b", "i", "u", "em", "strong", "sup", "sub"].map { Array($0.utf8) })

    mutating func start(_ tag: XMLTag, into m: inout Matcher) throws(ScanError) {
        lastWasEnd = false
        for attribute in tag.attributes where !attribute.value.isEmpty && attribute.value.count <= 4096 {
            try withBytes(attribute.value) { (v) throws(ScanError) in try text.append(v, into: &m) }
            try text.append(0x0A, into: &m)
        }
    }

    mutating func end(_ local: [UInt8], into m: inout Matcher) throws(ScanError) {
        if Self.inline.contains(local) { lastWasEnd = false; return }
        try text.append(0x0A, into: &m)
        if lastWasEnd {
            // A container closes: a blank line ends the record.
            try text.append(0x0A, into: &m)
        }
        lastWasEnd = true
    }

    mutating func text(_ bytes: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        // The indentation between elements is not text (its line breaks would end records).
        guard bytes.contains(where: { !XMLStream.isSpace($0) }) else { return }
        try text.append(bytes, into: &m)
    }

    mutating func finish(into m: inout Matcher) throws(ScanError) { try text.finish(into: &m) }
}

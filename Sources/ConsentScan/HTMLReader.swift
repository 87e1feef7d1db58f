import Foundation

/// HTML (mail bodies, attachments): tables are read as rows of cells, like a spreadsheet (a header row
/// names the columns), and other text as lines; block tags break lines, inline tags (`<b>`, `<span>`)
/// do not split words.
///
/// What a browser does not show is read too, each as text records of its own (never as table cells, so
/// it cannot shift a table's columns): comments, the content of `<script>` and `<style>` (a JSON data
/// island is read as JSON), and attribute values (`href="mailto:…"`, `value`, `title`, `data-*`), entities
/// and `%XX` escapes decoded. A `data:` URI is returned decoded, to be scanned as the file it is.
enum HTMLReader {
    @discardableResult
    static func scan(_ p: UnsafeRawBufferPointer, into m: inout Matcher) -> [EmbeddedContent] {
        var reader = State()
        let n = p.count
        var i = 0
        while i < n {
            let b = p[i]
            if b == 0x3C {
                if Self.starts(p, i, "<!--") {
                    let end = Self.find(p, from: i + 4, "-->") ?? n
                    Self.hidden(UnsafeRawBufferPointer(rebasing: p[(i + 4)..<end]), json: false, into: &reader, &m)
                    i = min(n, end + 3)
                    continue
                }
                var j = i + 1
                var quote: UInt8 = 0
                while j < n {
                    let c = p[j]
                    if quote != 0 { if c == quote { quote = 0 } } else if c == 0x22 || c == 0x27 { quote = c } else if c == 0x3E { break }
                    j += 1
                }
                let (name, closing) = Self.tagName(p, i + 1, min(j, n))
                var json = false
                if !closing {
                    let tag = UnsafeRawBufferPointer(rebasing: p[(i + 1)..<min(j, n)])
                    json = Self.attributes(tag, into: &reader) && name == "script"
                    if reader.side.count > 65_536 { reader.flushSide(into: &m) }
                }
                i = j + 1
                if !closing && (name == "script" || name == "style") {
                    let end = i < n ? Self.find(p, from: i, "</\(name)") ?? n : n
                    if i < end { Self.hidden(UnsafeRawBufferPointer(rebasing: p[i..<end]), json: json, into: &reader, &m) }
                    i = end
                    continue
                }
                reader.tag(name, closing: closing, into: &m)
            } else if b == 0x26, let (decoded, next) = Self.entity(p, i) {
                reader.add(decoded)
                i = next
            } else {
                reader.add(b)
                i += 1
            }
        }
        reader.finish(into: &m)
        return reader.embedded
    }

    /// Text a browser does not show (a comment, a script or style): read as records of its own; a
    /// script whose type names JSON as JSON, or as text when it does not parse.
    private static func hidden(_ text: UnsafeRawBufferPointer, json: Bool, into reader: inout State, _ m: inout Matcher) {
        if json, let found = try? JSONReader.scan(Data(text), name: "a JSON script", into: &m) {
            reader.embedded += found
            return
        }
        TextReader.lines(text, into: &m)
        m.endRecord()
    }

    /// Attributes that only style or place an element: not read.
    static let presentational: Set<String> = [
        "style", "class", "id", "type", "width", "height", "align", "valign", "border", "cellpadding", "cellspacing", "bgcolor",
        "color", "colspan", "rowspan", "dir", "lang", "charset", "rel", "target", "method", "http-equiv", "face", "size", "span",
        "frame", "rules", "nowrap", "role", "tabindex", "hidden", "media", "scope", "xmlns", "background",
    ]

    /// Reads the attributes of a start tag (the bytes after `<`) into the reader's side text; returns
    /// whether its `type` names JSON (`application/json`, `application/ld+json`).
    private static func attributes(_ tag: UnsafeRawBufferPointer, into reader: inout State) -> Bool {
        let n = tag.count
        var i = 0
        while i < n, tag[i] != 0x20, tag[i] != 0x09, tag[i] != 0x0A, tag[i] != 0x0D, tag[i] != 0x2F { i += 1 }
        var json = false
        while i < n {
            while i < n, tag[i] == 0x20 || tag[i] == 0x09 || tag[i] == 0x0A || tag[i] == 0x0D || tag[i] == 0x2F { i += 1 }
            let nameStart = i
            while i < n, tag[i] != 0x3D, tag[i] != 0x20, tag[i] != 0x09, tag[i] != 0x0A, tag[i] != 0x0D, tag[i] != 0x2F { i += 1 }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: tag[nameStart..<i]).map(lowerASCII), as: UTF8.self)
            while i < n, tag[i] == 0x20 || tag[i] == 0x09 || tag[i] == 0x0A || tag[i] == 0x0D { i += 1 }
            guard i < n, tag[i] == 0x3D else { if i == nameStart { i += 1 }; continue }
            i += 1
            while i < n, tag[i] == 0x20 || tag[i] == 0x09 || tag[i] == 0x0A || tag[i] == 0x0D { i += 1 }
            var valueStart = i, valueEnd = i
            if i < n, tag[i] == 0x22 || tag[i] == 0x27 {
                let quote = tag[i]
                valueStart = i + 1
                i = valueStart
                while i < n, tag[i] != quote { i += 1 }
                valueEnd = i
                i += 1
            } else {
                while i < n, tag[i] != 0x20, tag[i] != 0x09, tag[i] != 0x0A, tag[i] != 0x0D { i += 1 }
                valueEnd = i
            }
            let raw = UnsafeRawBufferPointer(rebasing: tag[valueStart..<max(valueStart, valueEnd)])
            if name == "type" { json = String(decoding: raw, as: UTF8.self).lowercased().contains("json") }
            guard !raw.isEmpty, !presentational.contains(name) else { continue }
            let value = decoded(raw)
            if let uri = DataURI(value) {
                reader.embedded.append(uri.content(label: "a data: URI in the \(name) of an HTML <\(tagLabel(tag))>"))
            } else {
                reader.side += value
                reader.side.append(0x0A)
            }
        }
        return json
    }

    private static func tagLabel(_ tag: UnsafeRawBufferPointer) -> String {
        String(decoding: tag.prefix { isUpperOrLowerLetter($0) || isDigit($0) }.prefix(16).map(lowerASCII), as: UTF8.self)
    }

    /// An attribute value with its entities and `%XX` escapes decoded (`mailto:a%40b.org`).
    static func decoded(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if b == 0x26, let (bytes, next) = entity(raw, i) {
                out += bytes
                i = next
            } else if b == 0x25, i + 2 < raw.count, let high = hexValue(raw[i + 1]), let low = hexValue(raw[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x37
        case 0x61...0x66: b - 0x57
        default: nil
        }
    }

    private struct State {
        var text: [UInt8] = []
        var cell: [UInt8] = []
        var row: [Matcher.Cell] = []
        var tables: [(rows: Int, column: Int)] = []
        var inCell = false
        /// Attribute values not yet read: a record of their own after each table row or text block.
        var side: [UInt8] = []
        /// `data:` URIs found, decoded.
        var embedded: [EmbeddedContent] = []

        mutating func flushSide(into m: inout Matcher) {
            guard !side.isEmpty else { return }
            side.withUnsafeBytes { TextReader.lines($0, into: &m) }
            m.endRecord()
            side.removeAll(keepingCapacity: true)
        }

        mutating func add(_ b: UInt8) { if inCell { cell.append(b) } else { text.append(b) } }
        mutating func add(_ bytes: [UInt8]) { if inCell { cell += bytes } else { text += bytes } }

        mutating func tag(_ name: String, closing: Bool, into m: inout Matcher) {
            switch name {
            case "table":
                if closing { endCell(); endRow(into: &m); _ = tables.popLast() } else { flushText(into: &m); tables.append((0, 0)) }
            case "tr":
                endCell()
                endRow(into: &m)
            case "td", "th":
                endCell()
                if !closing, !tables.isEmpty { inCell = true }
            case "br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "address", "dd", "dt":
                add(0x0A)
            default:
                break
            }
        }

        mutating func endCell() {
            guard inCell, !tables.isEmpty else { return }
            inCell = false
            let column = tables[tables.count - 1].column
            row.append(Matcher.Cell(column: column, value: String(decoding: cell, as: UTF8.self), numeric: false))
            tables[tables.count - 1].column += 1
            cell.removeAll(keepingCapacity: true)
        }

        mutating func endRow(into m: inout Matcher) {
            guard !tables.isEmpty, !row.isEmpty else { return }
            m.row(row, mayBeHeader: tables[tables.count - 1].rows < Matcher.headerRows)
            flushSide(into: &m)
            tables[tables.count - 1].rows += 1
            tables[tables.count - 1].column = 0
            row.removeAll(keepingCapacity: true)
        }

        mutating func flushText(into m: inout Matcher) {
            text.withUnsafeBytes { TextReader.lines($0, into: &m) }
            m.endRecord()
            text.removeAll(keepingCapacity: true)
            flushSide(into: &m)
        }

        mutating func finish(into m: inout Matcher) {
            endCell()
            endRow(into: &m)
            flushText(into: &m)
        }
    }

    /// The lower-cased name of the tag between `start` (after `<`) and `end`, and whether it closes.
    private static func tagName(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (String, Bool) {
        var i = start
        let closing = i < end && p[i] == 0x2F
        if closing { i += 1 }
        var name: [UInt8] = []
        while i < end, name.count < 16, isUpperOrLowerLetter(p[i]) || isDigit(p[i]) { name.append(lowerASCII(p[i])); i += 1 }
        return (String(decoding: name, as: UTF8.self), closing)
    }

    private static func starts(_ p: UnsafeRawBufferPointer, _ i: Int, _ text: String) -> Bool {
        let t = Array(text.utf8)
        return i + t.count <= p.count && p[i..<(i + t.count)].elementsEqual(t)
    }

    /// Where `text` next starts (ASCII, case-insensitive), if it does.
    private static func find(_ p: UnsafeRawBufferPointer, from: Int, _ text: String) -> Int? {
        let t = Array(text.utf8).map(lowerASCII)
        guard from + t.count <= p.count else { return nil }
        var i = from
        while i + t.count <= p.count {
            if lowerASCII(p[i]) == t[0] && (1..<t.count).allSatisfy({ lowerASCII(p[i + $0]) == t[$0] }) { return i }
            i += 1
        }
        return nil
    }

    /// A character or named reference at `i` (`&eacute;`, `&#233;`, `&#xE9;`), decoded, and where it ends.
    static func entity(_ p: UnsafeRawBufferPointer, _ i: Int) -> ([UInt8], Int)? {
        let end = min(p.count, i + 12)
        guard let semi = p[(i + 1)..<end].firstIndex(of: 0x3B) else { return nil }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: p[(i + 1)..<semi]), as: UTF8.self)
        var scalar: UInt32?
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            scalar = UInt32(name.dropFirst(2), radix: 16)
        } else if name.hasPrefix("#") {
            scalar = UInt32(name.dropFirst())
        } else {
            scalar = named[name]
        }
        guard let value = scalar, Unicode.Scalar(value) != nil else { return nil }
        var out: [UInt8] = []
        // A non-breaking space separates words as a space does.
        TextDecoding.appendUTF8(value == 0xA0 ? 0x20 : value, to: &out)
        return (out, semi + 1)
    }

    /// The named references of HTML that mail writers use: markup, punctuation, and every Latin-1 letter.
    static let named: [String: UInt32] = {
        var table: [String: UInt32] = ["amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "ndash": 0x2013, "mdash": 0x2014,
                                       "lsquo": 0x2018, "rsquo": 0x2019, "ldquo": 0x201C, "rdquo": 0x201D, "bull": 0x2022, "hellip": 0x2026,
                                       "euro": 0x20AC, "trade": 0x2122, "OElig": 0x152, "oelig": 0x153, "Scaron": 0x160, "scaron": 0x161,
                                       "Yuml": 0x178, "zwnj": 0x200C, "zwj": 0x200D, "lrm": 0x200E, "rlm": 0x200F, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009]
        let latin1 = """
            nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot \
            cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml \
            Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig \
            agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute \
            ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml
            """
        for (offset, name) in latin1.split(separator: " ").enumerated() { table[String(name)] = 0xA0 + UInt32(offset) }
        return table
    }()

    /// The charset an HTML document declares in its first kilobytes (`<meta charset="...">`), if any.
    static func declaredCharset(_ p: UnsafeRawBufferPointer) -> String? {
        let head = String(decoding: p.prefix(4096), as: UTF8.self).lowercased()
        guard let range = head.range(of: "charset=") else { return nil }
        let rest = head[range.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }
}

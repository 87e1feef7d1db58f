/// What a reader of XML is told, in document order. Element and attribute names are given as
/// written (with any prefix); ``XMLTag/local`` drops the prefix.
protocol XMLReceiver {
    mutating func start(_ tag: XMLTag, into m: inout Matcher) throws(ScanError)
    mutating func end(_ local: [UInt8], into m: inout Matcher) throws(ScanError)
    /// Character data, in pieces as it arrives (entities already replaced).
    mutating func text(_ bytes: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError)
    /// The part has ended (and was well-formed).
    mutating func finish(into m: inout Matcher) throws(ScanError)
}

extension XMLReceiver {
    mutating func finish(into m: inout Matcher) throws(ScanError) {}
}

/// A start tag: its name and its attributes, read on demand.
struct XMLTag {
    /// The bytes between `<` and `>` (or `/>`).
    let raw: [UInt8]
    let nameEnd: Int
    let entities: [[UInt8]: [UInt8]]

    /// The element's name without its prefix (`row` for `x:row`).
    var local: [UInt8] { XMLTag.localPart(raw[..<nameEnd]) }

    static func localPart(_ name: ArraySlice<UInt8>) -> [UInt8] {
        if let colon = name.lastIndex(of: 0x3A) { return Array(name[(colon + 1)...]) }
        return Array(name)
    }

    /// Every attribute: its local name and its value with references replaced.
    var attributes: [(name: [UInt8], value: [UInt8])] {
        var result: [([UInt8], [UInt8])] = []
        var i = nameEnd
        let n = raw.count
        while i < n {
            while i < n, XMLStream.isSpace(raw[i]) || raw[i] == 0x2F { i += 1 }
            let start = i
            while i < n, raw[i] != 0x3D, !XMLStream.isSpace(raw[i]) { i += 1 }
            let name = XMLTag.localPart(raw[start..<i])
            while i < n, raw[i] != 0x22, raw[i] != 0x27 { i += 1 }
            guard i < n else { break }
            let quote = raw[i]
            i += 1
            let valueStart = i
            while i < n, raw[i] != quote { i += 1 }
            result.append((name, XMLStream.replaceReferences(raw[valueStart..<min(i, n)], entities: entities)))
            i += 1
        }
        return result
    }

    /// The value of the attribute with this local name (`r`, `number-columns-repeated`), if present.
    func attribute(_ local: String) -> String? {
        let wanted = Array(local.utf8)
        return attributes.first { $0.name == wanted }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// A push parser for the XML of office documents: bytes arrive in pieces of any size (as an archive entry
/// is unpacked), text is handed on as it comes, so neither a huge cell nor a huge part is ever held whole.
///
/// It checks what a damaged or cut-short part would break (tags that do not match, markup that never
/// closes) and expands entities declared in the document's own DTD (`<!ENTITY e "...">`), so text hidden
/// in one is scanned; an entity declared outside the document is never fetched and the part is refused.
/// Expansion is capped (billion laughs).
struct XMLStream {
    enum State { case text, markup, comment, cdata, instruction, doctype, reference }

    private var state = State.text
    /// Markup being collected (a tag, a declaration), or a reference's name.
    private var buffer: [UInt8] = []
    /// The quote a tag's attribute value is open with, if any.
    private var quote: UInt8 = 0
    /// `[` depth inside a DOCTYPE.
    private var bracketDepth = 0
    /// How much of a closing `-->`, `]]>` or `?>` has been seen.
    private var closing = 0
    /// Names of the open elements.
    private var open: [[UInt8]] = []
    private(set) var sawElement = false
    /// Entities declared in the document's DTD, by name, and those declared outside it.
    private var entities: [[UInt8]: [UInt8]] = [:]
    private var external: Set<[UInt8]> = []
    private var expanded = 0
    private var expansionDepth = 0
    let part: String
    /// The format named in errors (XLSX for a worksheet).
    let format: String

    /// Largest markup construct (a tag with its attributes, the DTD) held while it arrives.
    static let maxMarkup = 1 << 20
    /// Most text entities may expand to in one part.
    static let maxExpansion = 16 << 20

    init(part: String, format: String = "XML") {
        self.part = part
        self.format = format
    }

    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    private func corrupt(_ why: String) -> ScanError { .corrupt(format: format, reason: "\(part) \(why)") }

    /// Reads the next piece of the document.
    mutating func feed<R: XMLReceiver>(_ p: UnsafeRawBufferPointer, to r: inout R, into m: inout Matcher) throws(ScanError) {
        let n = p.count
        var i = 0
        while i < n {
            switch state {
            case .text:
                let start = i
                while i < n, p[i] != 0x3C, p[i] != 0x26 { i += 1 }
                if i > start { try r.text(UnsafeRawBufferPointer(rebasing: p[start..<i]), into: &m) }
                guard i < n else { return }
                state = p[i] == 0x3C ? .markup : .reference
                buffer.removeAll(keepingCapacity: true)
                quote = 0
                i += 1
            case .reference:
                let b = p[i]
                i += 1
                if b == 0x3B {
                    state = .text
                    try reference(to: &r, into: &m)
                } else {
                    buffer.append(b)
                    if buffer.count > 64 { throw corrupt("has an unterminated entity reference (damaged)") }
                }
            case .markup:
                let b = p[i]
                i += 1
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == 0x22 || b == 0x27, !buffer.isEmpty, buffer[0] != 0x21 && buffer[0] != 0x3F {
                    quote = b
                } else if b == 0x3E {
                    try tag(to: &r, into: &m)
                    continue
                }
                buffer.append(b)
                if buffer.count > Self.maxMarkup { throw corrupt("has a tag longer than \(Self.maxMarkup >> 20) MB") }
                if buffer.count == 3 && buffer.elementsEqual("!--".utf8) { state = .comment; closing = 0 }
                else if buffer.count == 8 && buffer.elementsEqual("![CDATA[".utf8) { state = .cdata; closing = 0 }
                else if buffer.count == 8 && buffer.elementsEqual("!DOCTYPE".utf8) { state = .doctype; bracketDepth = 0 }
                else if buffer.count == 1 && b == 0x3F { state = .instruction; closing = 0 }
            case .comment, .instruction:
                let b = p[i]
                i += 1
                if state == .comment {
                    if b == 0x2D { closing = min(closing + 1, 2) } else if b == 0x3E && closing == 2 { state = .text } else { closing = 0 }
                } else {
                    if b == 0x3F { closing = 1 } else if b == 0x3E && closing == 1 { state = .text } else { closing = 0 }
                }
            case .cdata:
                let start = i
                while i < n, closing == 0, p[i] != 0x5D { i += 1 }
                if i > start { try r.text(UnsafeRawBufferPointer(rebasing: p[start..<i]), into: &m) }
                guard i < n else { return }
                let b = p[i]
                i += 1
                if b == 0x5D {
                    if closing == 2 {
                        // "]]]": the first bracket was text.
                        try withBytes([0x5D]) { (t) throws(ScanError) in try r.text(t, into: &m) }
                    } else {
                        closing += 1
                    }
                } else if b == 0x3E && closing == 2 {
                    closing = 0
                    state = .text
                } else {
                    let held = [UInt8](repeating: 0x5D, count: closing) + [b]
                    closing = 0
                    try withBytes(held) { (t) throws(ScanError) in try r.text(t, into: &m) }
                }
            case .doctype:
                let b = p[i]
                i += 1
                buffer.append(b)
                if buffer.count > Self.maxMarkup { throw corrupt("has a DTD longer than \(Self.maxMarkup >> 20) MB") }
                if quote != 0 { if b == quote { quote = 0 }; continue }
                switch b {
                case 0x22, 0x27: quote = b
                case 0x5B: bracketDepth += 1
                case 0x5D: bracketDepth -= 1
                case 0x3E where bracketDepth <= 0:
                    try declarations()
                    state = .text
                default: break
                }
            }
        }
    }

    /// The end of the document: everything opened must have closed.
    func finish() throws(ScanError) {
        guard state == .text else { throw corrupt("is cut short (markup never closes)") }
        guard open.isEmpty, sawElement else { throw corrupt("is cut short (its XML does not close)") }
    }

    private mutating func tag<R: XMLReceiver>(to r: inout R, into m: inout Matcher) throws(ScanError) {
        state = .text
        guard let first = buffer.first else { throw corrupt("has an empty tag (damaged)") }
        if first == 0x2F {
            let name = Array(buffer.dropFirst().prefix { !Self.isSpace($0) })
            guard let top = open.popLast(), top == name else { throw corrupt("has tags that do not match (damaged)") }
            try r.end(XMLTag.localPart(name[...]), into: &m)
            return
        }
        if first == 0x21 { throw corrupt("has a declaration where it cannot be (damaged)") }
        let selfClosing = buffer.last == 0x2F
        var nameEnd = 0
        while nameEnd < buffer.count, !Self.isSpace(buffer[nameEnd]), buffer[nameEnd] != 0x2F { nameEnd += 1 }
        guard nameEnd > 0 else { throw corrupt("has a tag without a name (damaged)") }
        if open.isEmpty && sawElement { throw corrupt("has more than one root element (damaged)") }
        sawElement = true
        let tag = XMLTag(raw: buffer, nameEnd: nameEnd, entities: entities)
        try r.start(tag, into: &m)
        if selfClosing {
            try r.end(tag.local, into: &m)
        } else {
            open.append(Array(buffer[..<nameEnd]))
            if open.count > 1000 { throw corrupt("nests elements more than 1000 deep") }
        }
    }

    /// A reference in text: a character, one of the five predefined entities, or one the DTD declared.
    private mutating func reference<R: XMLReceiver>(to r: inout R, into m: inout Matcher) throws(ScanError) {
        let name = buffer
        if let bytes = Self.predefined(name[...]) {
            try withBytes(bytes) { (t) throws(ScanError) in try r.text(t, into: &m) }
            return
        }
        guard let value = entities[name] else {
            if external.contains(name) {
                throw .unsupported("\(part) takes text from outside the file (an external entity), which is never fetched")
            }
            throw corrupt("refers to an undeclared entity (damaged)")
        }
        expanded += value.count
        guard expanded <= Self.maxExpansion, expansionDepth < 16 else {
            throw .tooLarge("\(part) expands its entities beyond \(Self.maxExpansion >> 20) MB (an entity bomb?)")
        }
        expansionDepth += 1
        defer { expansionDepth -= 1 }
        try withBytes(value) { (v) throws(ScanError) in try feed(v, to: &r, into: &m) }
    }

    /// The value of `&name;` when it is a character or predefined reference.
    static func predefined(_ name: ArraySlice<UInt8>) -> [UInt8]? {
        switch String(decoding: name, as: UTF8.self) {
        case "amp": return [0x26]
        case "lt": return [0x3C]
        case "gt": return [0x3E]
        case "quot": return [0x22]
        case "apos": return [0x27]
        default:
            guard name.first == 0x23 else { return nil }
            let digits = String(decoding: name.dropFirst(), as: UTF8.self)
            let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            guard let value, let scalar = Unicode.Scalar(value) else { return nil }
            return Array(String(Character(scalar)).utf8)
        }
    }

    /// Text with its references replaced (an attribute's value, an entity's value): predefined and
    /// character references, and entities declared in the DTD (one level: attribute values are short).
    static func replaceReferences(_ text: ArraySlice<UInt8>, entities: [[UInt8]: [UInt8]]) -> [UInt8] {
        guard text.contains(0x26) else { return Array(text) }
        var out: [UInt8] = []
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0x26, let semi = text[i...].prefix(66).firstIndex(of: 0x3B) {
                let name = text[(i + 1)..<semi]
                if let value = predefined(name) ?? entities[Array(name)] {
                    out += value
                    i = semi + 1
                    continue
                }
            }
            out.append(text[i])
            i += 1
        }
        return out
    }

    /// Reads `<!ENTITY name "value">` declarations from the DTD just collected.
    private mutating func declarations() throws(ScanError) {
        let dtd = buffer
        var i = 0
        let marker = Array("<!ENTITY".utf8)
        let text = [0x3C] + dtd
        while let start = Self.find(marker, in: text, from: i) {
            var j = start + marker.count
            func skipSpace() { while j < text.count, Self.isSpace(text[j]) { j += 1 } }
            skipSpace()
            if j < text.count, text[j] == 0x25 {
                throw .unsupported("\(part) declares parameter entities, which no office file uses; it cannot be checked")
            }
            let nameStart = j
            while j < text.count, !Self.isSpace(text[j]), text[j] != 0x3E { j += 1 }
            let name = Array(text[nameStart..<j])
            skipSpace()
            if j < text.count, text[j] == 0x22 || text[j] == 0x27 {
                let q = text[j]
                let valueStart = j + 1
                j = valueStart
                while j < text.count, text[j] != q { j += 1 }
                entities[name] = Array(text[valueStart..<min(j, text.count)])
            } else {
                external.insert(name)
            }
            i = j
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = from
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// One XML part read as it arrives: its encoding settled from a byte-order mark or its declaration
/// (`<?xml version="1.0" encoding="UTF-16"?>`), turned into UTF-8, and parsed by ``XMLStream``.
struct XMLPart<R: XMLReceiver> {
    var receiver: R
    private var parser: XMLStream
    private var transcoder: Transcoder?
    private var head: [UInt8] = []
    private var decided = false

    init(receiver: R, part: String, format: String = "XML") {
        self.receiver = receiver
        parser = XMLStream(part: part, format: format)
    }

    mutating func write(_ p: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        if decided { return try parse(p, final: false, into: &m) }
        head.append(contentsOf: p)
        if head.count >= 512 { try decide(final: false, into: &m) }
    }

    mutating func finish(into m: inout Matcher) throws(ScanError) {
        if !decided { try decide(final: true, into: &m) } else if transcoder != nil { try parse(UnsafeRawBufferPointer(start: nil, count: 0), final: true, into: &m) }
        try parser.finish()
        try receiver.finish(into: &m)
    }

    private mutating func decide(final: Bool, into m: inout Matcher) throws(ScanError) {
        decided = true
        let held = head
        head = []
        try withBytes(held) { (h) throws(ScanError) in
            var skip = 0
            var encoding: TextEncoding = .utf8
            if let (found, length) = TextDecoding.byteOrderMark(h) {
                (encoding, skip) = (found, length)
            } else if let wide = TextDecoding.wideWithoutMark(h) {
                encoding = wide
            } else if let label = Self.declaredEncoding(h) {
                encoding = TextEncoding(label: label)
                // An "ISO-8859-1" label over valid UTF-8 bytes (mislabelled) is read as UTF-8.
                if encoding == .windows1252 && TextDecoding.isValidUTF8(h) { encoding = .utf8 }
            }
            if encoding != .utf8 { transcoder = try Transcoder(from: encoding) }
            try parse(UnsafeRawBufferPointer(rebasing: h[skip...]), final: final, into: &m)
        }
    }

    private mutating func parse(_ p: UnsafeRawBufferPointer, final: Bool, into m: inout Matcher) throws(ScanError) {
        if var t = transcoder {
            let text = t.convert(p, final: final)
            transcoder = t
            try withBytes(text) { (u) throws(ScanError) in try parser.feed(u, to: &receiver, into: &m) }
        } else {
            try parser.feed(p, to: &receiver, into: &m)
        }
    }

    /// The `encoding` of an XML declaration at the start, if it names one.
    static func declaredEncoding(_ h: UnsafeRawBufferPointer) -> String? {
        guard h.count > 5, h[0] == 0x3C, h[1] == 0x3F else { return nil }
        let end = h.prefix(256).firstIndex(of: 0x3E) ?? min(h.count, 256)
        let declaration = String(decoding: UnsafeRawBufferPointer(rebasing: h[..<end]), as: UTF8.self)
        guard let range = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        return String(rest.dropFirst().prefix { $0 != quote })
    }
}

/// Text built up from XML character data and fed to the matcher as lines, a blank line ending a record:
/// held only up to a block, so a huge element costs a few megabytes.
struct LineText {
    private var text = TextStream(layout: .lines, charset: "utf-8")

    mutating func append(_ p: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        try text.write(p, into: &m)
    }

    mutating func append(_ byte: UInt8, into m: inout Matcher) throws(ScanError) {
        try withBytes([byte]) { (b) throws(ScanError) in try text.write(b, into: &m) }
    }

    mutating func finish(into m: inout Matcher) throws(ScanError) {
        try text.finish(into: &m)
    }
}

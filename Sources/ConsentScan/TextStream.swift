/// How plain text is read: as delimited records (CSV, TSV) or as lines and paragraphs.
enum TextLayout: Sendable {
    case delimited, lines
}

/// Text of any encoding, whole or arriving in pieces, turned into UTF-8 and read in blocks that end at
/// a record boundary, so a file being unpacked is never held whole (a 400 MB entry costs a few MB).
///
/// The encoding comes from a declared charset, else a byte-order mark or the zero bytes of UTF-16/32 in
/// the first bytes, else each block is checked: valid UTF-8 is read as it is, anything else as Windows-1252.
struct TextStream {
    let layout: TextLayout
    private let declared: TextEncoding?
    private var transcoder: Transcoder?
    private var decided = false
    private var head: [UInt8] = []
    /// UTF-8 text not yet read: the end of a record still arriving.
    private var pending: [UInt8] = []
    private var records = DelimitedRecords()

    /// Text is read once this much is waiting; a record longer than ``maxRecord`` is cut at a space.
    static let blockSize = 4 << 20
    static let maxRecord = 16 << 20

    /// `charset`: the declared one (a MIME part's), if any.
    init(layout: TextLayout, charset: String? = nil) {
        self.layout = layout
        if let charset, !TextEncoding.orderUnstated(charset) {
            let encoding = TextEncoding(label: charset)
            // A UTF-8 or Latin-1 label is checked block by block (mislabelled text is common).
            declared = encoding == .utf8 || encoding == .windows1252 ? nil : encoding
        } else {
            declared = nil
        }
    }

    /// Reads a whole text at once (a file on disk, a mail part): no copy when it is already UTF-8.
    static func scan(_ p: UnsafeRawBufferPointer, layout: TextLayout, charset: String? = nil, into m: inout Matcher) throws(ScanError) {
        var stream = TextStream(layout: layout, charset: charset)
        if stream.declared == nil, TextDecoding.byteOrderMark(p) == nil, TextDecoding.wideWithoutMark(p) == nil, TextDecoding.isValidUTF8(p) {
            stream.read(p, into: &m)
            m.blankLine()
            return
        }
        try stream.write(p, into: &m)
        try stream.finish(into: &m)
    }

    /// The next piece of the text.
    mutating func write(_ p: UnsafeRawBufferPointer, into m: inout Matcher) throws(ScanError) {
        if decided { return try convert(p, final: false, into: &m) }
        if head.isEmpty && p.count >= 4096 {
            let skip = try decide(p)
            return try convert(UnsafeRawBufferPointer(rebasing: p[skip...]), final: false, into: &m)
        }
        head.append(contentsOf: p)
        if head.count >= 4096 { try flushHead(final: false, into: &m) }
    }

    /// The end of the text: reads what is left.
    mutating func finish(into m: inout Matcher) throws(ScanError) {
        if !decided {
            try flushHead(final: true, into: &m)
        } else if transcoder != nil {
            try convert(UnsafeRawBufferPointer(start: nil, count: 0), final: true, into: &m)
        }
        let rest = pending
        pending = []
        if !rest.isEmpty { readBlock(rest, into: &m) }
        m.blankLine()
    }

    private mutating func flushHead(final: Bool, into m: inout Matcher) throws(ScanError) {
        let held = head
        head = []
        try withBytes(held) { (h) throws(ScanError) in
            let skip = try decide(h)
            try convert(UnsafeRawBufferPointer(rebasing: h[skip...]), final: final, into: &m)
        }
    }

    /// Settles the encoding from the first bytes; returns the length of a byte-order mark to skip.
    private mutating func decide(_ h: UnsafeRawBufferPointer) throws(ScanError) -> Int {
        decided = true
        var skip = 0
        var found: TextEncoding?
        if let (encoding, length) = TextDecoding.byteOrderMark(h) { (found, skip) = (encoding, length) } else { found = TextDecoding.wideWithoutMark(h) }
        if let encoding = declared ?? found, encoding != .utf8 {
            transcoder = try Transcoder(from: encoding)
        }
        return skip
    }

    private mutating func convert(_ p: UnsafeRawBufferPointer, final: Bool, into m: inout Matcher) throws(ScanError) {
        // In slices, so a large piece is never copied whole.
        var offset = 0
        repeat {
            let slice = UnsafeRawBufferPointer(rebasing: p[offset..<min(p.count, offset + (1 << 20))])
            offset += slice.count
            if var t = transcoder {
                pending += t.convert(slice, final: final && offset >= p.count)
                transcoder = t
            } else {
                pending.append(contentsOf: slice)
            }
            while pending.count >= Self.blockSize {
                let cut = boundary(in: pending)
                let block = Array(pending[..<cut])
                pending.removeFirst(cut)
                readBlock(block, into: &m)
            }
        } while offset < p.count
    }

    /// Where the last whole record of `text` ends: after a line break outside quotes (delimited text),
    /// else after a space, else anywhere once a record is too long.
    private func boundary(in text: [UInt8]) -> Int {
        var lastBreak = -1
        if layout == .delimited {
            var quoted = false
            for i in 0..<text.count {
                let b = text[i]
                if b == 0x22 { quoted.toggle() } else if b == 0x0A && !quoted { lastBreak = i }
            }
        } else {
            lastBreak = text.lastIndex(of: 0x0A) ?? -1
        }
        if lastBreak >= 0 { return lastBreak + 1 }
        if text.count < Self.maxRecord { return text.count < Self.blockSize ? text.count : cutAtSpace(text) }
        return cutAtSpace(text)
    }

    private func cutAtSpace(_ text: [UInt8]) -> Int {
        // Never inside a UTF-8 sequence, preferably after a space or a delimiter.
        var i = text.count - 1
        let stop = max(0, text.count - 65_536)
        while i > stop {
            let b = text[i]
            if b == 0x20 || b == 0x09 || b == 0x2C || b == 0x3B || b == 0x0D { return i + 1 }
            i -= 1
        }
        var cut = text.count
        while cut > 1, text[cut - 1] & 0xC0 == 0x80 { cut -= 1 }
        return max(1, cut - 1)
    }

    /// One block of UTF-8 (or mislabelled Windows-1252) text.
    private mutating func readBlock(_ block: [UInt8], into m: inout Matcher) {
        block.withUnsafeBytes { b in
            if transcoder != nil || TextDecoding.isValidUTF8(b) {
                read(b, into: &m)
            } else {
                let fixed = TextDecoding.windows1252(b)
                fixed.withUnsafeBytes { read($0, into: &m) }
            }
        }
    }

    private mutating func read(_ p: UnsafeRawBufferPointer, into m: inout Matcher) {
        switch layout {
        case .delimited: records.scan(p, into: &m)
        case .lines: TextReader.lines(p, into: &m)
        }
    }
}

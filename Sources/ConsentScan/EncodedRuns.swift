/// Files carried encoded in the text of another file: a run of base64 (wrapped lines joined), of hex
/// (contiguous, or a hex dump's byte groups line after line), of quoted-printable where most bytes are
/// `=XX` escapes, and `data:` URIs. Every line and cell a reader gives the ``Matcher`` passes here; what is
/// found is decoded and handed back (``take(closing:)``) to be scanned as the file it is.
///
/// Text is read in blocks, so a run is followed from line to line and block to block, holding at most
/// ``cap`` bytes of it; a longer run is reported as too large to check (which blocks). Only lines the
/// matcher's own pass marks as worth a look (a long chunk, many `=`, short hex-like groups, `data:`) or
/// lines that may continue a run are read here, so ordinary text costs next to nothing.
struct EncodedRuns {
    /// Base64 and hex runs shorter than this (in characters) are read as text: hashes, ids and keys.
    static let minimumLength = Base64Value.minimumLength
    /// Quoted-printable needs this many escapes, making up at least half of its characters.
    static let minimumEscapes = 16
    /// A run at the end of a line at least this long may go on at the start of the next (a wrapped block).
    static let wrapMinimum = 32
    /// Wrapped lines are at most this long; a longer run at a line's end is complete, unless it is a
    /// piece of a line too long for one block (at least ``cutLine``), which goes on in the next block.
    static let wrapMaximum = 1024
    static let cutLine = 1 << 20

    /// The most bytes of one run held, and of decoded content waiting to be scanned.
    var cap = 64 << 20
    private(set) var found: [EmbeddedContent] = []
    private var foundBytes = 0

    /// The run being followed across lines: its text (line breaks kept), and what is known of it.
    private var run: [UInt8] = []
    private var runOpen = false
    private var runOverflow = false
    private var runWidth = 0
    private var runEnded = false
    private var runSoftBreak = false
    private var runMedia: String?
    private var runDataURI = false
    private var runInLink = false
    private var runSigned = false

    /// Hex digits of consecutive hex-dump lines.
    private var dump: [UInt8] = []
    private var dumpOverflow = false

    /// The last line was the start of an ASCII-armoured OpenPGP signature (or one of its header lines).
    private var armour = false

    // MARK: - Lines and fields

    /// One line of text; `hint`: the matcher saw something that may be encoded in it.
    @inline(__always)
    mutating func line(_ p: UnsafeRawBufferPointer, hint: Bool) {
        if hint || runOpen || !dump.isEmpty || armour || (p.count >= 29 && p[0] == 0x2D) { read(p) }
    }

    /// One value (a CSV or spreadsheet cell, a JSON value): a run never goes on into the next value.
    @inline(__always)
    mutating func field(_ p: UnsafeRawBufferPointer, hint: Bool) {
        guard hint || runOpen || !dump.isEmpty else { return }
        lineBreak()
        var start = 0
        for i in 0..<p.count where p[i] == 0x0A {
            read(UnsafeRawBufferPointer(rebasing: p[start..<(i > start && p[i - 1] == 0x0D ? i - 1 : i)]))
            start = i + 1
        }
        read(UnsafeRawBufferPointer(rebasing: p[start...]))
        lineBreak()
    }

    /// A blank line or the end of a text: any run ends here.
    mutating func lineBreak() {
        if runOpen { closeRun() }
        if !dump.isEmpty { closeDump() }
    }

    /// What has been found, decoded; `closing`: the text has ended, so a run still open ends too.
    mutating func take(closing: Bool) -> [EmbeddedContent] {
        if closing {
            lineBreak()
            armour = false
        }
        defer { found = []; foundBytes = 0 }
        return found
    }

    // MARK: - Reading a line

    private mutating func read(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        var i = 0
        if runOpen {
            if n > 0, EncodedRuns.isRun(p[0]), !runEnded {
                i = Self.runEnd(p, from: 0)
                extend(UnsafeRawBufferPointer(rebasing: p[0..<i]), full: true, atEnd: i == n)
                if runOpen { return }
            } else {
                closeRun()
            }
        }
        if i == 0 && Self.startsArmour(p) {
            armour = true
            return
        }
        if i == 0, let digits = RunDecoding.dumpLine(p) {
            if dump.count + digits.count > cap { dumpOverflow = true } else { dump += digits }
            armour = false
            return
        }
        if !dump.isEmpty { closeDump() }
        let signed = armour
        armour = false
        var inLink = false
        while i < n {
            let b = p[i]
            guard Self.isRun(b) else {
                if b == 0x3A {
                    if i + 2 < n && p[i + 1] == 0x2F && p[i + 2] == 0x2F { inLink = true }
                    if let next = dataURI(p, colon: i) { i = next; continue }
                } else if b == 0x20 || b == 0x09 || b == 0x22 || b == 0x27 || b == 0x3C || b == 0x3E {
                    inLink = false
                }
                i += 1
                continue
            }
            let start = i
            i = Self.runEnd(p, from: i)
            let length = i - start
            if i == n && (length >= Self.wrapMinimum && length <= Self.wrapMaximum || length >= Self.cutLine) {
                begin(UnsafeRawBufferPointer(rebasing: p[start..<i]), full: start == 0, media: nil, dataURI: false, inLink: inLink, signed: signed && start == 0)
            } else if length >= Self.minimumEscapes * 3 {
                classify(UnsafeRawBufferPointer(rebasing: p[start..<i]), media: nil, dataURI: false, inLink: inLink, signed: false)
            }
        }
        if signed && !runOpen && Self.isArmourHeader(p) { armour = true }
    }

    /// A `data:` URI whose scheme ends at `colon`: its payload is decoded (base64, perhaps wrapped onto the
    /// next lines, or percent-encoded); returns where reading goes on, or nil when it is not one.
    private mutating func dataURI(_ p: UnsafeRawBufferPointer, colon: Int) -> Int? {
        guard colon >= 4 else { return nil }
        for (k, letter) in "data".utf8.enumerated() where lowerASCII(p[colon - 4 + k]) != letter { return nil }
        if colon > 4, isUpperOrLowerLetter(p[colon - 5]) || isDigit(p[colon - 5]) { return nil }
        var k = colon + 1
        while k < p.count, k - colon < 128, p[k] != 0x2C {
            let c = p[k]
            guard isUpperOrLowerLetter(c) || isDigit(c) || c == 0x2F || c == 0x2B || c == 0x2E || c == 0x3B || c == 0x3D || c == 0x2D || c == 0x5F else { return nil }
            k += 1
        }
        guard k < p.count, p[k] == 0x2C else { return nil }
        let head = String(decoding: UnsafeRawBufferPointer(rebasing: p[(colon + 1)..<k]), as: UTF8.self).lowercased()
        let parameters = head.split(separator: ";")
        let media = parameters.first.flatMap { $0.contains("/") ? String($0) : nil }
        let start = k + 1
        if parameters.contains("base64") {
            let end = Self.runEnd(p, from: start)
            if end == p.count {
                begin(UnsafeRawBufferPointer(rebasing: p[start..<end]), full: false, media: media, dataURI: true, inLink: false, signed: false)
            } else {
                classify(UnsafeRawBufferPointer(rebasing: p[start..<end]), media: media, dataURI: true, inLink: false, signed: false)
            }
            return end
        }
        var end = start
        while end < p.count, ![0x20, 0x09, 0x22, 0x27, 0x3C, 0x3E].contains(p[end]) { end += 1 }
        let payload = RunDecoding.percentDecoded(UnsafeRawBufferPointer(rebasing: p[start..<end]))
        if !payload.isEmpty { add(EmbeddedContent(mediaType: media, data: payload, label: "a data: URI in the text")) }
        return end
    }

    // MARK: - Runs

    private mutating func begin(_ p: UnsafeRawBufferPointer, full: Bool, media: String?, dataURI: Bool, inLink: Bool, signed: Bool) {
        run.removeAll(keepingCapacity: run.capacity <= 1 << 20)
        (runOpen, runOverflow, runEnded, runSoftBreak) = (true, false, false, false)
        (runMedia, runDataURI, runInLink, runSigned) = (media, dataURI, inLink, signed)
        runWidth = full ? p.count : 0
        append(p)
        runSoftBreak = p.last == 0x3D
    }

    /// A line that goes on with the run (it starts at the line's start); `atEnd`: it reaches the line's end.
    private mutating func extend(_ p: UnsafeRawBufferPointer, full: Bool, atEnd: Bool) {
        run.append(0x0A)
        append(p)
        let soft = p.last == 0x3D
        // Wrapped lines are all as long as the first; a shorter one is the last, unless it ends in a
        // quoted-printable soft break. A piece of a line cut between blocks goes on whatever its length.
        if !soft && p.count < Self.cutLine {
            if runWidth == 0 { runWidth = p.count } else if p.count < runWidth && !runSoftBreak { runEnded = true }
        }
        runSoftBreak = soft
        if !atEnd || runEnded && !soft { closeRun() }
    }

    private mutating func append(_ p: UnsafeRawBufferPointer) {
        if runOverflow { return }
        if run.count + p.count > cap {
            runOverflow = true
            run = []
        } else {
            run.append(contentsOf: p)
        }
    }

    private mutating func closeRun() {
        runOpen = false
        if runOverflow {
            add(EmbeddedContent(mediaType: nil, data: nil, label: "encoded text", why: "larger than \(cap >> 20) MB, too large to check"))
        } else {
            let held = run
            held.withUnsafeBytes { classify($0, media: runMedia, dataURI: runDataURI, inLink: runInLink, signed: runSigned) }
        }
        run.removeAll(keepingCapacity: run.capacity <= 1 << 20)
    }

    private mutating func closeDump() {
        if dumpOverflow {
            add(EmbeddedContent(mediaType: nil, data: nil, label: "a hex dump", why: "larger than \(cap >> 20) MB, too large to check"))
        } else if dump.count >= Self.minimumLength {
            add(EmbeddedContent(mediaType: nil, data: RunDecoding.decode(dump), label: "a hex dump"))
        }
        dump = []
        dumpOverflow = false
    }

    /// Decides what a run is and decodes it: quoted-printable when escapes make up most of it, hex when it
    /// is only hex digits, base64 when it has both cases of letter and a digit or `+/`; else it is text.
    private mutating func classify(_ p: UnsafeRawBufferPointer, media: String?, dataURI: Bool, inLink: Bool, signed: Bool) {
        let shape = RunShape(p)
        let content: EmbeddedContent
        if dataURI {
            content = EmbeddedContent(mediaType: media, data: RunDecoding.base64(p), label: "a data: URI in the text")
        } else if shape.escapes >= Self.minimumEscapes && shape.escapes * 6 >= shape.characters {
            content = EmbeddedContent(mediaType: nil, data: RunDecoding.quotedPrintable(p), label: "quoted-printable text")
        } else if shape.characters >= Self.minimumLength && shape.onlyHex && shape.digit && shape.hexLetter {
            content = EmbeddedContent(mediaType: nil, data: RunDecoding.decode(Array(p)), label: "hex text")
        } else if shape.characters >= Self.minimumLength && shape.upper && shape.lower && shape.digitOrSymbol {
            guard let data = RunDecoding.base64(p) else { return }
            // An OpenPGP signature in its armour (a clear-signed message) is binary by nature and holds no text.
            if signed, data.count <= 4096, let first = data.first, [0x88, 0x89, 0x8A, 0xC2].contains(first) { return }
            content = EmbeddedContent(mediaType: nil, data: data, label: "base64 text")
        } else {
            return
        }
        var item = content
        item.quietIfUnreadable = inLink
        add(item)
    }

    private mutating func add(_ item: EmbeddedContent) {
        guard let data = item.data, !data.isEmpty else {
            if item.data == nil { found.append(item) }
            return
        }
        if foundBytes + data.count > cap {
            found.append(EmbeddedContent(mediaType: nil, data: nil, label: item.label, why: "more than \(cap >> 20) MB of encoded content, too much to check"))
            return
        }
        foundBytes += data.count
        found.append(item)
    }

    // MARK: - Bytes

    /// Base64 (both alphabets), hex digits and `=`: what an encoded run is made of.
    static let runBytes: [Bool] = (0...255).map { b in
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || [0x2B, 0x2F, 0x2D, 0x5F, 0x3D].contains(b)
    }

    @inline(__always) static func isRun(_ b: UInt8) -> Bool { runBytes[Int(b)] }

    static func runEnd(_ p: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start
        while i < p.count, runBytes[Int(p[i])] { i += 1 }
        return i
    }

    static func startsArmour(_ p: UnsafeRawBufferPointer) -> Bool {
        let marker = "-----BEGIN PGP SIGNATURE-----".utf8
        return p.count >= marker.count && p.prefix(marker.count).elementsEqual(marker)
    }

    /// `Version: GnuPG v2`, `Comment: …`: header lines between an armour's first line and its data.
    static func isArmourHeader(_ p: UnsafeRawBufferPointer) -> Bool {
        guard let colon = p.prefix(24).firstIndex(of: 0x3A), colon > 0, colon + 1 < p.count, p[colon + 1] == 0x20 else { return false }
        return p[..<colon].allSatisfy(isUpperOrLowerLetter)
    }
}

/// What a run is made of, counted in one pass.
struct RunShape {
    var characters = 0, escapes = 0
    var upper = false, lower = false, digit = false, digitOrSymbol = false, hexLetter = false, onlyHex = true

    init(_ p: UnsafeRawBufferPointer) {
        let n = p.count
        var i = 0
        while i < n {
            let b = p[i]
            i += 1
            if b == 0x0A { continue }
            characters += 1
            switch b {
            case 0x30...0x39: digit = true; digitOrSymbol = true
            case 0x41...0x46, 0x61...0x66: hexLetter = true; if b < 0x61 { upper = true } else { lower = true }
            case 0x47...0x5A: upper = true; onlyHex = false
            case 0x67...0x7A: lower = true; onlyHex = false
            case 0x3D:
                onlyHex = false
                if i + 1 < n, HTMLReader.hexValue(p[i]) != nil, HTMLReader.hexValue(p[i + 1]) != nil { escapes += 1 }
            default: digitOrSymbol = true; onlyHex = false
            }
        }
    }
}

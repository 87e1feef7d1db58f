/// Matches the content of one file, cell by cell and record by record, against the index and the special terms.
///
/// Readers feed it: ``header(_:)`` for a first row, ``cell(_:column:)`` for each value (or line of text),
/// ``endRecord()`` after each row or paragraph. One pass over the bytes; a chunk (the bytes between
/// separators) is classified once and hashed only when it could be an email, a phone number, a tenancy
/// reference or a postcode. Names are paired with each postcode of the same record, within a window.
struct Matcher {
    let index: ScanIndex
    let terms: SpecialTerms
    var findings = Findings()

    /// Buffers reused for every cell and record, so the hot path neither allocates nor counts references:
    /// the workspace owns them, the matcher reads and writes them through plain pointers.
    let work = Workspace()
    let wordBytes: UnsafeMutablePointer<UInt8>
    let wordEnds: UnsafeMutablePointer<Int32>
    /// The word position of each kept word: its number among all the record's capitalised words.
    let wordPositions: UnsafeMutablePointer<Int32>
    /// Kept words (those the surname filter passes), and all capitalised words of the record.
    var wordCount = 0
    var wordTotal = 0
    let surnames: SurnameFilter
    let postcodes: UnsafeMutablePointer<UInt8>
    let postcodePositions: UnsafeMutablePointer<Int>
    var postcodeCount = 0
    let scratch: UnsafeMutablePointer<UInt8>
    let pendingTags: UnsafeMutablePointer<UInt64>
    let pendingKinds: UnsafeMutablePointer<UInt8>
    var pendingCount = 0
    let classes: UnsafeMutablePointer<UInt8>
    let phraseFilter: UnsafeMutablePointer<UInt64>
    let slots: UnsafeMutablePointer<UInt64>
    let mask: Int
    /// The last word hashes of the current cell, for phrases.
    let ring: UnsafeMutablePointer<UInt64>
    var ringCount = 0
    /// False once every attribute a phrase names has been found: the rest of the file needs no phrase lookups.
    var phrasesPending: Bool
    /// The record names a health condition, and the record's values matched a tenant of the register.
    var recordCondition = false
    var recordTenant = false
    /// The special attribute of each column whose header names one (until a value is found in it).
    var specialColumns: [String?] = []
    /// Dates and house numbers of the record (see Matcher+Pairs.swift): their bytes, kind, length and the
    /// word position each was found at.
    let extras: UnsafeMutablePointer<UInt8>
    let extraKinds: UnsafeMutablePointer<UInt8>
    let extraLengths: UnsafeMutablePointer<UInt8>
    let extraPositions: UnsafeMutablePointer<Int>
    var extraCount = 0
    /// The last number of the current cell that could be a day or a house number, and its chunk.
    var dayNumber = 0, dayChunk = -9
    var monthNumber = 0, monthChunk = -9
    var house: (bytes: UInt64, length: Int, chunk: Int) = (0, 0, -9)
    /// Columns whose header names a date of birth (their numbers may be Excel dates).
    var dateColumns: Set<Int> = []
    /// Phone digits gathered over neighbouring numeric chunks (`+44 7700 900123`).
    var phoneDigits: [UInt8] = []
    var phoneGroups: [(end: Int, plus: Bool)] = []
    /// Files encoded in the text (base64, hex, quoted-printable, `data:` URIs), and whether the last value
    /// read had something that may be one (a long chunk, many `=`, short hex-like groups, `data:`).
    var encoded = EncodedRuns()
    var encodedHint = false

    /// Words before and after a postcode that are paired with it.
    static let wordsBefore = 40, wordsAfter = 10

    init(index: ScanIndex, terms: SpecialTerms) {
        self.index = index
        self.terms = terms
        let w = work
        (wordBytes, wordEnds, wordPositions, postcodes, postcodePositions, scratch) = (w.wordBytes, w.wordEnds, w.wordPositions, w.postcodes, w.postcodePositions, w.scratch)
        surnames = index.surnames
        (pendingTags, pendingKinds, classes, phraseFilter, ring) = (w.pendingTags, w.pendingKinds, w.classes, w.phraseFilter, w.ring)
        (extras, extraKinds, extraLengths, extraPositions) = (w.extras, w.extraKinds, w.extraLengths, w.extraPositions)
        phraseFilter.update(from: terms.lastWordFilter, count: min(terms.lastWordFilter.count, Workspace.filterWords))
        slots = index.table.base
        mask = index.mask
        phrasesPending = !terms.phraseAttributes.isEmpty || !terms.conditions.isEmpty
    }

    /// Where the next name word is written.
    var wordStart: Int { wordCount == 0 ? 0 : Int(wordEnds[wordCount - 1]) }

    @inline(__always)
    func mayEndPhrase(_ wordHash: UInt64) -> Bool {
        let bit = Int(truncatingIfNeeded: wordHash) & 0xFFFF
        return phraseFilter[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    // MARK: - Structure

    /// Rows that may hold the column headers (a title or a blank line can come first).
    static let headerRows = 10

    /// One of the first rows: columns whose header names a special attribute are watched for any answer
    /// in the rows below. A column found once stays watched.
    mutating func header(_ cells: [String]) {
        for (column, cell) in cells.enumerated() where cell.utf8.count <= 64 {
            if Self.birthDateHeaders.contains(ScanNormal.phraseHash(cell)) { dateColumns.insert(column) }
            guard let attribute = terms.attribute(named: cell) else { continue }
            if column >= specialColumns.count { specialColumns += Array(repeating: nil, count: column + 1 - specialColumns.count) }
            specialColumns[column] = attribute
        }
    }

    /// A key and its value (JSON): a key naming a special attribute with an answer is a special value.
    mutating func keyed(_ key: String, value: String) {
        if let attribute = terms.attribute(named: key), terms.isAnswer(value) { findings.special.insert(attribute) }
        cell(value, column: -1)
    }

    /// A line of text: `Religion: Christian` is a special value; then the line is scanned as a cell.
    mutating func textLine(_ p: UnsafeRawBufferPointer) {
        if let colon = p.prefix(48).firstIndex(of: 0x3A), colon > 0 {
            let label = String(decoding: UnsafeRawBufferPointer(rebasing: p[..<colon]), as: UTF8.self)
            if let attribute = terms.attribute(named: label),
               terms.isAnswer(String(decoding: UnsafeRawBufferPointer(rebasing: p[(colon + 1)...]), as: UTF8.self)) {
                findings.special.insert(attribute)
            }
        }
        read(p, column: -1, line: true)
    }

    /// A blank line: a paragraph ends, and so does any encoded run.
    mutating func blankLine() {
        encoded.lineBreak()
        endRecord()
    }

    mutating func cell(_ text: String, column: Int) {
        var text = text
        text.withUTF8 { cell(UnsafeRawBufferPointer($0), column: column) }
    }

    /// Ends a row or paragraph: pairs its name words with its postcodes.
    mutating func endRecord() {
        for p in 0..<postcodeCount where wordCount > 0 {
            let position = postcodePositions[p]
            let lo = max(0, position - Self.wordsBefore), hi = min(wordTotal, position + Self.wordsAfter)
            guard lo < hi else { continue }
            let postcode = postcodes + p * 8
            let postcodeLength = Int(postcode[7])
            for i in 0..<wordCount {
                let at = Int(wordPositions[i])
                if at < lo { continue }
                if at >= hi { break }
                let start = i == 0 ? 0 : Int(wordEnds[i - 1])
                let length = Int(wordEnds[i]) - start
                scratch[0] = IndexKind.namePostcode.rawValue
                (scratch + 1).update(from: wordBytes + start, count: length)
                scratch[1 + length] = 0
                (scratch + 2 + length).update(from: postcode, count: postcodeLength)
                lookup(.namePostcode, count: 2 + length + postcodeLength)
            }
        }
        pairExtras()
        wordCount = 0
        wordTotal = 0
        postcodeCount = 0
        extraCount = 0
        resolve()
        // A condition counts as health data only beside a tenant: a leaflet about dementia is not.
        if recordCondition && recordTenant {
            findings.special.insert(SpecialTerms.conditionAttribute)
            updatePhrasesPending()
        }
        recordCondition = false
        recordTenant = false
    }

    mutating func updatePhrasesPending() {
        phrasesPending = !terms.phraseAttributes.isSubset(of: findings.special)
            || !terms.conditions.isEmpty && !findings.special.contains(SpecialTerms.conditionAttribute)
    }

    // MARK: - One cell

    /// Scans one value (a CSV field with its quotes, an XLSX cell, a line of text), folded first
    /// (``TextFold``: no-break and zero-width spaces, fullwidth forms).
    mutating func cell(_ p: UnsafeRawBufferPointer, column: Int) {
        read(p, column: column, line: false)
    }

    /// A value or a line of text (which an encoded run may go on from), folded, matched, then looked at
    /// for encoded content when the matching pass saw a sign of it.
    private mutating func read(_ p: UnsafeRawBufferPointer, column: Int, line: Bool) {
        if TextFold.needed(p) {
            TextFold.folded(p).withUnsafeBytes { readFolded($0, column: column, line: line) }
        } else {
            readFolded(p, column: column, line: line)
        }
    }

    private mutating func readFolded(_ p: UnsafeRawBufferPointer, column: Int, line: Bool) {
        foldedCell(p, column: column)
        if line { encoded.line(p, hint: encodedHint) } else { encoded.field(p, hint: encodedHint) }
    }

    /// Scans one value already folded.
    private mutating func foldedCell(_ p: UnsafeRawBufferPointer, column: Int) {
        if column >= 0, column < specialColumns.count, let attribute = specialColumns[column] {
            if terms.isAnswer(String(decoding: p, as: UTF8.self)) {
                findings.special.insert(attribute)
                specialColumns[column] = nil
            }
        }
        if wordTotal >= Workspace.maxWords - 64 || postcodeCount >= Workspace.maxPostcodes || extraCount >= Workspace.maxExtras { endRecord() }
        dayChunk = -9
        monthChunk = -9
        house.chunk = -9
        ringCount = 0
        let n = p.count
        var i = 0
        var chunkNumber = 0
        var outward: (start: Int, end: Int, chunk: Int)? = nil
        let classes = self.classes
        let separator = ByteClass.separator.rawValue, joiner = ByteClass.joiner.rawValue
        // Signs of encoded content, gathered on the way: the longest chunk, `=` signs, short even chunks, `data:`.
        var longest = 0, equals = 0, shortEven = 0, dataColon = false
        while i < n {
            let b = p[i]
            if classes[Int(b)] == separator {
                if b != 0x20 && b != 0x28 && b != 0x29 {
                    flushPhone()
                    if b == 0x3D { equals += 1 } else if b == 0x3A && i >= 4 && (p[i - 1] | 0x20) == 0x61 && (p[i - 2] | 0x20) == 0x74
                        && (p[i - 3] | 0x20) == 0x61 && (p[i - 4] | 0x20) == 0x64 { dataColon = true }
                }
                i += 1
                continue
            }
            let start = i
            // The classes of the chunk's bytes, OR-ed together: no branch a byte but the chunk's end.
            var seen: UInt8 = 0
            while i < n {
                let c = classes[Int(p[i])]
                if c == separator { break }
                seen |= c
                i += 1
            }
            let length = i - start
            if length > longest { longest = length }
            if length & ~6 == 0 { shortEven += 1 }
            let hasAt = seen & ByteClass.at.rawValue != 0, hasDigit = seen & ByteClass.digit.rawValue != 0
            let hasLetter = seen & ByteClass.letter.rawValue != 0
            var s = start, e = i
            while s < e, classes[Int(p[s])] == joiner { s += 1 }
            while e > s, classes[Int(p[e - 1])] == joiner { e -= 1 }
            chunkNumber += 1
            guard s < e else { continue }
            let chunk = UnsafeRawBufferPointer(rebasing: p[s..<e])
            if hasAt {
                flushPhone()
                ringCount = 0
                email(chunk)
            } else if hasDigit && !hasLetter {
                ringCount = 0
                addPhoneGroup(chunk, plus: p[start] == 0x2B)
                if index.pureDigitReferences, !chunk.contains(0x2E) { reference(chunk) }
                number(chunk, chunkNumber)
            } else if hasDigit {
                flushPhone()
                ringCount = 0
                reference(chunk)
                mixedNumber(chunk, chunkNumber)
                let c = chunk.count
                if c >= 5 && c <= 7 && ScanNormal.isOutward(UnsafeRawBufferPointer(rebasing: chunk[..<(c - 3)]))
                    && ScanNormal.isInward(UnsafeRawBufferPointer(rebasing: chunk[(c - 3)...])) {
                    addPostcode(chunk, nil)
                } else if ScanNormal.isOutward(chunk) {
                    outward = (s, e, chunkNumber)
                } else if ScanNormal.isInward(chunk), let o = outward, o.chunk == chunkNumber - 1 {
                    addPostcode(UnsafeRawBufferPointer(rebasing: p[o.start..<o.end]), chunk)
                }
            } else {
                flushPhone()
                if house.chunk == chunkNumber - 1 || dayChunk >= chunkNumber - 2 { afterNumber(chunk, chunkNumber) }
                words(chunk)
            }
        }
        flushPhone()
        encodedHint = longest >= EncodedRuns.wrapMinimum || equals >= 8 || dataColon || (shortEven >= 4 && shortEven * 2 >= chunkNumber)
    }

    /// Splits a chunk of letters and joiners into words: phrases are checked, and capitalised words of
    /// 2 to 48 letters are kept as name candidates.
    mutating func words(_ chunk: UnsafeRawBufferPointer) {
        let n = chunk.count
        var i = 0
        var hash: UInt64 = ScanNormal.fnvBasis
        var length = 0
        var capitalised = false
        var start = wordStart
        // Phrase hashes are needed only until every attribute a phrase names is found.
        let phrases = phrasesPending
        while i <= n {
            let b: UInt8 = i < n ? chunk[i] : 0x20
            if b == 0x27 { i += 1; continue }
            if b == 0xE2 && i + 2 < n && chunk[i + 1] == 0x80 && chunk[i + 2] == 0x99 { i += 3; continue }
            if b >= 0x80 || isUpperOrLowerLetter(b) {
                if length == 0 {
                    capitalised = (b >= 0x80 || b < 0x61) && wordTotal < Workspace.maxWords
                    start = wordStart
                }
                let lower = lowerASCII(b)
                if phrases { hash = (hash ^ UInt64(lower)) &* ScanNormal.fnvPrime }
                if length < Workspace.maxWordLength && capitalised {
                    wordBytes[start + length] = lower
                }
                length += 1
            } else if length > 0 {
                if phrases && phrasesPending { endWord(hash) }
                if capitalised && length >= 2 && length <= Workspace.maxWordLength {
                    // Only a word the surname filter passes can be paired: the others are counted, for the windows.
                    if surnames.mayContain(wordBytes + start, count: length) {
                        wordEnds[wordCount] = Int32(start + length)
                        wordPositions[wordCount] = Int32(wordTotal)
                        wordCount += 1
                    }
                    wordTotal += 1
                }
                hash = ScanNormal.fnvBasis
                length = 0
            }
            i += 1
        }
    }

    mutating func endWord(_ hash: UInt64) {
        ring[ringCount & 15] = hash
        ringCount += 1
        if phrasesPending && mayEndPhrase(hash) {
            for length in terms.lengths where length <= min(ringCount, 16) {
                var h: UInt64 = ScanNormal.phraseSeed
                for k in stride(from: length - 1, through: 0, by: -1) { h = ScanNormal.phraseStep(h, ring[(ringCount - 1 - k) & 15]) }
                if let attribute = terms.phrases[h] {
                    findings.special.insert(attribute)
                    updatePhrasesPending()
                    break
                }
                if terms.conditions[h] != nil {
                    recordCondition = true
                    break
                }
            }
        }
    }

    /// Keeps a postcode (outward and inward parts, or the whole in `first`), upper-cased.
    mutating func addPostcode(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer?) {
        guard postcodeCount < Workspace.maxPostcodes else { return }
        let out = postcodes + postcodeCount * 8
        var n = 0
        for b in first where n < 7 { out[n] = upperASCII(b); n += 1 }
        if let second { for b in second where n < 7 { out[n] = upperASCII(b); n += 1 } }
        out[7] = UInt8(n)
        postcodePositions[postcodeCount] = wordTotal
        postcodeCount += 1
    }
}

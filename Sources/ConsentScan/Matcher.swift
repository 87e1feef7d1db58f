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

    /// Name-candidate words of the current record, lower-cased, back to back.
    private var wordBytes: [UInt8] = []
    private var wordEnds: [Int] = []
    /// Postcodes of the current record (compact, upper case) and the word position they were found at.
    private var postcodes: [(bytes: [UInt8], position: Int)] = []
    private var scratch: [UInt8] = []
    private var word: [UInt8] = []
    /// The last word hashes of the current cell, for phrases.
    private var ring = [UInt64](repeating: 0, count: 16)
    private var ringCount = 0
    /// The special attribute of each column whose header names one (until a value is found in it).
    private var specialColumns: [String?] = []
    /// Phone digits gathered over neighbouring numeric chunks (`+44 7700 900123`).
    private var phoneDigits: [UInt8] = []
    private var phoneGroups: [(end: Int, plus: Bool)] = []

    /// Words of a record beyond which it is cut (a long paragraph of text).
    static let maxRecordWords = 4096
    /// Words before and after a postcode that are paired with it.
    static let wordsBefore = 40, wordsAfter = 10

    init(index: ScanIndex, terms: SpecialTerms) {
        self.index = index
        self.terms = terms
        scratch.reserveCapacity(64)
        word.reserveCapacity(64)
    }

    // MARK: - Structure

    /// A first row: columns whose header names a special attribute are watched for any answer.
    mutating func header(_ cells: [String]) {
        specialColumns = cells.map { terms.attribute(named: $0) }
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
        cell(p, column: -1)
    }

    mutating func cell(_ text: String, column: Int) {
        var text = text
        text.withUTF8 { cell(UnsafeRawBufferPointer($0), column: column) }
    }

    /// Ends a row or paragraph: pairs its name words with its postcodes.
    mutating func endRecord() {
        for (postcode, position) in postcodes {
            let lo = max(0, position - Self.wordsBefore), hi = min(wordEnds.count, position + Self.wordsAfter)
            guard lo < hi else { continue }
            for w in lo..<hi {
                let start = w == 0 ? 0 : wordEnds[w - 1]
                scratch.removeAll(keepingCapacity: true)
                scratch.append(IndexKind.namePostcode.rawValue)
                scratch.append(contentsOf: wordBytes[start..<wordEnds[w]])
                scratch.append(0)
                scratch.append(contentsOf: postcode)
                lookup(.namePostcode)
            }
        }
        wordBytes.removeAll(keepingCapacity: true)
        wordEnds.removeAll(keepingCapacity: true)
        postcodes.removeAll(keepingCapacity: true)
    }

    // MARK: - One cell

    /// Scans one value (a CSV field with its quotes, an XLSX cell, a line of text).
    mutating func cell(_ p: UnsafeRawBufferPointer, column: Int) {
        if column >= 0, column < specialColumns.count, let attribute = specialColumns[column] {
            if terms.isAnswer(String(decoding: p, as: UTF8.self)) {
                findings.special.insert(attribute)
                specialColumns[column] = nil
            }
        }
        if wordEnds.count >= Self.maxRecordWords { endRecord() }
        ringCount = 0
        let n = p.count
        var i = 0
        var chunkNumber = 0
        var outward: (start: Int, end: Int, chunk: Int)? = nil
        let classes = ByteClass.table
        while i < n {
            let b = p[i]
            if classes[Int(b)] == .separator {
                if b != 0x20 && b != 0x28 && b != 0x29 { flushPhone() }
                i += 1
                continue
            }
            let start = i
            var hasAt = false, hasDigit = false, hasLetter = false
            while i < n {
                switch classes[Int(p[i])] {
                case .separator: break
                case .letter: hasLetter = true; i += 1; continue
                case .digit: hasDigit = true; i += 1; continue
                case .at: hasAt = true; i += 1; continue
                case .joiner: i += 1; continue
                }
                break
            }
            var s = start, e = i
            while s < e, classes[Int(p[s])] == .joiner { s += 1 }
            while e > s, classes[Int(p[e - 1])] == .joiner { e -= 1 }
            chunkNumber += 1
            guard s < e else { continue }
            let chunk = UnsafeRawBufferPointer(rebasing: p[s..<e])
            if hasAt {
                flushPhone()
                ringCount = 0
                if let email = ScanNormal.email(chunk) { lookup(.email, email) }
            } else if hasDigit && !hasLetter {
                ringCount = 0
                addPhoneGroup(chunk, plus: p[start] == 0x2B)
                if chunk.count >= 3, chunk.count <= 20, !chunk.contains(0x2E), let ref = ScanNormal.tenancyRef(chunk) {
                    lookup(.tenancyRef, ref)
                }
            } else if hasDigit {
                flushPhone()
                ringCount = 0
                if let ref = ScanNormal.tenancyRef(chunk) { lookup(.tenancyRef, ref) }
                let c = chunk.count
                if c >= 5 && c <= 7 && ScanNormal.isOutward(UnsafeRawBufferPointer(rebasing: chunk[..<(c - 3)]))
                    && ScanNormal.isInward(UnsafeRawBufferPointer(rebasing: chunk[(c - 3)...])) {
                    postcodes.append((chunk.map(upperASCII), wordEnds.count))
                } else if ScanNormal.isOutward(chunk) {
                    outward = (s, e, chunkNumber)
                } else if ScanNormal.isInward(chunk), let o = outward, o.chunk == chunkNumber - 1 {
                    postcodes.append((p[o.start..<o.end].map(upperASCII) + chunk.map(upperASCII), wordEnds.count))
                }
            } else {
                flushPhone()
                words(chunk)
            }
        }
        flushPhone()
    }

    /// Splits a chunk of letters and joiners into words: phrases are checked, and words of two letters
    /// or more are kept as name candidates.
    private mutating func words(_ chunk: UnsafeRawBufferPointer) {
        let n = chunk.count
        var i = 0
        word.removeAll(keepingCapacity: true)
        while i <= n {
            let b: UInt8 = i < n ? chunk[i] : 0x20
            if b == 0x27 { i += 1; continue }
            if b == 0xE2 && i + 2 < n && chunk[i + 1] == 0x80 && chunk[i + 2] == 0x99 { i += 3; continue }
            if b >= 0x80 || isUpperOrLowerLetter(b) {
                word.append(lowerASCII(b))
            } else if !word.isEmpty {
                endWord()
                word.removeAll(keepingCapacity: true)
            }
            i += 1
        }
    }

    private mutating func endWord() {
        let hash = ScanNormal.wordHash(word)
        ring[ringCount & 15] = hash
        ringCount += 1
        if terms.mayEndPhrase(hash) {
            for length in terms.lengths where length <= min(ringCount, 16) {
                var h: UInt64 = 0x5175
                for k in stride(from: length - 1, through: 0, by: -1) { h = ScanNormal.phraseStep(h, ring[(ringCount - 1 - k) & 15]) }
                if let attribute = terms.phrases[h] {
                    findings.special.insert(attribute)
                    break
                }
            }
        }
        if word.count >= 2 {
            wordBytes.append(contentsOf: word)
            wordEnds.append(wordBytes.count)
        }
    }

    // MARK: - Phones

    private mutating func addPhoneGroup(_ chunk: UnsafeRawBufferPointer, plus: Bool) {
        guard phoneGroups.count < 8 else { flushPhone(); return addPhoneGroup(chunk, plus: plus) }
        for b in chunk where isDigit(b) { phoneDigits.append(b) }
        phoneGroups.append((phoneDigits.count, plus))
    }

    /// Finds UK numbers in the gathered groups: the shortest run of whole groups from each start that forms one.
    private mutating func flushPhone() {
        guard !phoneGroups.isEmpty else { return }
        defer {
            phoneDigits.removeAll(keepingCapacity: true)
            phoneGroups.removeAll(keepingCapacity: true)
        }
        if phoneDigits.count < 10 { return }
        var a = 0
        while a < phoneGroups.count {
            let from = a == 0 ? 0 : phoneGroups[a - 1].end
            var next = a + 1
            for b in a..<phoneGroups.count {
                let count = phoneGroups[b].end - from
                if count > 14 { break }
                if count >= 10, let phone = ScanNormal.ukPhone(digits: phoneDigits[from..<phoneGroups[b].end], international: phoneGroups[a].plus) {
                    lookup(.phone, phone)
                    next = b + 1
                    break
                }
            }
            a = next
        }
    }

    // MARK: - Register lookups

    private mutating func lookup(_ kind: IndexKind, _ value: [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(kind.rawValue)
        scratch.append(contentsOf: value)
        lookup(kind)
    }

    /// Looks up the tag of `scratch` (kind byte and value).
    private mutating func lookup(_ kind: IndexKind) {
        var tag = scratch.withUnsafeBytes { index.key.hash($0) }
        if tag == 0 { tag = 1 }
        guard let owner = index.owner(of: tag) else { return }
        findings.personal.insert(kind.category)
        if owner == ScanIndex.ambiguous { findings.ambiguousMatch = true } else { findings.matched(owner) }
    }
}

extension IndexKind {
    var category: PersonalCategory {
        switch self {
        case .email: .email
        case .phone: .phone
        case .tenancyRef: .tenancyRef
        case .namePostcode: .namePostcode
        }
    }
}

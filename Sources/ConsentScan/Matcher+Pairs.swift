/// Names paired with what identifies a tenant besides a postcode: a date of birth (`14/03/1985`,
/// `14 March 1985`, `1985-03-14`), or a house number and street (`12 Mill Lane`, so an address without
/// its postcode still counts). Found while a cell is read, paired with the record's capitalised words
/// when the record ends.
extension Matcher {
    /// Bytes kept per date or address found.
    static let extraStride = 48

    /// Header names of a date-of-birth column (its numbers may be Excel dates).
    static let birthDateHeaders: Set<UInt64> = Set(["date of birth", "date-of-birth", "dob", "d.o.b", "d.o.b.", "birth date", "birthdate", "born", "birthday"]
        .map(ScanNormal.phraseHash))

    /// A chunk of digits (with `/ - .` between them): a day, a year ending a written date, a house number,
    /// or a whole date.
    mutating func number(_ chunk: UnsafeRawBufferPointer, _ at: Int) {
        let n = chunk.count
        if n <= 4 {
            var value = 0
            for b in chunk {
                guard isDigit(b) else { return }
                value = value * 10 + Int(b - 0x30)
            }
            if n == 4 && monthChunk == at - 1 && (dayChunk == at - 2 || dayChunk == at - 3) {
                if let date = ScanNormal.date(year: value, month: monthNumber, day: dayNumber) { addExtra(.nameBirthDate, date) }
            }
            if n <= 2 && value >= 1 && value <= 31 { (dayNumber, dayChunk) = (value, at) }
            if chunk[0] != 0x30 { keepHouse(chunk, at) }
            return
        }
        if n >= 6 && n <= 10 && (isDateJoiner(chunk[1]) || isDateJoiner(chunk[2]) || isDateJoiner(chunk[4])),
           let date = ScanNormal.dateChunk(chunk) {
            addExtra(.nameBirthDate, date)
        }
    }

    /// A chunk of digits and letters: `12A` (a house number), `14th` (a day), `14-Mar-1985` (a date).
    mutating func mixedNumber(_ chunk: UnsafeRawBufferPointer, _ at: Int) {
        let n = chunk.count
        guard n >= 2 && n <= 11, isDigit(chunk[0]) else { return }
        var digits = 0, value = 0
        while digits < n, isDigit(chunk[digits]) { value = value * 10 + Int(chunk[digits] - 0x30); digits += 1 }
        if n - digits == 1 && digits <= 4 && isUpperOrLowerLetter(chunk[digits]) && chunk[0] != 0x30 {
            keepHouse(chunk, at)
        } else if n - digits == 2 && digits <= 2 && value >= 1 && value <= 31 && isUpperOrLowerLetter(chunk[digits]) {
            (dayNumber, dayChunk) = (value, at)
        } else if n >= 9, let date = ScanNormal.dateChunk(chunk) {
            addExtra(.nameBirthDate, date)
        }
    }

    @inline(__always)
    private func isDateJoiner(_ b: UInt8) -> Bool { b == 0x2F || b == 0x2D || b == 0x2E }

    private mutating func keepHouse(_ chunk: UnsafeRawBufferPointer, _ at: Int) {
        var packed: UInt64 = 0
        for (k, b) in chunk.prefix(5).enumerated() { packed |= UInt64(lowerASCII(b)) << UInt64(8 * k) }
        house = (packed, min(chunk.count, 5), at)
    }

    /// The letters right after a number: a street after a house number, a month after a day.
    mutating func afterNumber(_ chunk: UnsafeRawBufferPointer, _ at: Int) {
        guard extraCount < Workspace.maxExtras else { return }
        let out = extras + extraCount * Self.extraStride
        // The first word, lower-cased, apostrophes dropped, as ScanNormal.firstWord does.
        var length = 0
        var i = 0
        let n = chunk.count
        while i < n, length < 32 {
            let b = chunk[i]
            if b == 0x27 { i += 1; continue }
            if b == 0xE2, i + 2 < n, chunk[i + 1] == 0x80, chunk[i + 2] == 0x99 { i += 3; continue }
            guard b >= 0x80 || isUpperOrLowerLetter(b) else { break }
            out[8 + length] = lowerASCII(b)
            length += 1
            i += 1
        }
        guard length > 0 else { return }
        if dayChunk >= at - 2, let month = ScanNormal.month(UnsafeBufferPointer(start: out + 8, count: length)) {
            (monthNumber, monthChunk) = (month, at)
        }
        if house.chunk == at - 1 {
            // number, 0, street: moved into place before the word.
            for k in 0..<length { out[house.length + 1 + k] = out[8 + k] }
            for k in 0..<house.length { out[k] = UInt8(truncatingIfNeeded: house.bytes >> UInt64(8 * k)) }
            out[house.length] = 0
            commitExtra(.nameAddress, length: house.length + 1 + length)
        }
    }

    /// Keeps a date (or other value) to pair with the record's names.
    mutating func addExtra(_ kind: IndexKind, _ value: [UInt8]) {
        guard extraCount < Workspace.maxExtras, value.count <= Self.extraStride else { return }
        (extras + extraCount * Self.extraStride).update(from: value, count: value.count)
        commitExtra(kind, length: value.count)
    }

    private mutating func commitExtra(_ kind: IndexKind, length: Int) {
        extraKinds[extraCount] = kind.rawValue
        extraLengths[extraCount] = UInt8(length)
        extraPositions[extraCount] = wordTotal
        extraCount += 1
    }

    /// Pairs the record's capitalised words with its dates and, when the record has no postcode (which
    /// pairs with names already), its house numbers and streets.
    mutating func pairExtras() {
        for e in 0..<extraCount where wordCount > 0 {
            guard let kind = IndexKind(rawValue: extraKinds[e]) else { continue }
            if kind == .nameAddress && postcodeCount > 0 { continue }
            let (before, after) = kind == .nameAddress ? (12, 3) : (Self.wordsBefore, Self.wordsAfter)
            let position = extraPositions[e]
            let lo = max(0, position - before), hi = min(wordTotal, position + after)
            guard lo < hi else { continue }
            let value = extras + e * Self.extraStride
            let valueLength = Int(extraLengths[e])
            for i in 0..<wordCount {
                let at = Int(wordPositions[i])
                if at < lo { continue }
                if at >= hi { break }
                let start = i == 0 ? 0 : Int(wordEnds[i - 1])
                let length = Int(wordEnds[i]) - start
                scratch[0] = kind.rawValue
                (scratch + 1).update(from: wordBytes + start, count: length)
                scratch[1 + length] = 0
                (scratch + 2 + length).update(from: value, count: valueLength)
                lookup(kind, count: 2 + length + valueLength)
            }
        }
    }
}

/// Rows of cells from spreadsheets and tables (XLSX, ODS, HTML).
extension Matcher {
    struct Cell {
        var column: Int
        var value: String
        /// A number cell: a phone typed into one has lost its leading zero, a date is a day number.
        var numeric: Bool
    }

    /// One row: the first rows may name the columns; then each cell is scanned and the record ends.
    mutating func row(_ cells: [Cell], mayBeHeader: Bool) {
        if mayBeHeader, let last = cells.map(\.column).max(), last < 16_384 {
            var names = [String](repeating: "", count: last + 1)
            for c in cells { names[c.column] = c.value }
            header(names)
        }
        for c in cells {
            cell(c.value, column: c.column)
            if c.numeric { numericCell(c.value, column: c.column) }
        }
        endRecord()
    }

    /// What a number cell may also mean: `7700900123` is a phone that lost its leading zero, and a
    /// whole number under a date-of-birth header is an Excel date.
    mutating func numericCell(_ value: String, column: Int) {
        let bytes = value.utf8
        if bytes.count == 10, bytes.allSatisfy(isDigit), value.first != "0" {
            cell("0" + value, column: -1)
        }
        if dateColumns.contains(column), let serial = Double(value), let date = ScanNormal.excelDate(serial: Int(serial)) {
            addExtra(.nameBirthDate, date)
        }
    }
}

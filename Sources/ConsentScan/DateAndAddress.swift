/// Normal forms of dates of birth and address lines, shared by the index and the scan.
extension ScanNormal {
    /// A date as eight digits, `YYYYMMDD`, or nil when the parts are not a calendar date.
    static func date(year: Int, month: Int, day: Int) -> [UInt8]? {
        guard (1900...2099).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        // Written digit by digit: this runs for every date in a scan and every tenant of an index build.
        let digit = { (value: Int) in UInt8(truncatingIfNeeded: 0x30 + value) }
        return [digit(year / 1000), digit(year / 100 % 10), digit(year / 10 % 10), digit(year % 10),
                digit(month / 10), digit(month % 10), digit(day / 10), digit(day % 10)]
    }

    /// A stored date of birth (`1985-03-14`) in normal form.
    public static func birthDate(_ text: String) -> [UInt8]? {
        var stored = text
        // The stored form, read in place: the index build meets it once for every tenant.
        if let date = stored.withUTF8({ $0.count == 10 && $0[4] == 0x2D && $0[7] == 0x2D ? dateChunk(UnsafeRawBufferPointer($0)) : nil }) {
            return date
        }
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." || $0 == " " }).map(String.init)
        guard parts.count == 3 else { return nil }
        return Array(parts.joined(separator: "-").utf8).withUnsafeBytes { dateChunk($0) }
    }

    /// The date a chunk written with separators means: `14/03/1985`, `14.3.85`, `1985-03-14`, `14-Mar-1985`.
    /// Day before month, as in the UK, unless only the other order makes a date (`03/14/1985`); a two-digit
    /// year is 20YY below 30, else 19YY.
    static func dateChunk(_ chunk: UnsafeRawBufferPointer) -> [UInt8]? {
        guard (6...11).contains(chunk.count) else { return nil }
        // Three parts at most, kept in locals: no arrays on this path, which runs for every date-like chunk.
        var parts = (0, 0, 0), lengths = (0, 0, 0), count = 0
        var value = 0, length = 0
        var letters: UInt64 = 0, letterCount = 0
        func keep(_ part: Int, _ partLength: Int) -> Bool {
            switch count {
            case 0: (parts.0, lengths.0) = (part, partLength)
            case 1: (parts.1, lengths.1) = (part, partLength)
            case 2: (parts.2, lengths.2) = (part, partLength)
            default: return false
            }
            count += 1
            return true
        }
        for i in 0...chunk.count {
            let b: UInt8 = i < chunk.count ? chunk[i] : 0x2F
            if isDigit(b) {
                guard letterCount == 0 else { return nil }
                value = value * 10 + Int(b - 0x30)
                length += 1
            } else if isUpperOrLowerLetter(b) {
                guard length == 0, letterCount < 8 else { return nil }
                letters |= UInt64(lowerASCII(b)) << UInt64(8 * letterCount)
                letterCount += 1
            } else if b == 0x2F || b == 0x2D || b == 0x2E {
                if letterCount > 0 {
                    let named = withUnsafeBytes(of: letters) { month(UnsafeRawBufferPointer(rebasing: $0[..<letterCount])) }
                    guard count == 1, let named, keep(named, 2) else { return nil }
                } else {
                    guard length > 0, keep(value, length) else { return nil }
                }
                value = 0
                length = 0
                letters = 0
                letterCount = 0
            } else {
                return nil
            }
        }
        guard count == 3 else { return nil }
        if lengths.0 == 4 { return date(year: parts.0, month: parts.1, day: parts.2) }
        guard lengths.2 == 4 || lengths.2 == 2, lengths.0 <= 2, lengths.1 <= 2 else { return nil }
        let year = lengths.2 == 4 ? parts.2 : parts.2 < 30 ? 2000 + parts.2 : 1900 + parts.2
        if parts.1 > 12 && parts.0 <= 12 { return date(year: year, month: parts.0, day: parts.1) }
        return date(year: year, month: parts.1, day: parts.0)
    }

    /// The months' names, lower-cased, as bytes.
    private static let monthNames: [[UInt8]] = ["january", "february", "march", "april", "may", "june", "july", "august",
                                                "september", "october", "november", "december"].map { Array($0.utf8) }

    /// The month a word names (`Mar`, `March`, `sept`), lower-cased letters in.
    static func month(_ letters: some Collection<UInt8>) -> Int? {
        guard (3...9).contains(letters.count) else { return nil }
        for (i, name) in monthNames.enumerated() where letters.count <= name.count && name.starts(with: letters) {
            return i + 1
        }
        return nil
    }

    /// An Excel serial day number (days after 30 December 1899) as a date in normal form.
    static func excelDate(serial: Int) -> [UInt8]? {
        guard (1...80_000).contains(serial) else { return nil }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = serial - 25_569 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return date(year: year, month: month, day: day)
    }

    /// The address line's key: its first house number (`12`, `12a`; one to four digits and at most one
    /// letter) and the first word after it (`12 Mill Lane` → `12`, `mill`). Nil when it has no number.
    public static func addressKey(_ text: String) -> (number: [UInt8], street: [UInt8])? {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            // A chunk: the bytes between separators, as the scanner splits them.
            while i < bytes.count, ByteClass.table[Int(bytes[i])] == .separator { i += 1 }
            let start = i
            while i < bytes.count, ByteClass.table[Int(bytes[i])] != .separator { i += 1 }
            guard let number = houseNumber(bytes[start..<i]) else { continue }
            while i < bytes.count, ByteClass.table[Int(bytes[i])] == .separator { i += 1 }
            let street = firstWord(bytes[i...])
            return street.isEmpty ? nil : (number, street)
        }
        return nil
    }

    /// A house number chunk (`12`, `12A`), lower-cased.
    static func houseNumber(_ chunk: ArraySlice<UInt8>) -> [UInt8]? {
        let digits = chunk.prefix(while: isDigit)
        guard (1...4).contains(digits.count), digits.first != 0x30 else { return nil }
        let rest = chunk.dropFirst(digits.count)
        guard rest.isEmpty || rest.count == 1 && isUpperOrLowerLetter(rest[rest.startIndex]) else { return nil }
        return chunk.map(lowerASCII)
    }

    /// The first word of text that starts with a letter (apostrophes dropped, lower-cased), or empty.
    static func firstWord(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var word: [UInt8] = []
        var i = text.startIndex
        while i < text.endIndex, word.count < 32 {
            let b = text[i]
            if b == 0x27 { i += 1; continue }
            if b == 0xE2, i + 2 < text.endIndex, text[i + 1] == 0x80, text[i + 2] == 0x99 { i += 3; continue }
            guard b >= 0x80 || isUpperOrLowerLetter(b) else { break }
            word.append(lowerASCII(b))
            i += 1
        }
        return word
    }
}

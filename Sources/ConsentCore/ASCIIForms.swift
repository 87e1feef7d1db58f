/// The normal forms of phone numbers, email addresses, postcodes, dates and tenancy references for ASCII text,
/// byte by byte.
///
/// Nearly every value typed at the desk or read from a housing system's register is ASCII; these give
/// exactly what the character-by-character forms give (`ValidatorASCIIFormTests` checks every ASCII
/// character and random text against them) without building characters, Foundation strings or a
/// regular expression match for each value. Text that is not ASCII takes the character forms.
extension Validator {
    /// Whether every byte of `text` is ASCII.
    static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// An ASCII byte ``TextSafety/isForbidden(_:)`` refuses and white-space folding does not remove: a C0
    /// control other than tab and line breaks, or DEL.
    static func isForbiddenASCII(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F
    }

    /// ``ukPhone(_:)`` for ASCII text.
    static func ukPhoneASCII(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            // "(0)", as in "+44 (0)7700", goes first and whole; then spaces, dashes, brackets and dots.
            if byte == UInt8(ascii: "("), index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "0"),
               bytes[index + 2] == UInt8(ascii: ")") {
                index += 3
                continue
            }
            if !Self.phoneSeparators.contains(byte) { kept.append(byte) }
            index += 1
        }
        var national: ArraySlice<UInt8> = kept[...]
        if national.starts(with: "+44".utf8) {
            national = national.dropFirst(2)
            national[national.startIndex] = UInt8(ascii: "0")
        } else if national.starts(with: "0044".utf8) {
            national = national.dropFirst(3)
            national[national.startIndex] = UInt8(ascii: "0")
        }
        guard (10...11).contains(national.count), national.first == UInt8(ascii: "0"),
              national.dropFirst().first != UInt8(ascii: "0"), national.allSatisfy(isDigit)
        else { return nil }
        return String(decoding: national, as: UTF8.self)
    }

    private static let phoneSeparators: Set<UInt8> = Set(" -().".utf8)

    /// ``email(_:)`` for ASCII text.
    static func emailASCII(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), !bytes[(at + 1)...].contains(UInt8(ascii: "@"))
        else { return nil }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...].map(lowercased)
        guard !local.isEmpty, local.count <= 64, local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
              !zip(local, local.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }),
              !local.contains(where: { isWhitespace($0) || Self.notInLocalPart.contains($0) })
        else { return nil }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
        }), let tld = labels.last, tld.count >= 2, !tld.allSatisfy(isDigit)
        else { return nil }
        return String(decoding: local, as: UTF8.self) + "@" + String(decoding: domain, as: UTF8.self)
    }

    private static let notInLocalPart: Set<UInt8> = Set("<>()[],;:\\\"".utf8)

    /// ``ukPostcode(_:)`` for ASCII text: the same grammar as its regular expression, letter by letter.
    static func ukPostcodeASCII(_ text: String) -> String? {
        let compact = text.utf8.filter { $0 != UInt8(ascii: " ") }.map(uppercased)
        guard (5...7).contains(compact.count) else { return nil }
        let outward = compact.dropLast(3), inward = compact.suffix(3)
        let formatted = String(decoding: outward, as: UTF8.self) + " " + String(decoding: inward, as: UTF8.self)
        if formatted == "GIR 0AA" { return formatted }
        guard isOutwardCode(outward), isDigit(inward[inward.startIndex]),
              inward.dropFirst().allSatisfy({ isUpper($0) && !Self.notInUnit.contains($0) })
        else { return nil }
        return formatted
    }

    /// Letters the inward code's unit never uses.
    private static let notInUnit: Set<UInt8> = Set("CIKMOV".utf8)

    /// `[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-Z]?`: the area (one or two letters) and the district.
    private static func isOutwardCode(_ code: ArraySlice<UInt8>) -> Bool {
        guard let first = code.first, isUpper(first), !"QVX".utf8.contains(first) else { return false }
        let rest = code.dropFirst()
        func isDistrict(_ part: ArraySlice<UInt8>) -> Bool {
            guard let digit = part.first, isDigit(digit) else { return false }
            let tail = part.dropFirst()
            return tail.isEmpty || (tail.count == 1 && tail.allSatisfy { isDigit($0) || isUpper($0) })
        }
        if let second = rest.first, isUpper(second), !"IJZ".utf8.contains(second), isDistrict(rest.dropFirst()) {
            return true
        }
        return isDistrict(rest)
    }

    /// ``date(_:)`` for ASCII text.
    static func dateASCII(_ text: String) -> String? {
        let parts = Array(text.utf8).split(whereSeparator: { Self.dateSeparators.contains($0) })
        guard parts.count == 3, parts.allSatisfy({ $0.allSatisfy(isDigit) }), parts[0].count == 4 || parts[2].count == 4
        else { return nil }
        return isoDate(yearFirst: parts[0].count == 4, number(parts[0]), number(parts[1]), number(parts[2]))
    }

    private static let dateSeparators: Set<UInt8> = Set("-/. ".utf8)

    /// The number ASCII digits spell, nil when it does not fit an `Int` (as `Int(String)` reads them).
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(Int(digit - 0x30))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// A tenancy reference's trimming and capitals for ASCII text: tabs and spaces off both ends (the ASCII part of
    /// Foundation's `.whitespaces`), letters in capitals.
    static func trimmedUppercaseASCII(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let kept = bytes.drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed().drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed()
        return String(decoding: kept.map(uppercased), as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    private static func isUpper(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) }
    private static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (0x61...0x7A).contains(byte) }
    /// ASCII's Unicode white space: tab, line feed, vertical tab, form feed, carriage return and space.
    private static func isWhitespace(_ byte: UInt8) -> Bool { (0x09...0x0D).contains(byte) || byte == 0x20 }
    private static func lowercased(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte + 0x20 : byte }
    private static func uppercased(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte - 0x20 : byte }
}

/// Byte-level building blocks of the scanner: character classes and the normal forms that the index
/// and the scan must agree on. Everything works on UTF-8 bytes; no `String` per character.
///
/// The raw values are bits, so a loop over a chunk can gather what it holds with one OR a byte.
enum ByteClass: UInt8 {
    /// Ends a chunk: white space, quotes, brackets, `,;:|<>=` and the like.
    case separator = 0
    /// `A-Z`, `a-z` and every byte of a non-ASCII character.
    case letter = 1
    case digit = 2
    case at = 4
    /// Kept inside a chunk: `. - _ + / ' % &`.
    case joiner = 8

    static let table: [ByteClass] = (0...255).map { (b: Int) -> ByteClass in
        switch b {
        case 0x30...0x39: .digit
        case 0x41...0x5A, 0x61...0x7A, 0x80...0xFF: .letter
        case 0x40: .at
        case 0x2E, 0x2D, 0x5F, 0x2B, 0x2F, 0x27, 0x25, 0x26: .joiner
        default: .separator
        }
    }
}

@inline(__always) func lowerASCII(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }
@inline(__always) func upperASCII(_ b: UInt8) -> UInt8 { b &- 0x61 < 26 ? b & 0xDF : b }
@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
@inline(__always) func isUpperOrLowerLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

/// What the index holds a tag of; the kind byte is hashed first, so equal text of two kinds never collides.
public enum IndexKind: UInt8, Sendable {
    case email = 0x45        // E
    case phone = 0x50        // P
    case tenancyRef = 0x52   // R
    case namePostcode = 0x4E // N
    case nameAddress = 0x41  // A
    case nameBirthDate = 0x44 // D
}

/// The normal forms both sides use. Pure functions over bytes.
public enum ScanNormal {
    /// Lower-cased email, or nil when `bytes` is not shaped like one (one `@`, a dotted domain).
    public static func email(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var ats = 0, atIndex = 0, dotAfterAt = false
        for b in bytes {
            if b == 0x40 { ats += 1; atIndex = out.count } else if b == 0x2E && ats == 1 && out.count > atIndex + 1 { dotAfterAt = true }
            out.append(lowerASCII(b))
        }
        // Trailing dots and hyphens are sentence punctuation, not part of the address.
        while let last = out.last, last == 0x2E || last == 0x2D { out.removeLast() }
        guard ats == 1, atIndex > 0, dotAfterAt, out.count > atIndex + 3, out.last != 0x40 else { return nil }
        return out
    }

    /// A UK number in national form (`07700900123`) from its digits; `international` when it was written with `+`.
    /// `+44 (0)7700 900123`, `0044 7700 900123` and `07700-900-123` all give the same digits.
    public static func ukPhone(digits: some Collection<UInt8>, international: Bool) -> [UInt8]? {
        var d = Array(digits)
        if international || (d.count > 4 && d[0] == 0x30 && d[1] == 0x30) {
            if !international { d.removeFirst(2) }
            guard d.count > 2, d[0] == 0x34, d[1] == 0x34 else { return nil }
            d.removeFirst(2)
            if d.first == 0x30 { d.removeFirst() }
            d.insert(0x30, at: 0)
        }
        guard (10...11).contains(d.count), d[0] == 0x30, d[1] != 0x30 else { return nil }
        return d
    }

    /// A UK number whose leading 0 a spreadsheet dropped (`7700900123`, a phone column Excel saved as
    /// numbers): ten digits starting 7 (mobile) or 1 or 2 (geographic), in national form; else nil.
    public static func ukPhone(droppedZero digits: some Collection<UInt8>) -> [UInt8]? {
        guard digits.count == 10, let first = digits.first, first == 0x31 || first == 0x32 || first == 0x37 else { return nil }
        return ukPhone(digits: [0x30] + Array(digits), international: false)
    }

    /// The phone normal form of a stored value (`07700 900123`, `+447700900123`), or nil.
    public static func ukPhone(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ isDigit($0) || " -().+".utf8.contains($0) }) else { return nil }
        return ukPhone(digits: bytes.filter(isDigit), international: bytes.first == 0x2B)
    }

    /// A tenancy reference in upper case, or nil: 3 to 20 of `A-Z 0-9 / -` with at least one digit.
    public static func tenancyRef(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        guard (3...20).contains(bytes.count), bytes.contains(where: isDigit),
              bytes.allSatisfy({ isDigit($0) || isUpperOrLowerLetter($0) || $0 == 0x2F || $0 == 0x2D })
        else { return nil }
        return bytes.map(upperASCII)
    }

    /// Whether `b` (upper case, no space) is a UK outward code: `A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`.
    static func isOutward(_ b: UnsafeRawBufferPointer) -> Bool {
        let n = b.count
        guard (2...4).contains(n), isUpperOrLowerLetter(b[0]) else { return false }
        var i = 1
        if isUpperOrLowerLetter(b[1]) { i = 2 }
        guard i < n, isDigit(b[i]) else { return false }
        i += 1
        if i < n { guard isDigit(b[i]) || isUpperOrLowerLetter(b[i]) else { return false }; i += 1 }
        return i == n
    }

    /// Whether `b` is a UK inward code: a digit and two letters.
    static func isInward(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count == 3 && isDigit(b[0]) && isUpperOrLowerLetter(b[1]) && isUpperOrLowerLetter(b[2])
    }

    /// A postcode without its space, upper-cased (`SW1A1AA`), or nil.
    public static func postcode(_ text: String) -> [UInt8]? {
        let compact = Array(text.utf8.filter { $0 != 0x20 }).map(upperASCII)
        guard (5...7).contains(compact.count) else { return nil }
        let ok = compact.withUnsafeBytes { b in
            isOutward(UnsafeRawBufferPointer(rebasing: b[..<(b.count - 3)])) && isInward(UnsafeRawBufferPointer(rebasing: b[(b.count - 3)...]))
        }
        return ok ? compact : nil
    }

    /// The words of `text` as the scanner sees them: runs of letters, lower-cased, apostrophes dropped
    /// (`O'Brien` and `O’Brien` are both `obrien`), split at hyphens and everything else.
    public static func words(_ text: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var bytes = Array(text.utf8)
        bytes.append(0x20)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if isApostrophe(bytes, i) {
                i += b == 0x27 ? 1 : 3
                continue
            }
            if ByteClass.table[Int(b)] == .letter {
                current.append(lowerASCII(b))
            } else if !current.isEmpty {
                result.append(current)
                current.removeAll()
            }
            i += 1
        }
        return result
    }

    /// Whether an apostrophe (`'` or U+2019) starts at `i`.
    @inline(__always)
    static func isApostrophe(_ bytes: [UInt8], _ i: Int) -> Bool {
        bytes[i] == 0x27 || (bytes[i] == 0xE2 && i + 2 < bytes.count && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x99)
    }

    static let fnvBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x100_0000_01b3
    static let phraseSeed: UInt64 = 0x5175

    /// FNV-1a of one word's bytes: the scanner's (unkeyed) hash for matching phrases of public terms.
    @inline(__always)
    static func wordHash(_ word: some Sequence<UInt8>) -> UInt64 {
        var h = fnvBasis
        for b in word { h = (h ^ UInt64(b)) &* fnvPrime }
        return h
    }

    /// Folds word hashes into one phrase hash; order matters.
    @inline(__always)
    static func phraseStep(_ h: UInt64, _ word: UInt64) -> UInt64 {
        var x = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return x
    }

    /// The phrase hash of a whole text (its words in order); 0 when it has none.
    public static func phraseHash(_ text: String) -> UInt64 {
        let w = words(text)
        guard !w.isEmpty else { return 0 }
        return w.reduce(phraseSeed) { phraseStep($0, wordHash($1)) }
    }
}

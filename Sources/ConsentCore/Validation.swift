import Foundation

/// Why a value was refused. Each case has a translation key (`validation.<key>`) for tenants and
/// an English description for staff tools.
public enum ValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    case required
    case tooLong(max: Int)
    case phone, email, postcode, date, dateFuture, choice
    case pattern
    /// Control characters, bidi overrides or a byte-order mark.
    case control
    case unknownAttribute(AttributeID)
    case preferNotToSayNotOffered

    /// The key under `validation.` in Localization/.
    public var messageKey: String {
        switch self {
        case .required: "validation.required"
        case .tooLong: "validation.too-long"
        case .phone: "validation.phone"
        case .email: "validation.email"
        case .postcode: "validation.postcode"
        case .date: "validation.date"
        case .dateFuture: "validation.date-future"
        case .choice, .preferNotToSayNotOffered: "validation.choice"
        case .pattern: "validation.pattern"
        case .control, .unknownAttribute: "validation.control"
        }
    }

    public var description: String {
        switch self {
        case .required: "a value is required"
        case .tooLong(let max): "too long (at most \(max) characters)"
        case .phone: "not a UK phone number (digits, starting 0 or +44)"
        case .email: "not an email address (name@example.org)"
        case .postcode: "not a UK postcode (like SW1A 1AA)"
        case .date: "not a date that exists (use YYYY-MM-DD or DD/MM/YYYY)"
        case .dateFuture: "a date in the future"
        case .choice: "not one of the allowed choices"
        case .pattern: "does not have the form this field requires"
        case .control: "contains control characters, bidi overrides or a byte-order mark"
        case .unknownAttribute(let id): "no attribute '\(id)' in Forms/"
        case .preferNotToSayNotOffered: "'prefer not to say' is not offered for this attribute"
        }
    }
}

/// Checks and normalises values by the rules of `Forms/`. Build one per catalogue: it compiles
/// each attribute's pattern once.
public struct Validator: Sendable {
    public let catalogue: Catalogue
    private let patterns: [AttributeID: Pattern]
    private let referencePattern: Pattern

    /// Compiles the catalogue's patterns; throws the first that is not a valid regular expression.
    public init(catalogue: Catalogue) throws {
        self.catalogue = catalogue
        var patterns: [AttributeID: Pattern] = [:]
        for attribute in catalogue.attributes {
            if let source = attribute.pattern { patterns[attribute.id] = try Pattern(source) }
        }
        self.patterns = patterns
        referencePattern = try Pattern(catalogue.tenancyReferencePattern)
    }

    /// The normal form of a tenancy reference, or nil when it is not one.
    public func tenancyReference(_ raw: String) -> TenantRef? {
        let text = Self.isASCII(raw) ? Self.trimmedUppercaseASCII(raw) : raw.trimmingCharacters(in: .whitespaces).uppercased()
        guard !TextSafety.hasForbiddenCharacter(text), referencePattern.matches(text) else { return nil }
        return TenantRef(text)
    }

    /// The normal form of `raw` for `attribute`, or why it is refused.
    /// `today` bounds dates (a date of birth cannot be in the future).
    public func normalise(_ raw: String, for attribute: AttributeID, today: Date = Date()) -> Result<String, ValidationError> {
        guard let definition = catalogue.attribute(attribute) else { return .failure(.unknownAttribute(attribute)) }
        // Tabs and line breaks fold into spaces below; every other control character is refused.
        let ascii = Self.isASCII(raw)
        if ascii ? raw.utf8.contains(where: Self.isForbiddenASCII)
                 : raw.unicodeScalars.contains(where: { !"\t\n\r".unicodeScalars.contains($0) && TextSafety.isForbidden($0) }) {
            return .failure(.control)
        }
        let collapsed = Self.collapseWhitespace(raw)
        // Folding white space leaves no line break, so ASCII text has as many characters as bytes.
        let text = ascii ? collapsed : collapsed.precomposedStringWithCanonicalMapping
        guard !text.isEmpty else { return .failure(.required) }
        if ascii ? text.utf8.count > definition.maxLength
                 : text.count > definition.maxLength || text.unicodeScalars.count > definition.maxLength * 4 {
            return .failure(.tooLong(max: definition.maxLength))
        }
        let normal: String
        switch definition.type {
        case .text: normal = text
        case .phone:
            guard let phone = Self.ukPhone(text) else { return .failure(.phone) }
            normal = phone
        case .email:
            guard let email = Self.email(text) else { return .failure(.email) }
            normal = email
        case .ukPostcode:
            guard let postcode = Self.ukPostcode(text) else { return .failure(.postcode) }
            normal = postcode
        case .date:
            guard let date = Self.date(text) else { return .failure(.date) }
            if date > Self.isoDay(today) { return .failure(.dateFuture) }
            normal = date
        case .choice:
            guard let choice = definition.choices.first(where: { Self.sameIgnoringCase($0.id, text) })
            else { return .failure(.choice) }
            normal = choice.id
        }
        if let pattern = patterns[attribute], !pattern.matches(normal) { return .failure(.pattern) }
        return .success(normal)
    }

    /// Checks an answer: a value is normalised, "prefer not to say" must be offered.
    public func check(_ value: AttributeValue, for attribute: AttributeID, today: Date = Date()) -> Result<AttributeValue, ValidationError> {
        switch value {
        case .value(let raw):
            return normalise(raw, for: attribute, today: today).map { .value($0) }
        case .preferNotToSay:
            guard let definition = catalogue.attribute(attribute) else { return .failure(.unknownAttribute(attribute)) }
            return definition.offersPreferNotToSay ? .success(.preferNotToSay) : .failure(.preferNotToSayNotOffered)
        }
    }

    // MARK: - Normal forms (pure functions)

    /// Trims, and folds runs of white space (tabs and line breaks included) into one space.
    public static func collapseWhitespace(_ text: String) -> String {
        // Fast path: plain text with single inner spaces is already in normal form.
        var previousSpace = true
        var clean = true
        for byte in text.utf8 {
            if byte == 0x20 {
                if previousSpace { clean = false; break }
                previousSpace = true
            } else if byte < 0x20 || byte >= 0x80 {
                clean = false
                break
            } else {
                previousSpace = false
            }
        }
        if clean && !previousSpace { return text }
        return text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A UK phone number in national form (`07700900123`), from spaces, dashes, brackets, `+44` or `0044`.
    public static func ukPhone(_ text: String) -> String? {
        isASCII(text) ? ukPhoneASCII(text) : ukPhoneUnicode(text)
    }

    /// ``ukPhone(_:)`` by characters and Foundation, for text that is not ASCII.
    static func ukPhoneUnicode(_ text: String) -> String? {
        var s = text.replacingOccurrences(of: "(0)", with: "")
        s.removeAll { " -().".contains($0) }
        if s.hasPrefix("+44") { s = "0" + s.dropFirst(3) } else if s.hasPrefix("0044") { s = "0" + s.dropFirst(4) }
        guard s.hasPrefix("0"), (10...11).contains(s.count), s.allSatisfy({ $0.isASCII && $0.isNumber }),
              s.dropFirst().first != "0"
        else { return nil }
        return s
    }

    /// An email address with a lower-cased domain, or nil.
    public static func email(_ text: String) -> String? {
        isASCII(text) ? emailASCII(text) : emailUnicode(text)
    }

    /// ``email(_:)`` by characters, for text that is not ASCII (an international domain or name).
    static func emailUnicode(_ text: String) -> String? {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let local = parts[0], domain = parts[1].lowercased()
        guard !local.isEmpty, local.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."),
              !local.contains(".."), !local.contains(where: { $0.isWhitespace || "<>()[],;:\\\"".contains($0) })
        else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }), let tld = labels.last, tld.count >= 2, !tld.allSatisfy(\.isNumber)
        else { return nil }
        return "\(local)@\(domain)"
    }

    /// A UK postcode in its standard form (`SW1A 1AA`), or nil.
    public static func ukPostcode(_ text: String) -> String? {
        isASCII(text) ? ukPostcodeASCII(text) : ukPostcodeUnicode(text)
    }

    /// ``ukPostcode(_:)`` by characters and a regular expression, for text that is not ASCII.
    static func ukPostcodeUnicode(_ text: String) -> String? {
        let compact = text.uppercased().filter { $0 != " " }
        guard (5...7).contains(compact.count) else { return nil }
        let formatted = "\(compact.dropLast(3)) \(compact.suffix(3))"
        return postcodePattern.matches(formatted) ? formatted : nil
    }

    private static let postcodePattern: Pattern = {
        // Outward code: area (1–2 letters) and district; inward code: sector digit and unit letters
        // (the unit never uses C, I, K, M, O or V). GIR 0AA is the one historic exception.
        // The pattern is a constant, so compiling it cannot fail.
        try! Pattern("^(GIR 0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2})$")
    }()

    /// A date that exists, as `YYYY-MM-DD`, from `YYYY-MM-DD`, `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY` or
    /// `DD MM YYYY`; day and month may have one digit (`30.8.2001`), and separators may be mixed or
    /// surrounded by spaces. A two-digit year is refused: its century cannot be known.
    public static func date(_ text: String) -> String? {
        isASCII(text) ? dateASCII(text) : dateUnicode(text)
    }

    /// ``date(_:)`` by characters, for text that is not ASCII.
    static func dateUnicode(_ text: String) -> String? {
        let parts = text.split(whereSeparator: { "-/. ".contains($0) }).map(String.init)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              parts[0].count == 4 || parts[2].count == 4
        else { return nil }
        return isoDate(yearFirst: parts[0].count == 4, Int(parts[0]), Int(parts[1]), Int(parts[2]))
    }

    /// The date three numbers name, the year first or last (whichever was written with four digits), as
    /// `YYYY-MM-DD`; nil when one is missing or the date does not exist between 1900 and 2200.
    static func isoDate(yearFirst: Bool, _ first: Int?, _ second: Int?, _ third: Int?) -> String? {
        guard let year = yearFirst ? first : third, let month = second, let day = yearFirst ? third : first,
              (1900...2200).contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        return isoText(year, month, day)
    }

    /// `YYYY-MM-DD`, as `String(format: "%04d-%02d-%02d")` writes it, without its cost for the usual years (every
    /// imported date of birth comes through here).
    static func isoText(_ year: Int, _ month: Int, _ day: Int) -> String {
        guard (1000...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else {
            return String(format: "%04d-%02d-%02d", year, month, day)
        }
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// Whether `a` and `b` are equal ignoring case, as `caseInsensitiveCompare` decides; ASCII text (every choice id,
    /// the usual cell) is compared byte by byte, without Foundation's string comparison.
    static func sameIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.allSatisfy({ $0 < 0x80 }), b.utf8.allSatisfy({ $0 < 0x80 }) else {
            return a.caseInsensitiveCompare(b) == .orderedSame
        }
        guard a.utf8.count == b.utf8.count else { return false }
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }
        return zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }

    /// A stored `YYYY-MM-DD` date the way people type it here, `DD/MM/YYYY`; other text as it is.
    public static func typedDate(_ stored: String) -> String {
        let parts = stored.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              date(stored) == stored else { return stored }
        return "\(parts[2])/\(parts[1])/\(parts[0])"
    }

    /// A stored value the way it is typed into its box: a date as `DD/MM/YYYY`, anything else as stored.
    public static func typed(_ stored: String, as type: ValueType) -> String {
        type == .date ? typedDate(stored) : stored
    }

    /// Days in a month of the Gregorian calendar.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The start (midnight UTC) of the day `text` names, in any form ``date(_:)`` reads; nil when it names none.
    ///
    ///     Validator.dayStart("01/01/2020")  // 2020-01-01T00:00:00Z
    public static func dayStart(_ text: String) -> Date? {
        guard let iso = date(text) else { return nil }
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return Date(timeIntervalSince1970: Double(ChangeRules.daysFromCivil(parts[0], parts[1], parts[2])) * 86_400)
    }

    /// The UTC day of `date` as `YYYY-MM-DD` (civil-from-days; no calendar object needed).
    public static func isoDay(_ date: Date) -> String {
        let (y, m, d) = ChangeRules.civil(fromDays: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        return isoText(y, m, d)
    }
}

/// A compiled regular expression matched against a whole string.
public struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to share between threads.
    private let regex: NSRegularExpression
    public let source: String

    /// Compiles `source`; throws when it is not a valid regular expression.
    public init(_ source: String) throws {
        self.source = source
        regex = try NSRegularExpression(pattern: source)
    }

    /// Whether the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.firstMatch(in: text, options: [.anchored], range: range) else { return false }
        return match.range == range
    }
}

import Foundation

/// Why a file or the index could not be scanned; each says what to do.
public enum ScanError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The index file is not usable.
    case badIndex(String)
    /// The key file is not usable.
    case badKey(String)
    /// The input is damaged or not what its name says (a truncated XLSX, a mail with broken base64).
    case corrupt(format: String, reason: String)
    /// An archive would expand beyond the limits (a zip bomb, or simply too large to check).
    case tooLarge(String)
    /// A binary file of a kind the scanner cannot read.
    case unsupported(String)

    public var description: String {
        switch self {
        case .badIndex(let why): "cannot use the scan index: \(why)"
        case .badKey(let why): "cannot use the scan key: \(why)"
        case let .corrupt(format, reason): "not a readable \(format) file: \(reason); nothing was scanned, so treat it as blocked"
        case .tooLarge(let why): "refused: \(why); nothing was scanned, so treat it as blocked"
        case .unsupported(let why): "cannot scan: \(why)"
        }
    }
}

/// Kinds of personal data matched against the register.
public enum PersonalCategory: String, Codable, CaseIterable, Comparable, Sendable {
    case email
    case phone
    case tenancyRef = "tenancy-ref"
    case namePostcode = "name+postcode"
    /// A surname with the house number and street of the tenant's address (no postcode needed).
    case nameAddress = "name+address"
    /// A surname with the tenant's date of birth.
    case nameBirthDate = "name+date-of-birth"

    var bit: UInt8 {
        switch self {
        case .email: 1
        case .phone: 2
        case .tenancyRef: 4
        case .namePostcode: 8
        case .nameAddress: 16
        case .nameBirthDate: 32
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.sortKey < b.sortKey }
    private var sortKey: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// The scanner's judgement of one file.
public enum Verdict: String, Codable, Sendable {
    /// No tenant's data and no special category.
    case clean
    /// One tenant's data only (a letter to that tenant), no special category.
    case oneTenant = "one-tenant"
    /// More than one tenant's data, or any special-category value: do not send.
    case blocked
}

/// What was found in one file (attachments included).
public struct ScanReport: Codable, Equatable, Sendable {
    /// The file's name as given (`-` for standard input).
    public var file: String
    /// The format read (csv, xlsx, json, text, mail).
    public var format: String
    /// Distinct tenants whose data the file holds.
    public var tenants: Int
    /// Personal-data kinds matched against the register.
    public var personal: [PersonalCategory]
    /// Special-category attributes found (ids from Forms/, e.g. `religion`).
    public var special: [String]
    /// Parts that could not be read (name and why); their content is unknown, so they block the file
    /// unless the scan was told to allow them.
    public var unscanned: [String]
    public var verdict: Verdict
    /// Why, in words a sender understands (empty when clean).
    public var reason: String
}

/// The running findings of one file.
struct Findings {
    /// A bit per tenant number matched.
    var tenantBits: [UInt64] = []
    var tenantsMatched = 0
    var ambiguousMatch = false
    /// A bit per ``PersonalCategory`` matched.
    var personal: UInt8 = 0
    var special = Set<String>()
    var unscanned: [String] = []

    /// Shared tags found, by kind, for kinds of which a tenant has one tag at most.
    var ambiguousTags: [UInt8: Set<UInt64>] = [:]

    /// Distinct tenants, at least: those matched by a value only they hold; as many as the different shared
    /// values of one kind each tenant has once (fifty couples' surnames and postcodes are fifty households);
    /// one when only shared values matched.
    var tenantCount: Int {
        max(tenantsMatched, ambiguousTags.values.map(\.count).max() ?? 0, ambiguousMatch ? 1 : 0)
    }

    /// Lists a part not scanned, once when the same part comes again in a row (a picture in every row).
    mutating func notScanned(_ line: String) {
        if unscanned.last != line { unscanned.append(line) }
    }

    /// Adds the findings of content read apart (a file encoded inside this one).
    mutating func merge(_ other: Findings) {
        for (word, bits) in other.tenantBits.enumerated() where bits != 0 {
            if word >= tenantBits.count { tenantBits.append(contentsOf: repeatElement(0, count: word + 1 - tenantBits.count)) }
            tenantsMatched += (bits & ~tenantBits[word]).nonzeroBitCount
            tenantBits[word] |= bits
        }
        ambiguousMatch = ambiguousMatch || other.ambiguousMatch
        personal |= other.personal
        special.formUnion(other.special)
        unscanned += other.unscanned
        for (kind, tags) in other.ambiguousTags { ambiguousTags[kind, default: []].formUnion(tags) }
    }

    mutating func ambiguous(_ tag: UInt64, kind: UInt8, single: Bool) {
        ambiguousMatch = true
        if single { ambiguousTags[kind, default: []].insert(tag) }
    }

    @inline(__always)
    mutating func matched(_ tenant: UInt32) {
        let word = Int(tenant >> 6), bit = UInt64(1) << UInt64(tenant & 63)
        if word >= tenantBits.count { tenantBits.append(contentsOf: repeatElement(0, count: word + 1 - tenantBits.count)) }
        if tenantBits[word] & bit == 0 {
            tenantBits[word] |= bit
            tenantsMatched += 1
        }
    }

    func report(file: String, format: String, allowUnscanned: Bool) -> ScanReport {
        let count = tenantCount
        let unreadable = !unscanned.isEmpty && !allowUnscanned
        let verdict: Verdict = count > 1 || !special.isEmpty || unreadable ? .blocked : count == 1 ? .oneTenant : .clean
        let kinds = PersonalCategory.allCases.filter { personal & $0.bit != 0 }
        var reasons: [String] = []
        if count > 1 { reasons.append("it holds the personal data of \(count) tenants (\(kinds.map(\.rawValue).joined(separator: ", ")))") }
        if !special.isEmpty { reasons.append("it holds special-category data (\(special.sorted().joined(separator: ", ")))") }
        if unreadable { reasons.append("part of it could not be checked: \(unscanned.joined(separator: "; "))") }
        if reasons.isEmpty && count == 1 { reasons.append("it holds one tenant's data (\(kinds.map(\.rawValue).joined(separator: ", "))): send it to that tenant only") }
        return ScanReport(file: file, format: format, tenants: count, personal: kinds, special: special.sorted(),
                          unscanned: unscanned, verdict: verdict, reason: reasons.joined(separator: "; "))
    }
}

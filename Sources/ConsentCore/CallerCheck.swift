import Foundation

/// A check stronger than details a caller can read off the tenant's post, for a tenant with a
/// marker such as `safe-address` (`Forms/staff.yaml`, `verification.stronger`).
public enum StrongerCheck: String, CaseIterable, Codable, Sendable {
    /// A one-time code sent to the mobile on file, which the caller reads back.
    case oneTimeCode = "one-time-code"
    /// Staff ended the call and rang the number on file, and the tenant answered.
    case callBack = "call-back"
}

/// Who needs the stronger check and how it may be done (`Forms/staff.yaml`).
public struct StrongerCheckPolicy: Hashable, Sendable {
    /// Markers whose tenants need it (`vulnerable`, `safe-address`).
    public var markers: [String]
    /// The checks staff may use; at least one.
    public var methods: [StrongerCheck]
    /// The phone attribute a one-time code goes to (`mobile`).
    public var codeTo: AttributeID
    /// The phone attributes staff may call back, in order (`mobile`, `landline`).
    public var callBackTo: [AttributeID]
    public init(markers: [String], methods: [StrongerCheck], codeTo: AttributeID, callBackTo: [AttributeID]) {
        self.markers = markers
        self.methods = methods
        self.codeTo = codeTo
        self.callBackTo = callBackTo
    }
}

/// How a caller's identity was checked: which details they gave that match what is held, and the
/// stronger check when the tenant's markers ask for one.
public struct CallerCheck: Hashable, Sendable {
    /// The details asked for and given, in policy order.
    public var asked: [AttributeID]
    /// Those that matched, in policy order.
    public var matched: [AttributeID]
    public var required: Int
    /// The policy's details that are on the tenant's own post: never enough alone.
    public var onTenantPost: [AttributeID]
    /// The tenant has a marker that asks for a stronger check (a one-time code or a call-back).
    public var needsStronger: Bool
    /// The stronger check that passed on this call, if any.
    public var stronger: StrongerCheck?

    public init(
        asked: [AttributeID], matched: [AttributeID], required: Int,
        onTenantPost: [AttributeID] = [], needsStronger: Bool = false, stronger: StrongerCheck? = nil
    ) {
        self.asked = asked
        self.matched = matched
        self.required = required
        self.onTenantPost = onTenantPost
        self.needsStronger = needsStronger
        self.stronger = stronger
    }

    /// A call on which nothing was checked.
    public static func none(required: Int) -> CallerCheck { CallerCheck(asked: [], matched: [], required: required) }

    /// Enough details matched, and at least one of them is not on the tenant's post.
    public var detailsPassed: Bool {
        required > 0 && matched.count >= required && matched.contains { !onTenantPost.contains($0) }
    }

    /// The details passed, and so did the stronger check where the tenant's markers ask for one.
    public var isVerified: Bool { detailsPassed && (!needsStronger || stronger != nil) }

    /// Why the caller is not verified, in a line for staff, or nil when they are.
    public var shortfall: String? {
        if matched.count < required || required < 1 { return "\(matched.count) of \(required) needed details matched" }
        if !detailsPassed { return "only details on the tenant's own post matched (letters, the \"what we hold\" email); ask for one that is not" }
        if !isVerified { return "this tenant's marker needs a one-time code to the number on file or a call-back" }
        return nil
    }

    /// What the ledger records as the verification method: the details that matched and the
    /// stronger check (`date-of-birth+postcode+one-time-code`), or `unverified`.
    public var method: String {
        guard isVerified else { return "unverified" }
        return (matched.map(\.rawValue) + (stronger.map { [$0.rawValue] } ?? [])).joined(separator: "+")
    }
}

/// A one-time code for the stronger check: made for one call, sent to the number on file, read back
/// by the caller. Pure: the code comes from the caller of ``make(digits:at:using:)``.
public struct OneTimeCode: Hashable, Sendable {
    /// How long a code stays good.
    public static let lifetime: TimeInterval = 10 * 60
    /// Wrong answers allowed before the code is spent and a new one (or a call-back) is needed.
    public static let tries = 3

    public let code: String
    public let madeAt: Date
    public private(set) var wrong = 0

    public init(code: String, madeAt: Date) {
        self.code = code
        self.madeAt = madeAt
    }

    /// A fresh six-digit code from `generator` (the system's secure one in use; a seeded one in tests).
    public static func make(at date: Date, using generator: inout some RandomNumberGenerator) -> OneTimeCode {
        OneTimeCode(code: String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator)), madeAt: date)
    }

    /// Whether the code is spent: too old or too many wrong answers.
    public func isSpent(at date: Date) -> Bool {
        wrong >= Self.tries || date.timeIntervalSince(madeAt) > Self.lifetime || date < madeAt
    }

    /// Compares what the caller read back; a wrong answer counts towards ``tries``.
    public mutating func check(_ given: String, at date: Date) -> Bool {
        guard !isSpent(at: date) else { return false }
        let digits = given.filter { !$0.isWhitespace }
        if digits == code { return true }
        wrong += 1
        return false
    }

    /// A phone number as staff may see it to send the code: `07… ending 123`.
    public static func maskedNumber(_ number: String) -> String {
        let digits = number.filter(\.isNumber)
        guard digits.count > 5 else { return "the number on file" }
        return "\(digits.prefix(2))… ending \(digits.suffix(3))"
    }
}

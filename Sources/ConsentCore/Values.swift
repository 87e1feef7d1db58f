/// A tenant's answer for an attribute, as recorded by an event.
public enum AttributeValue: Hashable, Codable, Sendable {
    /// A validated value in its normal form.
    case value(String)
    /// The tenant chose "prefer not to say": a recorded answer, distinct from "not held".
    case preferNotToSay

    /// The stored text: the value itself, or nil for "prefer not to say".
    public var text: String? {
        if case .value(let text) = self { return text }
        return nil
    }

    /// An answer as a store keeps it, a text beside a "prefer not to say" flag: the flag when set, else the text
    /// (empty where none is kept: a value sealed elsewhere or erased).
    public init(storedText text: String?, preferNotToSay: Bool) {
        self = preferNotToSay ? .preferNotToSay : .value(text ?? "")
    }
}

/// What is held now for one attribute of a tenant (the projection's view).
public enum ValueState: Hashable, Sendable {
    /// Nothing was ever recorded.
    case notHeld
    /// A value is held; `source` is the event that recorded it.
    case held(AttributeValue, source: EventID)
    /// The tenant asked for the value to be erased, and it was.
    case erased(by: EventID)
    /// A special-category value is held (recorded by `source`) but sealed, and this process has no key
    /// to open it. Nothing is lost: it opens again once the key is supplied.
    case unavailable(source: EventID)

    /// The answer held, if any.
    public var answer: AttributeValue? {
        if case .held(let value, _) = self { return value }
        return nil
    }

    /// Whether a value is held but sealed where this process cannot open it.
    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}

/// The state of one (tenant, attribute, purpose) decision.
public enum DecisionState: String, CaseIterable, Codable, Sendable {
    case granted
    case withdrawn
    case objected
    case notAsked = "not-asked"

    /// Withdrawals and objections stop use; the merge rule lets them win over concurrent grants.
    public var stopsUse: Bool { self == .withdrawn || self == .objected }
}

import Foundation

/// Why the policy refused a use.
public enum DenialReason: String, CaseIterable, Codable, Sendable {
    case unknownAttribute = "unknown-attribute"
    case unknownPurpose = "unknown-purpose"
    case unknownTenant = "unknown-tenant"
    /// The purpose does not list the attribute.
    case notDeclared = "not-declared-for-purpose"
    /// A special category on a purpose with neither consent nor an Art. 9 condition.
    case noSpecialCondition = "no-special-condition"
    case notHeld = "not-held"
    case preferNotToSay = "prefer-not-to-say"
    case erased
    /// A sealed special-category value this process has no key to open.
    case unavailable = "value-unavailable"
    /// A consent purpose with no grant recorded.
    case noConsent = "no-consent"
    case withdrawn
    case expired
    /// The tenant asked for its use to be restricted (UK GDPR Art. 18) and staff carried it out: left out
    /// of every export until the restriction is lifted.
    case restricted
    case objected

    /// Whether the tenant said no (prefer not to say, withdrew, objected), as opposed to something
    /// missing or unknown. Under a legal obligation such a refusal is carried, not dropped
    /// (``LegalBasis/carriesRefusal``).
    public var isTenantRefusal: Bool { self == .preferNotToSay || self == .withdrawn || self == .objected }
}

/// The policy's answer.
public enum PolicyDecision: Hashable, Sendable {
    case allowed
    case denied(DenialReason)

    public var isAllowed: Bool { self == .allowed }
}

/// What a tenant is told about a decision (the "current decision" of the Art. 15 view).
public enum EffectiveDecision: String, Sendable, CaseIterable {
    /// Consent given and in force.
    case granted
    case withdrawn
    case objected
    /// A consent purpose never asked: off.
    case notAsked = "not-asked"
    /// A consent that lapsed.
    case expired
    /// An objection purpose the tenant has not objected to: on.
    case inUse = "in-use"
    /// A contract or legal-obligation purpose: always on.
    case always
}

extension EffectiveDecision {
    /// How a recorded decision reads on its own (in a history or on a receipt), without the basis
    /// and validity that `Policy.effectiveDecision` also weighs.
    public init(recorded state: DecisionState) {
        switch state {
        case .granted: self = .granted
        case .withdrawn: self = .withdrawn
        case .objected: self = .objected
        case .notAsked: self = .notAsked
        }
    }
}

/// The one function that decides whether an attribute of a tenant may be used for a purpose.
/// It fails closed: anything unknown, missing or unclear is denied.
public enum Policy {
    /// What the tenant's decision for `key` amounts to at `date`, ignoring whether a value is held.
    public static func effectiveDecision(
        _ key: DecisionKey, of tenant: TenantState, at date: Date, in catalogue: Catalogue
    ) -> EffectiveDecision? {
        guard let purpose = catalogue.purpose(key.purpose), catalogue.attribute(key.attribute) != nil,
              purpose.attributes.contains(key.attribute)
        else { return nil }
        return effective(purpose.legalBasis, tenant.decisions[key], at: date)
    }

    /// May `attribute` of `tenant` be used for `purpose` at `date`?
    public static func evaluate(
        _ attribute: AttributeID, for purpose: PurposeID, of tenant: TenantState?, at date: Date,
        in catalogue: Catalogue
    ) -> PolicyDecision {
        guard let definition = catalogue.attribute(attribute) else { return .denied(.unknownAttribute) }
        guard let purposeDefinition = catalogue.purpose(purpose) else { return .denied(.unknownPurpose) }
        guard let tenant else { return .denied(.unknownTenant) }
        if let reason = standingDenial(definition, purposeDefinition) { return .denied(reason) }
        if tenant.restricted.contains(attribute) { return .denied(.restricted) }
        return decide(tenant.value(attribute), purposeDefinition.legalBasis, tenant.decisions[DecisionKey(attribute, purpose)], at: date)
    }

    /// A denial that holds for every tenant: the purpose does not list the attribute, or it is a
    /// special category with neither consent nor an Art. 9 condition.
    static func standingDenial(_ attribute: AttributeDefinition, _ purpose: PurposeDefinition) -> DenialReason? {
        guard purpose.attributes.contains(attribute.id) else { return .notDeclared }
        if attribute.isSpecial && purpose.legalBasis != .consent && purpose.specialCondition == nil { return .noSpecialCondition }
        return nil
    }

    /// The tenant's part of the answer: a value must be held, and their decision must allow use.
    static func decide(_ value: ValueState, _ basis: LegalBasis, _ record: DecisionRecord?, at date: Date) -> PolicyDecision {
        switch value {
        case .notHeld: return .denied(.notHeld)
        case .erased: return .denied(.erased)
        case .unavailable: return .denied(.unavailable)
        case .held(.preferNotToSay, _): return .denied(.preferNotToSay)
        case .held(.value, _): break
        }
        switch effective(basis, record, at: date) {
        case .granted, .inUse, .always: return .allowed
        case .withdrawn: return .denied(.withdrawn)
        case .objected: return .denied(.objected)
        case .expired: return .denied(.expired)
        case .notAsked: return .denied(.noConsent)
        }
    }

    /// A fixed basis is always on and never expires (contract, vital interests); under a legal
    /// obligation a withdrawal or objection recorded while the purpose had another basis stands as the
    /// tenant's refusal, carried rather than ignored.
    static func effective(_ basis: LegalBasis, _ record: DecisionRecord?, at date: Date) -> EffectiveDecision {
        switch basis.control {
        case .fixed:
            if basis.carriesRefusal, let state = record?.state, state.stopsUse { return state == .objected ? .objected : .withdrawn }
            return .always
        case .optIn:
            guard let record else { return .notAsked }
            switch record.state {
            case .granted:
                if let until = record.validUntil, until <= date { return .expired }
                return record.effectiveAt <= date ? .granted : .notAsked
            case .withdrawn: return .withdrawn
            case .objected: return .objected
            case .notAsked: return .notAsked
            }
        case .optOut:
            switch record?.state {
            case .objected?: return .objected
            case .withdrawn?: return .withdrawn
            case .granted?, .notAsked?, nil: return .inUse
            }
        }
    }
}

/// The policy for one purpose and a fixed list of attributes, with everything that does not depend
/// on the tenant worked out once: the same rules as ``Policy/evaluate(_:for:of:at:in:)``, for
/// callers that ask about every tenant of the register (exports, statistics).
public struct PurposePolicy: Sendable {
    public let purpose: PurposeDefinition
    public let attributes: [AttributeID]
    /// Whether each attribute is a special category.
    public let isSpecial: [Bool]
    /// Whether an answer depends on the tenant's recorded decisions (false for contract and vital interests).
    public let readsDecisions: Bool
    private let standing: [DenialReason?]
    private let keys: [DecisionKey]
    private let basis: LegalBasis

    public init(purpose: PurposeDefinition, attributes: [AttributeID], catalogue: Catalogue) {
        self.purpose = purpose
        self.attributes = attributes
        basis = purpose.legalBasis
        readsDecisions = basis.control != .fixed || basis.carriesRefusal
        keys = attributes.map { DecisionKey($0, purpose.id) }
        isSpecial = attributes.map { catalogue.attribute($0)?.isSpecial != false }
        standing = attributes.map { attribute in
            guard let definition = catalogue.attribute(attribute) else { return .unknownAttribute }
            return Policy.standingDenial(definition, purpose)
        }
    }

    /// May the attribute at `index` (of ``attributes``) of `tenant` be used at `date`?
    public func evaluate(_ index: Int, of tenant: TenantState, at date: Date) -> PolicyDecision {
        evaluate(index, value: tenant.value(attributes[index]), of: tenant, at: date)
    }

    /// The same, given the tenant's `value` of that attribute (read once by a caller that also sends it).
    public func evaluate(_ index: Int, value: ValueState, of tenant: TenantState, at date: Date) -> PolicyDecision {
        if let reason = standing[index] { return .denied(reason) }
        if !tenant.restricted.isEmpty, tenant.restricted.contains(attributes[index]) { return .denied(.restricted) }
        return Policy.decide(value, basis, readsDecisions ? tenant.decisions[keys[index]] : nil, at: date)
    }

    /// The tenant's recorded decision for the attribute at `index`.
    public func recorded(_ index: Int, of tenant: TenantState) -> DecisionRecord? {
        tenant.decisions[keys[index]]
    }
}

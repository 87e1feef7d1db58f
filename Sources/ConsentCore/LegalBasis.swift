/// The UK GDPR Art. 6 basis on which a purpose rests. It fixes what the tenant can do.
public enum LegalBasis: String, CaseIterable, Codable, Sendable {
    case consent
    case publicTask = "public-task"
    case legitimateInterests = "legitimate-interests"
    case contract
    case legalObligation = "legal-obligation"
    /// Art. 6(1)(d): to protect someone's life (telling the emergency services). It cannot be
    /// withdrawn and does not expire.
    case vitalInterests = "vital-interests"

    /// How the tenant controls a purpose on this basis.
    public enum Control: Sendable, Equatable {
        /// Off until the tenant grants it; the tenant can withdraw.
        case optIn
        /// On until the tenant objects (Art. 21).
        case optOut
        /// Needed for the tenancy, by law, or to protect life; shown, not switchable.
        case fixed
    }

    /// How the tenant controls a purpose on this basis.
    public var control: Control {
        switch self {
        case .consent: .optIn
        case .publicTask, .legitimateInterests: .optOut
        case .contract, .legalObligation, .vitalInterests: .fixed
        }
    }

    /// Whether a tenant's refusal is carried rather than ending the use: under a legal obligation
    /// (the CORE lettings log) the tenant cannot switch the use off, but may decline to answer a
    /// question; the return then says "tenant prefers not to say" for that field, and staff are told.
    /// A refusal is a "prefer not to say" answer, or an objection or withdrawal recorded for the
    /// purpose while it rested on another basis (kept as the tenant's refusal, never ignored).
    public var carriesRefusal: Bool { self == .legalObligation }

    /// The decisions a tenant (or staff on their behalf) may record for a purpose on this basis.
    /// Withdrawing or objecting is always as available as agreeing (Art. 7(3)).
    public var allowedDecisions: Set<DecisionState> {
        switch control {
        case .optIn: [.granted, .withdrawn, .notAsked]
        case .optOut: [.objected, .granted, .notAsked]
        case .fixed: []
        }
    }
}

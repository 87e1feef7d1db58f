/// The UK GDPR Art. 6 basis on which a purpose rests. It fixes what the tenant can do.
public enum LegalBasis: String, CaseIterable, Codable, Sendable {
    case consent
    case publicTask = "public-task"
    case legitimateInterests = "legitimate-interests"
    case contract
    case legalObligation = "legal-obligation"

    /// How the tenant controls a purpose on this basis.
    public enum Control: Sendable, Equatable {
        /// Off until the tenant grants it; the tenant can withdraw.
        case optIn
        /// On until the tenant objects (Art. 21).
        case optOut
        /// Needed for the tenancy or by law; shown, not switchable.
        case fixed
    }

    /// How the tenant controls a purpose on this basis.
    public var control: Control {
        switch self {
        case .consent: .optIn
        case .publicTask, .legitimateInterests: .optOut
        case .contract, .legalObligation: .fixed
        }
    }

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

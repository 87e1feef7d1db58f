/// Why a supervisor or the data-protection lead refuses a tenant's request: one of a fixed list, so that the tenant
/// reads the reason at the kiosk in their own language (`request.refusal.<code>` in `Localization/`), not in the words
/// staff typed. A refusal's event records the code (`StaffRules.decideRequest`); a refusal recorded before the codes
/// holds staff's own words, shown as they are.
public enum RefusalReason: String, CaseIterable, Codable, Sendable {
    /// The landlord needs the value to manage the tenancy.
    case neededForTenancy = "needed-for-tenancy"
    /// The law requires the landlord to keep it.
    case requiredByLaw = "required-by-law"
    /// It is needed for a legal claim.
    case legalClaim = "legal-claim"
    /// Staff checked it and the value held is right (a rectification).
    case valueIsCorrect = "value-is-correct"
    /// Staff could not confirm the tenant made the request.
    case identityNotConfirmed = "identity-not-confirmed"
    /// It repeats a request already answered.
    case repeatedRequest = "repeated-request"

    /// The key of the tenant's text for this reason in `Localization/`.
    public var textKey: String { "request.refusal.\(rawValue)" }

    /// Every code, for help texts and refusals ("needed-for-tenancy, required-by-law, ...").
    public static var codes: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

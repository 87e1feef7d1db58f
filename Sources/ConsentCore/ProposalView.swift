/// What staff may be shown of a rectification request's proposed value: one rule for the staff terminal
/// and `consent request list`, so a tenant's own text is never mistaken for a marker.
public enum ProposalView: Equatable, Sendable {
    /// No value was proposed: staff type the corrected one.
    case none
    /// A value was proposed but cannot be opened here (sealed to a key this machine lacks).
    case withheld
    /// A special category's value: held, not shown; carrying the request out applies it.
    case special
    /// The tenant proposed "prefer not to say".
    case preferNotToSay
    /// The tenant's text (an ordinary attribute).
    case text(String)

    /// The name `--json` gives the case.
    public var name: String {
        switch self {
        case .none: "none"
        case .withheld: "withheld"
        case .special: "special"
        case .preferNotToSay: "prefer-not-to-say"
        case .text: "text"
        }
    }
}

extension TenantRequest {
    /// What staff may see of this request's proposed value; an attribute `catalogue` does not know is
    /// treated as a special category.
    public func proposalView(_ catalogue: Catalogue) -> ProposalView {
        if proposalWithheld { return .withheld }
        guard let proposed else { return .none }
        if proposed == .preferNotToSay { return .preferNotToSay }
        guard let attribute, catalogue.attribute(attribute)?.isSpecial == false, let text = proposed.text else { return .special }
        return .text(text)
    }
}

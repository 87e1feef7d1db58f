import ConsentCore

/// What a staff-mode button does: a typed value, like ``KioskAction``, with the same one string form
/// (``token``, read back only by ``init(token:)``).
public enum StaffAction: Hashable, Sendable {
    case signIn
    case signOut
    /// Home: ends the call in progress.
    case home
    case find
    case search
    /// Open the n-th search result.
    case open(Int)
    case alertsRead
    /// Check the caller's answers.
    case check
    /// Go on with the caller unverified (withdraw or object only).
    case unverified
    case makeCode
    case checkCode
    case calledBack
    /// Choose this decision for a purpose (a reason, and for a grant the script, come next).
    case decide(PurposeID, DecisionState)
    case scriptRead
    /// Reveal a special-category value (after a reason, recorded).
    case reveal(AttributeID)
    case edit(AttributeID)
    case save
    /// Record what is waiting with this reason code.
    case reason(String)
    case back
    case issueCode
    case unlock
    case held
    /// Open the n-th change waiting for a second person.
    case heldItem(Int)
    /// Confirm the held change, checked this way.
    case confirm(HeldCheck)
    case reject
    /// Decide the tenant's erasure request: erase, or decline.
    case decideErasure(erase: Bool)
    /// Carry out a tenant's rectification, restriction or access request.
    case carryOutRequest
    /// Refuse it with this reason, which the tenant reads at the kiosk in their language.
    case refuseRequest(RefusalReason)
    case conflicts
}

/// How a second person checked a held change before confirming it.
public enum HeldCheck: String, Hashable, Sendable {
    case supervisor
    case callBack = "call-back"
    case evidence
}

extension StaffAction {
    /// The action as one string: a name, then its arguments after colons (`held-item:2`).
    public var token: String {
        switch self {
        case .open(let index): "open:\(index)"
        case let .decide(purpose, decision): "decide:\(purpose):\(decision.rawValue)"
        case .reveal(let attribute): "reveal:\(attribute)"
        case .edit(let attribute): "edit:\(attribute)"
        case .reason(let id): "reason:\(id)"
        case .heldItem(let index): "held-item:\(index)"
        case .confirm(let check): "confirm:\(check.rawValue)"
        case .decideErasure(let erase): "erasure:\(erase ? "erase" : "decline")"
        case .carryOutRequest: "request:carry-out"
        case .refuseRequest(let reason): "request:refuse:\(reason.rawValue)"
        default: Self.names[self] ?? "" // every action without arguments is in `named`
        }
    }

    /// Reads a ``token`` back; nil for anything else (an unknown name, a missing or extra argument,
    /// an index that is not a small whole number, an unknown check or decision).
    public init?(token: String) {
        let tokens = ActionToken(token)
        let index = tokens.arguments.first.flatMap { $0.count <= 6 && $0.allSatisfy(\.isASCII) ? Int($0) : nil }
        if tokens.arguments.isEmpty, let action = Self.named[tokens.name] {
            self = action
            return
        }
        switch (tokens.name, tokens.arguments.count) {
        case ("open", 1):
            guard let index, index >= 0 else { return nil }
            self = .open(index)
        case ("decide", 2):
            guard let decision = DecisionState(rawValue: tokens.arguments[1]) else { return nil }
            self = .decide(PurposeID(tokens.arguments[0]), decision)
        case ("reveal", 1): self = .reveal(AttributeID(tokens.arguments[0]))
        case ("edit", 1): self = .edit(AttributeID(tokens.arguments[0]))
        case ("reason", 1): self = .reason(tokens.arguments[0])
        case ("held-item", 1):
            guard let index, index >= 0 else { return nil }
            self = .heldItem(index)
        case ("confirm", 1):
            guard let check = HeldCheck(rawValue: tokens.arguments[0]) else { return nil }
            self = .confirm(check)
        case ("erasure", 1):
            guard ["erase", "decline"].contains(tokens.arguments[0]) else { return nil }
            self = .decideErasure(erase: tokens.arguments[0] == "erase")
        case ("request", 1):
            guard tokens.arguments[0] == "carry-out" else { return nil }
            self = .carryOutRequest
        case ("request", 2):
            guard tokens.arguments[0] == "refuse", let reason = RefusalReason(rawValue: tokens.arguments[1]) else { return nil }
            self = .refuseRequest(reason)
        default: return nil
        }
    }

    /// The actions without arguments, by name.
    private static let named: [String: StaffAction] = [
        "sign-in": .signIn,
        "sign-out": .signOut,
        "home": .home,
        "find": .find,
        "search": .search,
        "alerts-read": .alertsRead,
        "check": .check,
        "unverified": .unverified,
        "make-code": .makeCode,
        "check-code": .checkCode,
        "called-back": .calledBack,
        "script-read": .scriptRead,
        "save": .save,
        "back": .back,
        "issue-code": .issueCode,
        "unlock": .unlock,
        "held": .held,
        "reject": .reject,
        "conflicts": .conflicts,
    ]
    private static let names = Dictionary(uniqueKeysWithValues: named.map { ($0.value, $0.key) })
}

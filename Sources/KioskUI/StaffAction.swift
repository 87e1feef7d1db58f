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
        case .signIn: "sign-in"
        case .signOut: "sign-out"
        case .home: "home"
        case .find: "find"
        case .search: "search"
        case .open(let index): "open:\(index)"
        case .alertsRead: "alerts-read"
        case .check: "check"
        case .unverified: "unverified"
        case .makeCode: "make-code"
        case .checkCode: "check-code"
        case .calledBack: "called-back"
        case let .decide(purpose, decision): "decide:\(purpose):\(decision.rawValue)"
        case .scriptRead: "script-read"
        case .reveal(let attribute): "reveal:\(attribute)"
        case .edit(let attribute): "edit:\(attribute)"
        case .save: "save"
        case .reason(let id): "reason:\(id)"
        case .back: "back"
        case .issueCode: "issue-code"
        case .unlock: "unlock"
        case .held: "held"
        case .heldItem(let index): "held-item:\(index)"
        case .confirm(let check): "confirm:\(check.rawValue)"
        case .reject: "reject"
        case .decideErasure(let erase): "erasure:\(erase ? "erase" : "decline")"
        case .conflicts: "conflicts"
        }
    }

    /// Reads a ``token`` back; nil for anything else (an unknown name, a missing or extra argument,
    /// an index that is not a small whole number, an unknown check or decision).
    public init?(token: String) {
        let tokens = ActionToken(token)
        let index = tokens.arguments.first.flatMap { $0.count <= 6 && $0.allSatisfy(\.isASCII) ? Int($0) : nil }
        switch (tokens.name, tokens.arguments.count) {
        case ("sign-in", 0): self = .signIn
        case ("sign-out", 0): self = .signOut
        case ("home", 0): self = .home
        case ("find", 0): self = .find
        case ("search", 0): self = .search
        case ("open", 1):
            guard let index, index >= 0 else { return nil }
            self = .open(index)
        case ("alerts-read", 0): self = .alertsRead
        case ("check", 0): self = .check
        case ("unverified", 0): self = .unverified
        case ("make-code", 0): self = .makeCode
        case ("check-code", 0): self = .checkCode
        case ("called-back", 0): self = .calledBack
        case ("decide", 2):
            guard let decision = DecisionState(rawValue: tokens.arguments[1]) else { return nil }
            self = .decide(PurposeID(tokens.arguments[0]), decision)
        case ("script-read", 0): self = .scriptRead
        case ("reveal", 1): self = .reveal(AttributeID(tokens.arguments[0]))
        case ("edit", 1): self = .edit(AttributeID(tokens.arguments[0]))
        case ("save", 0): self = .save
        case ("reason", 1): self = .reason(tokens.arguments[0])
        case ("back", 0): self = .back
        case ("issue-code", 0): self = .issueCode
        case ("unlock", 0): self = .unlock
        case ("held", 0): self = .held
        case ("held-item", 1):
            guard let index, index >= 0 else { return nil }
            self = .heldItem(index)
        case ("confirm", 1):
            guard let check = HeldCheck(rawValue: tokens.arguments[0]) else { return nil }
            self = .confirm(check)
        case ("reject", 0): self = .reject
        case ("erasure", 1):
            guard ["erase", "decline"].contains(tokens.arguments[0]) else { return nil }
            self = .decideErasure(erase: tokens.arguments[0] == "erase")
        case ("conflicts", 0): self = .conflicts
        default: return nil
        }
    }
}

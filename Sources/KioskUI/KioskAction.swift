import ConsentCore

/// What a kiosk button does. Buttons carry these values, so pressing one needs no parsing; the
/// ``token`` is the one string form (for a browser to post back, and for tests), read back only by
/// ``init(token:)``, which refuses anything it did not write.
public enum KioskAction: Hashable, Sendable {
    /// Choose this language (by its code) and go on.
    case language(String)
    /// Open the language choice.
    case languages
    case help
    case signIn
    /// The first-time route: a one-time code instead of a PIN.
    case useCode
    case redeemCode
    case savePIN
    case back
    case signOut
    /// Leave the receipt: the next person starts afresh.
    case finish
    case disclosures
    /// Staff only: end the kiosk with the staff id and password typed.
    case endKiosk
    /// Open one use's screen.
    case use(PurposeID)
    /// On a use's screen: this choice for everything it uses.
    case setUse(DecisionState)
    /// Open one attribute's screen.
    case attribute(AttributeID)
    /// Show or hide a special-category value on screen.
    case toggleShow
    /// On an attribute's screen: this decision for one purpose.
    case decide(PurposeID, DecisionState)
    /// Agree on a notice's screen.
    case agree
    /// Open the correction box.
    case correct
    /// Save what is typed in the correction box.
    case save
    /// Save this choice (by its id) as the value.
    case choice(String)
    case preferNotToSay
    case erase
    case requestErasure
    /// Ask staff to stop using the value on show (a restriction request).
    case requestRestriction
    /// Ask for a copy of everything held (an access request).
    case requestAccess
    /// Yes, on a screen that asks once more.
    case confirmYes
}

extension KioskAction {
    /// The action as one string: a name, then its arguments after colons (`decide:email-updates:granted`).
    public var token: String {
        switch self {
        case .language(let code): "lang:\(code)"
        case .use(let purpose): "use:\(purpose)"
        case .setUse(let decision): "use-set:\(decision.rawValue)"
        case .attribute(let attribute): "attr:\(attribute)"
        case let .decide(purpose, decision): "decide:\(purpose):\(decision.rawValue)"
        case .choice(let id): "choice:\(id)"
        default: Self.names[self] ?? "" // every action without arguments is in `named`
        }
    }

    /// Reads a ``token`` back; nil for anything else (an unknown name, a missing or extra argument,
    /// an empty id, a decision that does not exist).
    public init?(token: String) {
        let tokens = ActionToken(token)
        if tokens.arguments.isEmpty, let action = Self.named[tokens.name] {
            self = action
            return
        }
        switch (tokens.name, tokens.arguments.count) {
        case ("lang", 1): self = .language(tokens.arguments[0])
        case ("use", 1): self = .use(PurposeID(tokens.arguments[0]))
        case ("use-set", 1):
            guard let decision = DecisionState(rawValue: tokens.arguments[0]) else { return nil }
            self = .setUse(decision)
        case ("attr", 1): self = .attribute(AttributeID(tokens.arguments[0]))
        case ("decide", 2):
            guard let decision = DecisionState(rawValue: tokens.arguments[1]) else { return nil }
            self = .decide(PurposeID(tokens.arguments[0]), decision)
        case ("choice", 1): self = .choice(tokens.arguments[0])
        default: return nil
        }
    }

    /// The actions without arguments, by name.
    private static let named: [String: KioskAction] = [
        "language": .languages,
        "help": .help,
        "sign-in": .signIn,
        "use-code": .useCode,
        "redeem": .redeemCode,
        "save-pin": .savePIN,
        "back": .back,
        "sign-out": .signOut,
        "finish": .finish,
        "disclosures": .disclosures,
        "end-kiosk": .endKiosk,
        "toggle-show": .toggleShow,
        "agree": .agree,
        "correct": .correct,
        "save": .save,
        "prefer-not": .preferNotToSay,
        "erase": .erase,
        "request-erasure": .requestErasure,
        "request-restriction": .requestRestriction,
        "request-access": .requestAccess,
        "confirm-yes": .confirmYes,
    ]
    private static let names = Dictionary(uniqueKeysWithValues: named.map { ($0.value, $0.key) })
}

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
    /// Yes, on a screen that asks once more.
    case confirmYes
}

extension KioskAction {
    /// The action as one string: a name, then its arguments after colons (`decide:email-updates:granted`).
    public var token: String {
        switch self {
        case .language(let code): "lang:\(code)"
        case .languages: "language"
        case .help: "help"
        case .signIn: "sign-in"
        case .useCode: "use-code"
        case .redeemCode: "redeem"
        case .savePIN: "save-pin"
        case .back: "back"
        case .signOut: "sign-out"
        case .finish: "finish"
        case .disclosures: "disclosures"
        case .endKiosk: "end-kiosk"
        case .use(let purpose): "use:\(purpose)"
        case .setUse(let decision): "use-set:\(decision.rawValue)"
        case .attribute(let attribute): "attr:\(attribute)"
        case .toggleShow: "toggle-show"
        case let .decide(purpose, decision): "decide:\(purpose):\(decision.rawValue)"
        case .agree: "agree"
        case .correct: "correct"
        case .save: "save"
        case .choice(let id): "choice:\(id)"
        case .preferNotToSay: "prefer-not"
        case .erase: "erase"
        case .requestErasure: "request-erasure"
        case .confirmYes: "confirm-yes"
        }
    }

    /// Reads a ``token`` back; nil for anything else (an unknown name, a missing or extra argument,
    /// an empty id, a decision that does not exist).
    public init?(token: String) {
        let tokens = ActionToken(token)
        switch (tokens.name, tokens.arguments.count) {
        case ("lang", 1): self = .language(tokens.arguments[0])
        case ("language", 0): self = .languages
        case ("help", 0): self = .help
        case ("sign-in", 0): self = .signIn
        case ("use-code", 0): self = .useCode
        case ("redeem", 0): self = .redeemCode
        case ("save-pin", 0): self = .savePIN
        case ("back", 0): self = .back
        case ("sign-out", 0): self = .signOut
        case ("finish", 0): self = .finish
        case ("disclosures", 0): self = .disclosures
        case ("end-kiosk", 0): self = .endKiosk
        case ("use", 1): self = .use(PurposeID(tokens.arguments[0]))
        case ("use-set", 1):
            guard let decision = DecisionState(rawValue: tokens.arguments[0]) else { return nil }
            self = .setUse(decision)
        case ("attr", 1): self = .attribute(AttributeID(tokens.arguments[0]))
        case ("toggle-show", 0): self = .toggleShow
        case ("decide", 2):
            guard let decision = DecisionState(rawValue: tokens.arguments[1]) else { return nil }
            self = .decide(PurposeID(tokens.arguments[0]), decision)
        case ("agree", 0): self = .agree
        case ("correct", 0): self = .correct
        case ("save", 0): self = .save
        case ("choice", 1): self = .choice(tokens.arguments[0])
        case ("prefer-not", 0): self = .preferNotToSay
        case ("erase", 0): self = .erase
        case ("request-erasure", 0): self = .requestErasure
        case ("confirm-yes", 0): self = .confirmYes
        default: return nil
        }
    }
}

/// An action token split at its colons: the name and its arguments, none of them empty (a token
/// with an empty part has no arguments and an empty name, so no action reads it).
struct ActionToken {
    let name: String
    let arguments: [String]

    init(_ token: String) {
        let parts = token.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard token.count <= 200, !parts.contains(where: \.isEmpty), let first = parts.first else {
            (name, arguments) = ("", [])
            return
        }
        (name, arguments) = (first, Array(parts.dropFirst()))
    }
}

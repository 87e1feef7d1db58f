/// How long a purpose keeps what it uses: the `retention` rule of a purpose in `Forms/purposes.yaml`.
///
///     RetentionRule(parsing: "6 years after tenancy end")   // .afterTenancyEnd(months: 72)
///     RetentionRule(parsing: "until withdrawn or 2 years")  // .untilWithdrawnOr(months: 24)
///
/// The rule is recorded and checked; `Retention` says what a retention run erases once it has passed.
public enum RetentionRule: Hashable, Sendable {
    /// Until the tenant withdraws consent (fits only the consent basis).
    case untilWithdrawn
    /// Until the tenant withdraws consent, or `months` after the decision, whichever comes first.
    case untilWithdrawnOr(months: Int)
    /// `months` after the tenancy ends.
    case afterTenancyEnd(months: Int)
    /// `months` after the decision recorded for the purpose (a fixed period from the tenant's answer).
    case afterDecision(months: Int)
    /// `months` after the data were sent to the purpose's recipient (a return's log is kept from the
    /// day it was submitted, whatever becomes of the tenancy).
    case afterSubmission(months: Int)

    /// The forms a rule can take, as `consent forms check` tells a deployer to write them.
    public static let forms = "'until withdrawn', 'until withdrawn or N years', 'N years after tenancy end', 'N months after tenancy end', 'N years after decision' or 'N years after submission' (N a whole number from 1)"

    /// Reads a rule written as in ``forms``; nil when `text` is none of them.
    public init?(parsing text: String) {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        func count(_ word: String) -> Int? { Int(word).flatMap { $0 >= 1 && $0 <= 1200 ? $0 : nil } }
        func years(_ word: String) -> Bool { word == "year" || word == "years" }
        func months(_ word: String) -> Bool { word == "month" || word == "months" }
        switch words.count {
        case 2 where words == ["until", "withdrawn"]:
            self = .untilWithdrawn
        case 5 where words[0...2] == ["until", "withdrawn", "or"] && years(words[4]):
            guard let n = count(words[3]) else { return nil }
            self = .untilWithdrawnOr(months: n * 12)
        case 5 where words[2...4] == ["after", "tenancy", "end"]:
            guard let n = count(words[0]), years(words[1]) || months(words[1]) else { return nil }
            self = .afterTenancyEnd(months: years(words[1]) ? n * 12 : n)
        case 4 where words[2...3] == ["after", "decision"] && years(words[1]):
            guard let n = count(words[0]) else { return nil }
            self = .afterDecision(months: n * 12)
        case 4 where words[2...3] == ["after", "submission"] && years(words[1]):
            guard let n = count(words[0]) else { return nil }
            self = .afterSubmission(months: n * 12)
        default:
            return nil
        }
    }

    /// Whether the rule ends with a withdrawal, which only the consent basis allows.
    public var endsOnWithdrawal: Bool {
        switch self {
        case .untilWithdrawn, .untilWithdrawnOr: true
        case .afterTenancyEnd, .afterDecision, .afterSubmission: false
        }
    }
}

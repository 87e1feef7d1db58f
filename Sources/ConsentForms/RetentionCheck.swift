import ConsentCore

/// Reads and words a purpose's `retention` rule (``RetentionRule``): every purpose uses personal data,
/// so every purpose needs one (UK GDPR Art. 5(1)(e), Art. 13(2)(a)).
enum RetentionCheck {
    /// The purpose's `retention`, refused when missing, malformed or in the old `retention-years` field.
    static func rule(purpose: String, _ fields: inout YAMLFields) throws(FormsError) -> RetentionRule {
        if fields.node("retention-years") != nil {
            throw fields.error("'retention-years' is no longer read: write 'retention' as one of \(RetentionRule.forms)")
        }
        guard let text = try fields.string("retention") else {
            throw fields.error("purpose '\(purpose)' uses personal data but does not say how long it is kept: add 'retention', one of \(RetentionRule.forms)")
        }
        guard let rule = RetentionRule(parsing: text) else {
            throw fields.error("'retention: \(text)' is not a rule; write one of \(RetentionRule.forms)")
        }
        return rule
    }

    /// The translation key that words `rule`, and the count for its plural, if it has one.
    static func key(_ rule: RetentionRule) -> (key: String, count: Int?) {
        switch rule {
        case .untilWithdrawn: ("retention.until-withdrawn", nil)
        case .untilWithdrawnOr(let months): ("retention.until-withdrawn-or-years", months / 12)
        case .afterTenancyEnd(let months) where months % 12 == 0: ("retention.years", months / 12)
        case .afterTenancyEnd(let months): ("retention.months", months)
        case .afterDecision(let months): ("retention.decision-years", months / 12)
        case .afterSubmission(let months): ("retention.submission-years", months / 12)
        }
    }
}

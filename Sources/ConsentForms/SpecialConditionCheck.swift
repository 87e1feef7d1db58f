import ConsentCore

/// The checks of a purpose's UK GDPR Art. 9 condition (`art9-condition`), its DPA 2018 Schedule 1
/// paragraph (`schedule-1-paragraph`) and the appropriate policy document that covers it
/// (`appropriate-policy-document`). Each error names the purpose and the field to fill.
enum SpecialConditionCheck {
    /// The purpose's Art. 9 condition, or nil when it uses no special category. `special` names the first
    /// special-category data it uses, as the error says it (`'health-needs'`, `data (staff marker 'vulnerable')`).
    static func check(
        purpose id: String, basis: LegalBasis, special: String?, art9 name: String?, paragraph: Int?,
        policyDocument: String?, _ fields: YAMLFields
    ) throws(FormsError) -> Art9Condition? {
        let known = Art9Condition.allCases.map(\.rawValue).joined(separator: ", ")
        guard let special else {
            if name != nil || paragraph != nil || policyDocument != nil {
                throw fields.error("purpose '\(id)' uses no special category: remove 'art9-condition', 'schedule-1-paragraph' and 'appropriate-policy-document'")
            }
            return nil
        }
        guard let name else {
            throw fields.error("purpose '\(id)' uses special-category \(special) without its Art. 9 condition: fill in 'art9-condition' (one of \(known); with consent it is 9(2)(a))")
        }
        guard let condition = Art9Condition(rawValue: name) else {
            throw fields.error("purpose '\(id)': unknown art9-condition '\(name)'; use one of \(known)")
        }
        if let needed = condition.requiredBasis, needed != basis {
            throw fields.error("purpose '\(id)': art9-condition \(name) goes with legal-basis \(needed.rawValue), not \(basis.rawValue)")
        }
        if basis == .consent, condition != .explicitConsent {
            throw fields.error("purpose '\(id)' rests on consent, so its special categories need explicit consent: set 'art9-condition: \(Art9Condition.explicitConsent.rawValue)'")
        }
        guard let range = condition.schedule1Paragraphs else {
            if paragraph != nil || policyDocument != nil {
                throw fields.error("purpose '\(id)': art9-condition \(name) needs no DPA 2018 Schedule 1 condition: remove 'schedule-1-paragraph' and 'appropriate-policy-document'")
            }
            return condition
        }
        guard let paragraph else {
            throw fields.error("purpose '\(id)': art9-condition \(name) needs its DPA 2018 Schedule 1 condition: fill in 'schedule-1-paragraph' (\(range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"))")
        }
        guard range.contains(paragraph) else {
            throw fields.error("purpose '\(id)': schedule-1-paragraph \(paragraph) does not meet art9-condition \(name) (it needs paragraph \(range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"))")
        }
        // DPA 2018 Sch. 1 para 5 (Part 2) and para 1(1)(b) (employment) require an appropriate policy
        // document; the safer reading asks for it with every Schedule 1 condition.
        guard let policyDocument, !policyDocument.isEmpty else {
            throw fields.error("purpose '\(id)' relies on DPA 2018 Schedule 1 paragraph \(paragraph), which needs an appropriate policy document: fill in 'appropriate-policy-document' (where it covers this purpose, e.g. \"DP-02 section 3\")")
        }
        return condition
    }
}

import ConsentCore
import Foundation

/// What UK GDPR Art. 13 asks every notice to state besides its own text (what is used, and why).
public enum NoticeElement: String, CaseIterable, Sendable {
    /// The legal basis in plain words (with the Art. 9 condition for special categories).
    case basis
    /// Who receives the information.
    case recipients
    /// How long it is kept.
    case retention
    /// Whether the tenant has to give it, and what happens if not.
    case required
    /// The rights the basis gives: withdraw or object, see and correct.
    case rights
    /// The right to complain to the ICO.
    case complaint

    /// The element as a data-protection officer names it, for error messages.
    public var description: String {
        switch self {
        case .basis: "the legal basis in plain words"
        case .recipients: "who receives it"
        case .retention: "how long it is kept"
        case .required: "whether giving it is required"
        case .rights: "the tenant's rights (withdraw or object, see and correct)"
        case .complaint: "the right to complain to the ICO"
        }
    }
}

extension Content {
    /// The Art. 13 lines shown with a purpose's notice, in `language`: basis, recipients, retention,
    /// whether it is required, and the rights. The organisation's lines (``Organisation/lines(_:_:)``),
    /// which end with the right to complain, go with them.
    public func noticeParts(_ purpose: PurposeDefinition, _ language: String) -> [String] {
        let l = localizer
        return [
            l.text("show.basis", language, ["basis": basisText(purpose, language)]),
            l.text("show.recipients", language, ["recipients": purpose.recipients.map { l.text("recipient.\($0)", language) }.joined(separator: "; ")]),
            l.text("show.retention", language, ["retention": retentionText(purpose, language)]),
            l.text(purpose.requiredKey, language),
            l.text("rights.\(purpose.legalBasis.rawValue)", language),
        ]
    }

    /// The Art. 13 parts of a purpose's notice and the right to complain, one per line, in `language`:
    /// shown (or read out) with the notice's own text.
    public func noticeSummary(_ purpose: PurposeDefinition, _ language: String) -> String {
        (noticeParts(purpose, language) + [organisation.complaintLine(localizer, language)]).joined(separator: "\n")
    }

    /// The legal basis in plain words, with the Art. 9 condition when the purpose has one.
    public func basisText(_ purpose: PurposeDefinition, _ language: String) -> String {
        var basis = localizer.text(purpose.basisKey(in: catalogue), language)
        if let condition = purpose.specialCondition { basis += " " + localizer.text("special-condition.\(condition)", language) }
        return basis
    }

    /// How long the purpose keeps what it uses, in `language`.
    public func retentionText(_ purpose: PurposeDefinition, _ language: String) -> String {
        let (key, count) = RetentionCheck.key(purpose.retention)
        return count.map { localizer.plural(key, count: $0, language) } ?? localizer.text(key, language)
    }
}

/// Proves every purpose's notice complete in every language (Art. 13): each element has its text.
enum NoticeCompleteness {
    /// The translation keys each element of a purpose's notice needs.
    static func keys(_ purpose: PurposeDefinition, _ catalogue: Catalogue) -> [(NoticeElement, [String])] {
        var basis = [purpose.basisKey(in: catalogue)]
        if let condition = purpose.specialCondition { basis.append("special-condition.\(condition)") }
        return [
            (.basis, basis),
            (.recipients, purpose.recipients.map { "recipient.\($0)" }),
            (.retention, [RetentionCheck.key(purpose.retention).key]),
            (.required, [purpose.requiredKey]),
            (.rights, ["rights.\(purpose.legalBasis.rawValue)"]),
            (.complaint, ["org.complain"]),
        ]
    }

    /// Every key some notice needs: a language may leave one out of its file only for this check
    /// to name the purpose, the language and the element it lacks.
    static func allKeys(_ catalogue: Catalogue) -> Set<String> {
        Set(catalogue.purposes.flatMap { keys($0, catalogue).flatMap(\.1) })
    }

    static func check(_ catalogue: Catalogue, _ localizer: Localizer) throws(FormsError) {
        for purpose in catalogue.purposes {
            let entry = "notice for purpose '\(purpose.id)'"
            if purpose.recipients.isEmpty {
                throw FormsError(file: "purposes.yaml", entry: entry, "in every language it does not say \(NoticeElement.recipients.description): list the 'recipients' of purpose '\(purpose.id)'")
            }
            if purpose.retention.endsOnWithdrawal && purpose.legalBasis != .consent {
                throw FormsError(file: "purposes.yaml", entry: entry, "in every language it does not say \(NoticeElement.retention.description): 'until withdrawn' fits only consent; write 'retention' as 'N years after tenancy end' or 'N years after decision'")
            }
            for language in localizer.languages {
                let file = language.code == "en" ? LocalizationLoader.templateName : "\(language.code).po"
                for (element, needed) in keys(purpose, catalogue) {
                    for key in needed where (language.messages[key]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                        throw FormsError(file: file, entry: entry,
                                         "in \(language.code) it does not say \(element.description): msgctxt \"\(key)\" is missing; add it to Localization/\(file)")
                    }
                }
            }
        }
    }
}

import ConsentCore
import Foundation

/// Everything held about one tenant, in their language: the Art. 15 view that `consent tenant
/// show` prints and the kiosk shows. Pure: built from the state, the catalogue and the texts.
public struct AccessReport: Codable, Sendable, Equatable {
    public struct PurposeUse: Codable, Sendable, Equatable {
        public var purpose: String
        public var name: String
        /// The effective decision's id (`granted`, `in-use`, `always`, …) and its text.
        public var decision: String
        public var text: String
        public var usableNow: Bool
        public var needsReconfirmation: Bool
    }

    public struct Item: Codable, Sendable, Equatable {
        public var attribute: String
        public var label: String
        public var special: Bool
        /// `value`, `prefer-not-to-say`, `not-held`, `erased`, or `hidden` (special category, masked).
        public var status: String
        /// The value as shown (a choice's label), absent when hidden, erased or not held.
        public var value: String?
        public var pending: [String]
        public var uses: [PurposeUse]
        /// No longer asked (retired in `Forms/`): shown while held, for the tenant to see or erase.
        public var retired: Bool = false
    }

    public struct PurposeInfo: Codable, Sendable, Equatable {
        public var purpose: String
        public var name: String
        public var description: String
        public var basis: String
        public var recipients: [String]
        public var retention: String
        /// Whether the tenant has to give it, and what the basis lets them do (Art. 13(2)(b), (e)).
        public var required: String
        public var rights: String
    }

    public var reference: String
    public var language: String
    public var direction: String
    public var items: [Item]
    public var purposes: [PurposeInfo]
    /// Who is responsible, the data protection officer, the privacy notice and the right to
    /// complain to the ICO (Art. 15(1)(f)), in the report's language.
    public var organisation: [String]

    /// Builds the report. Special-category values are masked unless `revealSpecial`.
    public static func build(
        _ state: TenantState, content: Content, language: String, at date: Date, revealSpecial: Bool
    ) -> AccessReport {
        let l = content.localizer, c = content.catalogue
        let lang = l.language(language).code
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        day.timeZone = TimeZone(identifier: "Europe/London")
        func t(_ key: String, _ args: [String: String] = [:]) -> String { l.text(key, lang, args) }

        var items: [Item] = []
        for attribute in c.attributes {
            // What is no longer asked is listed while the ledger holds an answer: the tenant still sees it.
            if attribute.isRetired, state.value(attribute.id).answer == nil, !state.value(attribute.id).isUnavailable { continue }
            var status = "not-held", value: String?
            switch state.value(attribute.id) {
            case .notHeld: break
            case .erased: status = "erased"
            case .unavailable: status = "unavailable"
            case .held(.preferNotToSay, _): status = "prefer-not-to-say"
            case .held(.value(let text), _):
                if attribute.isSpecial && !revealSpecial {
                    status = "hidden"
                } else {
                    status = "value"
                    value = display(text, attribute, content, lang)
                }
            }
            let pending = (state.pending[attribute.id] ?? []).compactMap { p -> String? in
                guard let text = p.value.text else { return t("value.prefer-not-to-say") }
                return attribute.isSpecial && !revealSpecial ? t("value.hidden") : display(text, attribute, content, lang)
            }
            let uses = c.purposes(using: attribute.id).map { purpose -> PurposeUse in
                let key = DecisionKey(attribute.id, purpose.id)
                let effective = Policy.effectiveDecision(key, of: state, at: date, in: c) ?? .notAsked
                let decisionText = t("decision.\(effective.rawValue)")
                var text = decisionText
                if let record = state.decisions[key] {
                    let actor: String = switch record.actor {
                    case .tenant: t("actor.tenant")
                    case .staff(let id, _, _): t("actor.staff", ["staff": id.rawValue])
                    case .system(let name): name
                    }
                    var args = ["decision": decisionText, "channel": t("channel.\(record.channel.rawValue)"), "actor": actor,
                                "date": day.string(from: record.effectiveAt)]
                    if let notice = record.notice {
                        args["version"] = String(notice.version)
                        text = t("show.decided", args)
                    } else {
                        text = t("show.decided-no-notice", args)
                    }
                }
                return PurposeUse(
                    purpose: purpose.id.rawValue, name: t("purpose.\(purpose.id).name"), decision: effective.rawValue, text: text,
                    usableNow: Policy.evaluate(attribute.id, for: purpose.id, of: state, at: date, in: c).isAllowed,
                    needsReconfirmation: state.decisions[key]?.needsReconfirmation != nil)
            }
            items.append(Item(
                attribute: attribute.id.rawValue, label: t("attribute.\(attribute.id).label"), special: attribute.isSpecial,
                status: status, value: value, pending: pending, uses: uses, retired: attribute.isRetired))
        }
        let purposes = c.purposes.map { p in
            PurposeInfo(
                purpose: p.id.rawValue, name: t("purpose.\(p.id).name"), description: t("purpose.\(p.id).description"),
                basis: content.basisText(p, lang), recipients: p.recipients.map { t("recipient.\($0)") },
                retention: content.retentionText(p, lang), required: t(p.requiredKey),
                rights: t("rights.\(p.legalBasis.rawValue)"))
        }
        return AccessReport(
            reference: state.ref.rawValue, language: lang, direction: l.language(lang).direction.rawValue,
            items: items, purposes: purposes, organisation: content.organisation.lines(l, lang))
    }

    /// A stored value as a person reads it: a choice's label in their language, text as it is.
    public static func display(_ text: String, _ attribute: AttributeDefinition, _ content: Content, _ language: String) -> String {
        guard attribute.type == .choice, let choice = attribute.choices.first(where: { $0.id == text }) else { return text }
        return choice.fixedLabel ?? content.localizer.text("choice.\(attribute.id).\(choice.id)", language)
    }

    /// The report as plain text lines for a terminal; every stored string made display-safe.
    public func lines(_ content: Content) -> [String] {
        func t(_ key: String, _ args: [String: String] = [:]) -> String { content.localizer.text(key, language, args) }
        var out = [t("show.title"), t("show.reference", ["reference": reference]), ""]
        for item in items {
            let shown: String = switch item.status {
            case "value": TextSafety.displaySafe(item.value ?? "")
            case "hidden": t("value.hidden")
            default: t("value.\(item.status)")
            }
            out.append("\(item.label): \(shown)" + (item.retired ? " (\(t("value.retired")))" : ""))
            for pending in item.pending { out.append("  " + t("value.pending", ["value": TextSafety.displaySafe(pending)])) }
            for use in item.uses { out.append("  - \(use.name): \(use.text)\(use.needsReconfirmation ? " (!)" : "")") }
        }
        out.append("")
        out.append(t("show.purposes-title"))
        for p in purposes {
            out.append("* \(p.name): \(p.description)")
            out.append("  " + t("show.basis", ["basis": p.basis]))
            out.append("  " + t("show.recipients", ["recipients": p.recipients.joined(separator: "; ")]))
            out.append("  " + t("show.retention", ["retention": p.retention]))
            out.append("  " + p.required)
            out.append("  " + p.rights)
        }
        out.append("")
        out += organisation.map(TextSafety.displaySafe)
        return out
    }
}

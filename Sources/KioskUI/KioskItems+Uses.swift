import ConsentCore
import ConsentForms
import Foundation

/// Consent by use: one use (purpose) per screen, with every attribute it uses, as the main path.
/// The per-item screens stay for seeing and correcting values.
extension KioskItems {
    /// The uses a tenant can switch (consent or objection), in catalogue order.
    var switchableUses: [PurposeDefinition] {
        content.catalogue.purposes.filter { $0.legalBasis.control != .fixed }
    }

    /// A use's state over all its attributes; nil when they differ (chosen per item earlier).
    func useState(_ purpose: PurposeDefinition) -> EffectiveDecision? {
        guard let session = state.session else { return nil }
        let states = Set(purpose.attributes.map {
            Policy.effectiveDecision(DecisionKey($0, purpose.id), of: session.state, at: now, in: content.catalogue) ?? .notAsked
        })
        return states.count == 1 ? states.first : nil
    }

    /// The use's state in words; a grant with an end says when it lapses.
    func useStateText(_ purpose: PurposeDefinition) -> String {
        guard let decision = useState(purpose) else { return t("kiosk.use.mixed") }
        return decisionText(decision, until: recordedEnd(purpose))
    }

    /// A decision in words: "You agreed, until 03/12/2028" when a grant lapses on a known day.
    func decisionText(_ effective: EffectiveDecision, until end: Date?) -> String {
        guard effective == .granted, let end else { return t("decision.\(effective.rawValue)") }
        return t("decision.granted-until", ["date": DayText.text(end)])
    }

    /// How many days before a consent lapses the kiosk asks about it first.
    static let askAheadDays = 60

    /// When the tenant's grant of a use ends (the earliest end over its attributes), if it is in force and ends.
    func grantEnd(_ purpose: PurposeDefinition) -> Date? {
        useState(purpose) == .granted ? recordedEnd(purpose) : nil
    }

    /// The earliest end recorded on the tenant's decisions for the use's attributes, whatever they now amount to.
    private func recordedEnd(_ purpose: PurposeDefinition) -> Date? {
        purpose.attributes.compactMap { state.session?.state.decisions[DecisionKey($0, purpose.id)]?.validUntil }.min()
    }

    /// The overview's list of uses, first on it, each opening its own screen; uses whose consent lapses
    /// within ``askAheadDays`` come first, under a heading that asks whether the tenant still agrees.
    func useItems() -> [KioskItem] {
        let horizon = Expiry.end(from: now, days: Self.askAheadDays)
        let lapsing = switchableUses.filter { grantEnd($0).map { $0 > now && $0 <= horizon } ?? false }
        func item(_ purpose: PurposeDefinition) -> KioskItem {
            KioskItem(.button(.use(purpose.id)), "\(t("purpose.\(purpose.id).name")): \(useStateText(purpose))")
        }
        let first = lapsing.isEmpty ? [] : [KioskItem(.heading, t("kiosk.uses.lapsing"))] + lapsing.map(item)
        return first + [KioskItem(.heading, t("kiosk.uses"))] + switchableUses.filter { !lapsing.contains($0) }.map(item)
    }

    /// One use: what it uses, its notice, the choice, then what Art. 13 asks and who is responsible.
    func useScreenItems(_ id: PurposeID) -> [KioskItem] {
        guard let purpose = content.catalogue.purpose(id) else { return [KioskItem(.button(.back), t("kiosk.back"))] }
        let name = t("purpose.\(id).name")
        let attributes = purpose.attributes.map { t("attribute.\($0).label") }.joined(separator: ", ")
        let optIn = purpose.legalBasis.control == .optIn
        var items = [KioskItem(.text, t(optIn ? "kiosk.use.ask" : "kiosk.use.ask-objection", ["purpose": name, "attributes": attributes]))]
        if optIn, let version = purpose.currentNotice(at: now)?.version {
            items.append(KioskItem(.text, t("notice.\(id).v\(version)")))
        }
        items.append(KioskItem(.heading, t("kiosk.use.now", ["decision": useStateText(purpose)])))
        let current = useState(purpose)
        if optIn {
            if current != .granted { items.append(KioskItem(.button(.setUse(.granted)), t("kiosk.action.grant"))) }
            if current != .withdrawn { items.append(KioskItem(.button(.setUse(.withdrawn)), t("kiosk.use.refuse"))) }
        } else {
            if current != .objected { items.append(KioskItem(.button(.setUse(.objected)), t("kiosk.action.object"))) }
            if current != .inUse { items.append(KioskItem(.button(.setUse(.granted)), t("kiosk.action.unobject"))) }
        }
        items.append(KioskItem(.button(.back), t("kiosk.back")))
        // Basis, recipients, retention, whether required, rights and complaint (Art. 13), then who is
        // responsible: under the buttons, where scrolling to the end of the list always reaches them.
        return items + [KioskItem(.text, content.noticeSummary(purpose, language))] + organisationItems()
    }
}

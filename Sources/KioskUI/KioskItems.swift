import ConsentCore
import ConsentForms
import Foundation

/// Builds each screen's items from the state: what the tenant sees and can choose.
struct KioskItems {
    let content: Content
    let state: KioskState
    let now: Date

    var language: String { state.language }

    func t(_ key: String, _ args: [String: String] = [:]) -> String { content.localizer.text(key, language, args) }

    /// An arrow pointing the way the line reads (FriBidi does not mirror arrows): "→" left to right, "←" right to left.
    var arrow: String { content.localizer.language(language).direction == .rightToLeft ? "←" : "→" }

    func title() -> String {
        switch state.screen {
        case .welcome: "TenantConsent"
        case .language: state.session == nil ? "TenantConsent" : t("kiosk.language")
        case .use(let p): t("purpose.\(p).name")
        case .help: t("kiosk.help")
        case .staffExit: t("kiosk.staff.title")
        case .signIn: t("kiosk.sign-in.title")
        case .code: t("kiosk.code.title")
        case .setPIN: t("kiosk.pin.title")
        case .overview: t("show.title")
        case .attribute(let a), .confirm(let a, _): t("attribute.\(a).label")
        case .notice(_, let p): t("purpose.\(p).name")
        case .edit(let a): t("kiosk.edit.title", ["attribute": t("attribute.\(a).label")])
        case .disclosures: t("kiosk.disclosures")
        case .accessRequest: t("kiosk.access.title")
        case .receipt: t("kiosk.receipt.title")
        }
    }

    /// The screen's items, then the footer's: Sign out (when signed in), Language (except where
    /// the screen is the language choice) and Help, on every screen.
    func items() -> [KioskItem] {
        if case .staffExit = state.screen { return screenItems() }
        var footer: [KioskItem] = []
        if state.session != nil { footer.append(KioskItem(.button(.signOut), t("kiosk.sign-out"), inFooter: true)) }
        switch state.screen {
        case .welcome, .language, .help: break
        default: footer.append(KioskItem(.button(.languages), t("kiosk.language"), inFooter: true))
        }
        if !isHelp { footer.append(KioskItem(.button(.help), t("kiosk.help"), inFooter: true)) }
        return screenItems() + footer
    }

    private var isHelp: Bool { if case .help = state.screen { true } else { false } }

    private func screenItems() -> [KioskItem] {
        switch state.screen {
        case .welcome, .language:
            // Signed in, the choice is plainly a setting: no welcome, a way back, the session kept.
            let signedIn = state.session != nil
            var items = [KioskItem(.text, t(signedIn ? "kiosk.language.choose" : "kiosk.welcome"))]
            for language in content.localizer.languages {
                items.append(KioskItem(.button(.language(language.code)), language.name))
            }
            if signedIn { items.append(KioskItem(.button(.back), t("kiosk.back"))) }
            return items
        case .use(let id):
            return useScreenItems(id)
        case .signIn:
            return [
                KioskItem(.field("ref"), t("kiosk.sign-in.reference")), KioskItem(.field("dob"), t("kiosk.sign-in.dob")),
                KioskItem(.field("pin"), t("kiosk.sign-in.pin")), KioskItem(.button(.signIn), t("kiosk.sign-in.submit")),
                KioskItem(.button(.useCode), t("kiosk.sign-in.first-time")),
            ]
        case .code:
            return [
                KioskItem(.field("ref"), t("kiosk.sign-in.reference")), KioskItem(.field("dob"), t("kiosk.sign-in.dob")),
                KioskItem(.field("code"), t("kiosk.code.code")), KioskItem(.button(.redeemCode), t("kiosk.code.submit")),
                KioskItem(.button(.back), t("kiosk.back")),
            ]
        case .setPIN:
            return [
                KioskItem(.field("pin1"), t("kiosk.pin.new")), KioskItem(.field("pin2"), t("kiosk.pin.confirm")),
                KioskItem(.button(.savePIN), t("kiosk.pin.submit")),
            ]
        case .overview:
            // Consent by use is the main path (issue 17): the uses a tenant decides come first, then each
            // item held, for seeing and correcting values.
            var items = [KioskItem(.text, t("kiosk.overview.hint"))] + useItems() + [KioskItem(.heading, t("kiosk.overview.items"))]
            for attribute in content.catalogue.attributes where listed(attribute) {
                items.append(KioskItem(.button(.attribute(attribute.id)), t("attribute.\(attribute.id).label"), value: valueText(attribute),
                                       note: attribute.isRetired ? t("value.retired") : nil))
            }
            items.append(KioskItem(.button(.disclosures), t("kiosk.disclosures")))
            if state.session?.hasOpenRequest(.access, nil) == false {
                items.append(KioskItem(.button(.requestAccess), t("kiosk.access.ask")))
            }
            return items + requestItems()
        case .help:
            return [KioskItem(.text, t("kiosk.help.text")), KioskItem(.button(.back), t("kiosk.back"))]
        case .staffExit:
            return [KioskItem(.text, t("kiosk.staff.text")), KioskItem(.field("staff-id"), t("kiosk.staff.id")),
                    KioskItem(.field("staff-password"), t("kiosk.staff.password")), KioskItem(.button(.endKiosk), t("kiosk.staff.end")),
                    KioskItem(.button(.back), t("kiosk.back"))]
        case .attribute(let id):
            return attributeItems(id)
        case let .notice(attribute, purpose):
            let definition = content.catalogue.purpose(purpose)
            let version = definition?.currentNotice(at: now)?.version ?? 1
            var items = [
                KioskItem(.text, t("notice.\(purpose).v\(version)")), KioskItem(.text, t("kiosk.notice.version", ["version": String(version)])),
                KioskItem(.text, t("attribute.\(attribute).label")),
                KioskItem(.button(.agree), t("kiosk.notice.agree")), KioskItem(.button(.back), t("kiosk.back")),
            ]
            // What Art. 13 asks (basis, recipients, retention, whether required, rights, complaint), then who
            // is responsible, right under the choice: the scroll follows the focus, so text above the
            // buttons that did not fit could never be reached, and the end of the list always can.
            if let definition { items.append(KioskItem(.text, content.noticeSummary(definition, language))) }
            return items + organisationItems()
        case .edit(let id):
            // What only staff change (kept by staff) the tenant sends them, as a rectification request.
            let byStaff = state.session?.correctsHere(id, content.catalogue, at: now) != true
            guard let attribute = content.catalogue.attribute(id), !byStaff || state.session?.mayAskToCorrect(id, content.catalogue, at: now) == true else {
                return [KioskItem(.button(.back), t("kiosk.back"))]
            }
            // The census question word for word, where the form asks it as the census does.
            var items = question(id).map { [KioskItem(.heading, $0)] } ?? []
            items.append(KioskItem(.text, byStaff ? t("kiosk.rectify.help") : t("attribute.\(id).help")))
            if attribute.type == .choice {
                for choice in attribute.choices {
                    items.append(KioskItem(.button(.choice(choice.id)), choice.fixedLabel ?? t("choice.\(id).\(choice.id)")))
                }
            } else {
                items += [KioskItem(.field("value"), t("attribute.\(id).label")), KioskItem(.button(.save), t(byStaff ? "kiosk.rectify.send" : "kiosk.edit.save"))]
            }
            items.append(KioskItem(.button(.back), t("kiosk.back")))
            return items
        case let .confirm(id, confirmation):
            let attribute = t("attribute.\(id).label")
            let (question, yes): (String, String) = switch confirmation {
            case .erase: (t("kiosk.erase.confirm", ["attribute": attribute]), t("kiosk.erase.yes"))
            case .requestErasure: (t("kiosk.erase.request.confirm", ["attribute": attribute]), t("kiosk.erase.request.yes"))
            case .requestRestriction: (t("kiosk.restrict.confirm", ["attribute": attribute]), t("kiosk.erase.request.yes"))
            case .preferNotToSay: (t("kiosk.prefer-not.confirm", ["attribute": attribute]), t("kiosk.prefer-not"))
            case .object(let p):
                (t("kiosk.object.confirm", ["attribute": attribute, "purpose": t("purpose.\(p).name")]), t("kiosk.action.object"))
            }
            return [KioskItem(.text, question), KioskItem(.button(.confirmYes), yes), KioskItem(.button(.back), t("kiosk.back"))]
        case .accessRequest:
            return [KioskItem(.text, t("kiosk.access.confirm")), KioskItem(.button(.confirmYes), t("kiosk.erase.request.yes")),
                    KioskItem(.button(.back), t("kiosk.back"))]
        case .disclosures:
            var items: [KioskItem] = []
            let lines = state.session?.disclosures ?? []
            if lines.isEmpty { items.append(KioskItem(.text, t("show.no-disclosures"))) }
            for d in lines {
                let attributes = d.attributes.map { t("attribute.\($0).label") }.joined(separator: ", ")
                items.append(KioskItem(.text, "\(d.date) \(t("purpose.\(d.purpose).name")) \(arrow) \(content.localizer.recipientNames(d.recipient, language)): \(attributes)"))
            }
            items.append(KioskItem(.button(.back), t("kiosk.back")))
            return items
        case .receipt:
            var items = state.receiptLines.isEmpty ? [KioskItem(.text, t("kiosk.receipt.none"))] : state.receiptLines.map { KioskItem(.text, "• " + $0.text(content, language)) }
            if let id = state.receiptID { items.append(KioskItem(.heading, t("kiosk.receipt.id", ["id": id]))) }
            items.append(KioskItem(.button(.finish), t("kiosk.receipt.finish")))
            return items + [KioskItem(.text, content.organisation.lines(content.localizer, language).joined(separator: "\n"))]
        }
    }

    /// Who is responsible, the data protection officer and the privacy notice, as one block.
    func organisationItems() -> [KioskItem] {
        [KioskItem(.text, content.organisation.contactLines(content.localizer, language).joined(separator: "\n"))]
    }

    /// Whether the tenant signed in is asked `id` now (not retired; old enough; after the answer it follows).
    func asked(_ id: AttributeID) -> Bool {
        guard let session = state.session else { return false }
        return content.catalogue.asks(id, of: session.state, at: now)
    }

    /// Whether the overview lists an attribute: every one asked, and any other while something is held.
    /// What staff keep (`kept-by-staff`, the tenancy's end) is never asked, so listed only once held.
    func listed(_ attribute: AttributeDefinition) -> Bool {
        guard let session = state.session else { return false }
        let value = session.state.value(attribute.id)
        return (asked(attribute.id) && !attribute.keptByStaff) || value.answer != nil || value.isUnavailable
    }

    /// The census question of an attribute (`attribute.<id>.question`), when `Localization/` has one.
    func question(_ id: AttributeID) -> String? {
        let key = "attribute.\(id).question"
        return content.localizer.hasText(key) ? t(key) : nil
    }

    /// "Waiting for staff to check", the words before a pending value: `value.pending` puts the value at
    /// its end in every language, so the value is an item's own (a bidi isolate, never read aloud unasked).
    var pendingLabel: String {
        var words = Substring(t("value.pending", ["value": ""]))
        while let last = words.last, last == ":" || last.isWhitespace { words = words.dropLast() }
        return String(words)
    }

    /// The value of an attribute as shown in the list: special categories hidden until shown.
    func valueText(_ attribute: AttributeDefinition) -> String {
        guard let session = state.session else { return "" }
        switch session.state.value(attribute.id) {
        case .notHeld: return t("value.not-held")
        case .erased: return t("value.erased")
        case .unavailable: return t("value.unavailable")
        case .held(.preferNotToSay, _): return t("value.prefer-not-to-say")
        case .held(.value(let text), _):
            if attribute.isSpecial && !session.revealed.contains(attribute.id) { return t("value.hidden") }
            // A choice by its label; anything else the way it is typed (dates DD/MM/YYYY), in every language.
            return attribute.type == .choice ? AccessReport.display(text, attribute, content, language) : Validator.typed(text, as: attribute.type)
        }
    }

    private func attributeItems(_ id: AttributeID) -> [KioskItem] {
        guard let attribute = content.catalogue.attribute(id), let session = state.session else {
            return [KioskItem(.button(.back), t("kiosk.back"))]
        }
        var items = [KioskItem(.heading, "", value: valueText(attribute))]
        for pending in session.state.pending[id] ?? [] {
            let shown = attribute.isSpecial && !session.revealed.contains(id) ? t("value.hidden")
                : pending.value.text.map { AccessReport.display($0, attribute, content, language) } ?? t("value.prefer-not-to-say")
            items.append(KioskItem(.text, pendingLabel, value: shown))
        }
        if attribute.isSpecial, session.state.value(id).answer?.text != nil {
            items.append(KioskItem(.button(.toggleShow), session.revealed.contains(id) ? t("kiosk.hide") : t("kiosk.show")))
        }
        // What can be done with the value first, right under it: however many uses the item has, the
        // way to correct it is on the first screen (uses are chosen mainly from the overview).
        if session.correctsHere(id, content.catalogue, at: now) {
            items.append(KioskItem(.button(.correct), t("kiosk.correct")))
            if attribute.offersPreferNotToSay { items.append(KioskItem(.button(.preferNotToSay), t("kiosk.prefer-not"))) }
        } else if let rectification = rectificationItem(id) {
            items.append(rectification)
        } else if attribute.isRetired {
            items.append(KioskItem(.text, t("value.retired")))
        }
        // A sealed value this kiosk cannot open (no key) can still be erased: erasure needs no key.
        // What the tenant signs in with, or the tenancy requires, only staff can erase: the tenant sends them a request.
        if session.state.value(id).answer != nil || session.state.value(id).isUnavailable {
            if content.catalogue.tenantMayErase(id) {
                items.append(KioskItem(.button(.erase), t("kiosk.erase")))
            } else {
                items.append(KioskItem(.text, t("kiosk.erase.ask-staff")))
                items.append(KioskItem(.button(.requestErasure), t("kiosk.erase.request")))
            }
        }
        for purpose in content.catalogue.purposes(using: id) {
            let key = DecisionKey(id, purpose.id)
            let effective = Policy.effectiveDecision(key, of: session.state, at: now, in: content.catalogue) ?? .notAsked
            let line = "\(t("purpose.\(purpose.id).name")): \(decisionText(effective, until: session.state.decisions[key]?.validUntil))"
            switch action(for: effective, purpose.legalBasis) {
            case nil: items.append(KioskItem(.heading, "\(line) (\(t("kiosk.action.fixed")))"))
            case let (state, label)?: items.append(KioskItem(.button(.decide(purpose.id, state)), "\(line) \(arrow) \(t(label))"))
            }
            // Why, and who receives it, in plain words under each purpose.
            let recipients = purpose.recipients.map { t("recipient.\($0)") }.joined(separator: "; ")
            items.append(KioskItem(.text, t("show.basis", ["basis": basisText(purpose)]) + " " + t("show.recipients", ["recipients": recipients])))
        }
        items += restrictionItems(id)
        items.append(KioskItem(.button(.back), t("kiosk.back")))
        return items
    }

    /// The legal basis in plain words (explicit consent where the purpose uses special categories).
    func basisText(_ purpose: PurposeDefinition) -> String {
        t(purpose.basisKey(in: content.catalogue))
    }

    /// The one action offered for a purpose: withdrawing or objecting is as easy as agreeing.
    func action(for effective: EffectiveDecision, _ basis: LegalBasis) -> (DecisionState, String)? {
        switch (basis.control, effective) {
        case (.fixed, _): nil
        case (.optIn, .granted): (.withdrawn, "kiosk.action.withdraw")
        case (.optIn, _): (.granted, "kiosk.action.grant")
        case (.optOut, .objected), (.optOut, .withdrawn): (.granted, "kiosk.action.unobject")
        case (.optOut, _): (.objected, "kiosk.action.object")
        }
    }
}

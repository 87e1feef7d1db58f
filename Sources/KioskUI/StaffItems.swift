import ConsentCore
import ConsentForms
import Foundation

/// Builds staff mode's screens as item lists. Staff screens are English (kept out of the tenant
/// catalogue); names of attributes and purposes come from Localization/ in English, and the notice
/// script in the tenant's language.
struct StaffItems {
    let content: Content
    let policy: StaffPolicy
    let state: StaffState
    let now: Date

    func en(_ key: String) -> String { content.localizer.text(key, "en") }
    func label(_ a: AttributeID) -> String { en("attribute.\(a).label") }

    var role: StaffRole { state.staff?.role ?? .support }

    /// The tenant's language for notices: their preferred language if shipped, else English.
    var tenantLanguage: String {
        let preferred = state.call?.state.value(AttributeID("preferred-language")).answer?.text
        return preferred.flatMap { content.localizer.has($0) ? $0 : nil } ?? "en"
    }

    func title() -> String {
        switch state.screen {
        case .signIn: "Staff sign-in"
        case .home: "Staff mode"
        case .find: "Find a tenant"
        case .alerts: "ALERT"
        case .verify: "Verify the caller"
        case .stronger: "Stronger check: one-time code or call-back"
        case .tenant: "\(state.call?.ref.rawValue ?? "") \(state.call?.name ?? "")"
        case .script(let p): "Notice script: \(en("purpose.\(p).name"))"
        case .reason: "Reason"
        case .edit(let a): "Correct \(label(a))"
        case .held, .heldItem: "Waiting for a second person"
        case .conflicts: "Conflicts to re-confirm"
        }
    }

    func items() -> [StaffItem] {
        switch state.screen {
        case .signIn:
            return [StaffItem(.field("staff"), "Staff id"), StaffItem(.field("password"), "Password"), StaffItem(.button(.signIn), "Sign in")]
        case .home:
            var items = [StaffItem(.button(.find), "Find a tenant"), StaffItem(.button(.held), "Changes waiting for a second person")]
            if StaffRules.may(role, .reviewConflicts) { items.append(StaffItem(.button(.conflicts), "Conflicts to re-confirm")) }
            items.append(StaffItem(.button(.signOut), "Sign out"))
            return items
        case .find:
            var items = [StaffItem(.field("ref"), "Tenancy reference"), StaffItem(.field("name"), "Name (any words, partial)"),
                         StaffItem(.field("postcode"), "Postcode (start)"), StaffItem(.button(.search), "Search")]
            for (i, m) in state.results.enumerated() { items.append(StaffItem(.button(.open(i)), resultLine(m))) }
            items.append(StaffItem(.button(.home), "Back"))
            return items
        case .alerts:
            var items = (state.call?.markers ?? []).map { StaffItem(.heading, policy.marker($0)?.alert ?? $0) }
            items.append(StaffItem(.button(.alertsRead), "I have read the alert"))
            return items
        case .verify:
            var items = jointTenancyItems()
            items.append(StaffItem(.text, "Ask the caller for these details and type what they say. Never read out what we hold. \(policy.required) must match."))
            for a in policy.checks { items.append(StaffItem(.field("check:\(a)"), label(a))) }
            items += [StaffItem(.button(.check), "Check the answers"),
                      StaffItem(.button(.unverified), "Continue unverified (withdraw or object only)"), StaffItem(.button(.home), "End call")]
            return items
        case .stronger:
            return strongerItems()
        case .tenant:
            return tenantItems()
        case .script(let p):
            let definition = content.catalogue.purpose(p)
            let version = definition?.currentNotice(at: now)?.version ?? 1
            // The notice with what Art. 13 asks (basis, recipients, retention, whether required, rights, complaint).
            func script(_ language: String) -> String {
                ([content.localizer.text("notice.\(p).v\(version)", language)] + (definition.map { [content.noticeSummary($0, language)] } ?? []))
                    .joined(separator: " ")
            }
            var items = [StaffItem(.heading, "Read this to the caller (\(content.localizer.language(tenantLanguage).name), notice v\(version)):"),
                         StaffItem(.text, script(tenantLanguage))]
            if tenantLanguage != "en" { items += [StaffItem(.heading, "In English:"), StaffItem(.text, script("en"))] }
            items += [StaffItem(.button(.scriptRead), "I have read the script to the caller and they agree"), StaffItem(.button(.back), "Back")]
            return items
        case .reason:
            var items = [StaffItem(.text, "Why? Choose the reason code:")]
            for r in policy.reasons { items.append(StaffItem(.button(.reason(r.id)), "\(r.label) (\(r.id))")) }
            items.append(StaffItem(.button(.back), "Back"))
            return items
        case .edit(let a):
            return [StaffItem(.text, "Type the new value the caller gives. Contact details wait for a supervisor or a call-back."),
                    StaffItem(.field("value"), label(a)), StaffItem(.button(.save), "Save"), StaffItem(.button(.back), "Back")]
        case .held:
            var items = state.held.isEmpty ? [StaffItem(.text, "Nothing is waiting.")] : []
            for (i, item) in state.held.enumerated() { items.append(StaffItem(.button(.heldItem(i)), heldLine(item))) }
            items.append(StaffItem(.button(.home), "Back"))
            return items
        case .heldItem(let i):
            guard state.held.indices.contains(i) else { return [StaffItem(.button(.held), "Back")] }
            var items = [StaffItem(.heading, heldLine(state.held[i]))]
            if case .erasureRequest = state.held[i].kind {
                // The tenant signed in with their PIN to ask: no caller to check, a decision to make.
                guard StaffRules.may(role, .decideErasure) else {
                    return items + [StaffItem(.text, "A supervisor or the data-protection lead decides erasure requests."), StaffItem(.button(.held), "Back")]
                }
                return items + [StaffItem(.text, "The tenant asked at the kiosk. Erase only if nothing requires us to keep it; if we must keep it, decline and tell the tenant why."),
                                StaffItem(.button(.decideErasure(erase: true)), "Erase it"), StaffItem(.button(.decideErasure(erase: false)), "Decline: we must keep it"),
                                StaffItem(.button(.held), "Back")]
            }
            if case .request(let request) = state.held[i].kind { return items + requestItems(request) }
            if StaffRules.may(role, .confirmHeld) {
                items += [StaffItem(.button(.confirm(.supervisor)), "Confirm as supervisor"), StaffItem(.button(.reject), "Reject (never takes effect)")]
            }
            let number = state.numbersOnFile[state.held[i].tenant] ?? "none held: a call-back is not possible"
            items += [StaffItem(.text, "Number on file to call back: \(number)"),
                      StaffItem(.button(.confirm(.callBack)), "Call-back to the number on file: the tenant confirmed"),
                      StaffItem(.field("evidence"), "Evidence seen (e.g. 'council tax bill 2026-10')"),
                      StaffItem(.button(.confirm(.evidence)), "Verified against this evidence"), StaffItem(.button(.held), "Back")]
            return items
        case .conflicts:
            var items = state.conflicts.isEmpty ? [StaffItem(.text, "No conflicts to re-confirm.")] : []
            for c in state.conflicts {
                items.append(StaffItem(.text, "\(c.reference) \(en("purpose.\(c.purpose).name")) / \(label(AttributeID(c.attribute))): \(c.state) stands; re-confirm \(c.losingEvent) with the tenant"))
            }
            items.append(StaffItem(.button(.home), "Back"))
            return items
        }
    }

    /// Decisions in staff words (the catalogue's are addressed to the tenant: "You agreed").
    static let staffWords: [EffectiveDecision: String] = [
        .granted: "granted", .withdrawn: "withdrawn", .objected: "objected", .notAsked: "not asked", .expired: "expired",
        .inUse: "in use (no objection)", .always: "always",
    ]

    func resultLine(_ m: TenantMatch) -> String {
        let hides = m.markers.contains { id in policy.marker(id)?.hides.contains(AttributeID("postcode")) == true }
        let postcode = hides && !StaffRules.may(role, .viewProtectedAddress) ? "(address protected)" : (m.postcode ?? "-")
        let markers = m.markers.isEmpty ? "" : "  ! " + m.markers.joined(separator: ", ").uppercased()
        return "\(m.reference)  \(m.name ?? "-")  \(postcode)\(markers)"
    }

    func heldLine(_ item: HeldItem) -> String {
        let what: String
        switch item.kind {
        case .correction(let a): what = "correction of \(label(a))"
        case let .grant(p, attributes): what = "grant: \(en("purpose.\(p).name")) (\(attributes.map(label).joined(separator: ", ")))"
        case .erasureRequest(let a): what = "erasure request: \(label(a))"
        case .request(let r):
            what = "\(r.kind.rawValue) request: \(r.attribute.map(label) ?? "a copy of everything held"), answer by \(DayText.text(r.deadline))"
        }
        var by = "the tenant"
        if case .staff(let id, _, _) = item.takenBy { by = id.rawValue }
        return "\(item.tenant) \(what), taken by \(by) (\(item.event))"
    }

    /// A rectification, restriction or access request: what the tenant asked (a rectification's proposed value,
    /// unless a special category), then carry it out or refuse it with one of the reasons the tenant reads at the kiosk in their language.
    private func requestItems(_ request: TenantRequest) -> [StaffItem] {
        guard StaffRules.may(role, .decideErasure) else {
            return [StaffItem(.text, "A supervisor or the data-protection lead decides tenants' requests."), StaffItem(.button(.held), "Back")]
        }
        var items: [StaffItem] = []
        let carry: String
        switch request.kind {
        case .rectification:
            let attribute = request.attribute.flatMap { content.catalogue.attribute($0) }
            let proposed: String = switch request.proposalView(content.catalogue) {
            case .withheld: "a value the tenant gave, which cannot be opened on this machine: type the corrected value"
            case .none: "none given: type the corrected value"
            case .preferNotToSay: "prefer not to say"
            case .special: "held (a special category, not shown): carrying it out applies it"
            case .text(let text): attribute.map { AccessReport.display(text, $0, content, "en") } ?? text
            }
            items += [StaffItem(.text, "The value the tenant says is right: \(proposed)"),
                      StaffItem(.field("value"), "Corrected value (leave empty to apply the tenant's)")]
            carry = "Correct it"
        case .restriction: carry = "Restrict it: it leaves no export until lifted"
        case .access: carry = "Mark answered (the pack is sent: consent tenant pack)"
        case .erasure: carry = "Erase it"
        }
        // A refusal gives one of the fixed reasons, which the tenant reads at the kiosk in their own language.
        let refusals = RefusalReason.allCases.map { StaffItem(.button(.refuseRequest($0)), "Refuse: \(en($0.textKey))") }
        return items + [StaffItem(.button(.carryOutRequest), carry), StaffItem(.text, "Or refuse it with the reason the tenant will read:")]
            + refusals + [StaffItem(.button(.held), "Back")]
    }

    /// The stronger check for a marked tenant: a code to text to the mobile on file, or a call-back to a
    /// number on file. Numbers are shown here, after the details passed, because staff must use them.
    private func strongerItems() -> [StaffItem] {
        guard let call = state.call, let stronger = policy.stronger else { return [StaffItem(.button(.home), "End call")] }
        let who = call.jointTenants.isEmpty ? "This tenant's marker needs more than details: someone close to them may know those."
            : "This tenant shares their tenancy: the other tenant knows their details. Send a code to, or call back, this tenant's own number."
        var items = [StaffItem(.text, "\(who) Use one of these.")]
        if stronger.methods.contains(.oneTimeCode) {
            if let number = call.state.value(stronger.codeTo).answer?.text {
                if let code = call.code, !code.isSpent(at: now) {
                    items += [StaffItem(.heading, "Text this code from the office phone to \(number) (\(label(stronger.codeTo)) on file): \(code.code)"),
                              StaffItem(.text, "Tell the caller: we sent a code to your number \(OneTimeCode.maskedNumber(number)). Never send it to a number the caller gives."),
                              StaffItem(.field("code"), "Code the caller reads back"), StaffItem(.button(.checkCode), "Check the code")]
                } else {
                    items.append(StaffItem(.button(.makeCode), "Make a one-time code for \(label(stronger.codeTo)) \(OneTimeCode.maskedNumber(number))"))
                }
            } else {
                items.append(StaffItem(.text, "No \(label(stronger.codeTo)) on file: a code cannot be sent."))
            }
        }
        if stronger.methods.contains(.callBack) {
            let numbers = stronger.callBackTo.compactMap { a in call.state.value(a).answer?.text.map { "\(label(a)) \($0)" } }
            if numbers.isEmpty {
                items.append(StaffItem(.text, "No number on file to call back: ask the tenant to come to the office with proof of identity."))
            } else {
                items += [StaffItem(.text, "Or end this call and call back a number on file: \(numbers.joined(separator: ", ")). Never a number the caller gives."),
                          StaffItem(.button(.calledBack), "I called back a number on file and the tenant answered")]
            }
        }
        items += [StaffItem(.button(.unverified), "Continue unverified (withdraw or object only)"), StaffItem(.button(.home), "End call")]
        return items
    }

    /// A joint tenancy's warning: the others' references only, and that this record is this tenant's alone.
    private func jointTenancyItems() -> [StaffItem] {
        guard let call = state.call, !call.jointTenants.isEmpty else { return [] }
        let others = call.jointTenants.map(TextSafety.displaySafe).joined(separator: ", ")
        return [StaffItem(.heading, "Joint tenancy with \(others): this is \(TextSafety.displaySafe(call.ref.rawValue))'s own record. "
                          + "Act only for the caller you verified; the other tenant calls as themselves.")]
    }

    private func tenantItems() -> [StaffItem] {
        guard let call = state.call else { return [StaffItem(.button(.home), "Back")] }
        var items: [StaffItem] = call.markers.map { StaffItem(.heading, "! " + (policy.marker($0)?.alert ?? $0)) }
        items += jointTenancyItems()
        items.append(StaffItem(.heading, call.caller.isVerified ? "Caller verified by \(call.caller.method)"
                                                          : "Caller NOT verified: only a withdrawal or objection can be recorded"))
        for purpose in content.catalogue.purposes where purpose.legalBasis.control != .fixed {
            let current = summary(purpose, call.state)
            let name = "\(en("purpose.\(purpose.id).name")): \(Self.staffWords[current] ?? current.rawValue)"
            switch (purpose.legalBasis.control, current) {
            case (.optIn, .granted): items.append(StaffItem(.button(.decide(purpose.id, .withdrawn)), "\(name) → withdraw"))
            case (.optIn, _) where call.caller.isVerified: items.append(StaffItem(.button(.decide(purpose.id, .granted)), "\(name) → grant (read the script)"))
            case (.optOut, .objected), (.optOut, .withdrawn):
                if call.caller.isVerified { items.append(StaffItem(.button(.decide(purpose.id, .granted)), "\(name) → lift the objection")) }
                else { items.append(StaffItem(.text, name)) }
            case (.optOut, _): items.append(StaffItem(.button(.decide(purpose.id, .objected)), "\(name) → object"))
            default: items.append(StaffItem(.text, name))
            }
        }
        for held in call.state.heldGrants.values.sorted(by: { $0.event < $1.event }) {
            items.append(StaffItem(.text, "Waiting for a second person: grant of \(en("purpose.\(held.purpose).name"))"))
        }
        guard call.caller.isVerified else {
            items.append(StaffItem(.button(.home), "End call"))
            return items
        }
        items.append(StaffItem(.heading, "What we hold"))
        for attribute in content.catalogue.attributes {
            let value = call.state.value(attribute.id)
            switch StaffRules.visibility(of: attribute, role: role, markers: Set(call.markers), caller: call.caller, policy: policy) {
            case .hidden:
                items.append(StaffItem(.text, "\(label(attribute.id)): not shown to your role"))
            case .masked:
                if let shown = call.revealed[attribute.id] {
                    items.append(StaffItem(.text, "\(label(attribute.id)): \(shown) (read recorded)"))
                } else if value.answer != nil || value.isUnavailable {
                    items.append(StaffItem(.button(.reveal(attribute.id)), "\(label(attribute.id)): ●●●● (reveal: give a reason, it is recorded)"))
                } else if content.catalogue.asks(attribute.id, of: call.state, at: now) {
                    items.append(StaffItem(.text, "\(label(attribute.id)): \(plain(value, attribute))"))
                }
            case .shown where content.catalogue.asks(attribute.id, of: call.state, at: now):
                items.append(StaffItem(.button(.edit(attribute.id)), "\(label(attribute.id)): \(plain(value, attribute))"))
            case .shown:
                // Not asked (retired, or the tenant is too young): what is held is shown, not edited.
                guard value.answer != nil || value.isUnavailable else { break }
                items.append(StaffItem(.text, "\(label(attribute.id)): \(plain(value, attribute))\(attribute.isRetired ? " (retired: no longer asked)" : "")"))
            }
            if !(call.state.pending[attribute.id] ?? []).isEmpty {
                items.append(StaffItem(.text, "  a correction of \(label(attribute.id)) is waiting for a second person"))
            }
        }
        items += [StaffItem(.button(.issueCode), "Issue a one-time kiosk sign-in code"), StaffItem(.button(.unlock), "Unlock kiosk sign-in"),
                  StaffItem(.button(.home), "End call")]
        return items
    }

    func plain(_ value: ValueState, _ attribute: AttributeDefinition) -> String {
        switch value {
        case .notHeld: "not held"
        case .erased: "erased"
        case .unavailable: "cannot be opened on this machine"
        case .held(.preferNotToSay, _): "prefer not to say"
        case .held(.value(let text), _): AccessReport.display(text, attribute, content, "en")
        }
    }

    /// One state for a whole purpose: stopped if any attribute is stopped, granted if all are.
    func summary(_ purpose: PurposeDefinition, _ tenant: TenantState) -> EffectiveDecision {
        let states = purpose.attributes.map { Policy.effectiveDecision(DecisionKey($0, purpose.id), of: tenant, at: now, in: content.catalogue) ?? .notAsked }
        if let stop = states.first(where: { $0 == .withdrawn || $0 == .objected }) { return stop }
        if !states.isEmpty, states.allSatisfy({ $0 == .granted }) { return .granted }
        return states.contains(.granted) ? .granted : (states.first ?? .notAsked)
    }
}

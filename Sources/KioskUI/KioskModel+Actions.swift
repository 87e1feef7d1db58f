import ConsentCore
import ConsentForms
import Foundation

/// The kiosk's buttons: what each one does.
extension KioskModel {
    // MARK: - Actions

    mutating func activate(_ action: KioskAction, now: Date) -> [KioskEffect] {
        state.message = nil
        if case .attribute = state.screen { state.attributeFocus = state.focus }
        switch action {
        case .language(let code):
            state.language = code
            if case .language(.screen(let screen)) = state.screen { go(screen) } else { go(.signIn) }
        case .languages:
            let current = state.screen
            go(.language(returnTo: .screen(current)))
        case .help:
            let current = state.screen
            go(.help(returnTo: .screen(current)))
        case .signIn:
            guard checkSignInForm(secret: "pin", now: now) else { return [] }
            return [.signIn(reference: text("ref"), dateOfBirth: text("dob"), pin: text("pin"))]
        case .useCode:
            go(.code)
        case .redeemCode:
            guard checkSignInForm(secret: "code", now: now) else { return [] }
            return [.redeemCode(reference: text("ref"), dateOfBirth: text("dob"), code: text("code"))]
        case .savePIN:
            guard let ref = state.pendingPIN else { go(.signIn); return [] }
            guard text("pin1") == text("pin2") else {
                state.message = Message("kiosk.pin.mismatch")
                state.fields["pin1"]?.text = ""
                state.fields["pin2"]?.text = ""
                focusFirstEmptyField(now: now)
                return []
            }
            return [.setPIN(ref, text("pin1"))]
        case .back: return back(now: now)
        case .signOut: return signOut(now: now)
        case .finish:
            state = KioskState(now: now)
            return [.wipe]
        case .disclosures: go(.disclosures)
        case .endKiosk:
            guard case .staffExit = state.screen else { break }
            return [.endKiosk(staff: text("staff-id"), password: text("staff-password"))]
        case .use(let purpose):
            ask(.use(purpose), now: now)
        case .setUse(let decision):
            guard case .use(let id) = state.screen, let purpose = content.catalogue.purpose(id) else { break }
            // The use's screen showed its notice: a grant records that version, in this language.
            let notice = decision == .granted && purpose.legalBasis.control == .optIn
                ? NoticeShown(version: purpose.currentNotice(at: now)?.version ?? 1, language: state.language) : nil
            return [record(.decision(id, purpose.attributes, decision, notice: notice, validUntil: nil),
                           receipt: Message("kiosk.receipt.use", ["purpose": id.rawValue]))]
        case .attribute(let attribute): go(.attribute(attribute))
        case .toggleShow:
            guard case .attribute(let a) = state.screen else { break }
            if state.session?.revealed.contains(a) == true { state.session?.revealed.remove(a) } else { state.session?.revealed.insert(a) }
        case let .decide(purpose, decision):
            guard case .attribute(let a) = state.screen else { break }
            if decision == .granted, content.catalogue.purpose(purpose)?.legalBasis.control == .optIn {
                ask(.notice(a, purpose), now: now)
                return []
            }
            if decision == .objected {
                ask(.confirm(a, .object(purpose)), now: now)
                return []
            }
            return [record(.decision(purpose, [a], decision, notice: nil, validUntil: nil), receipt: decisionReceipt(a, purpose, decision))]
        case .agree:
            guard case let .notice(a, purpose) = state.screen else { break }
            let version = content.catalogue.purpose(purpose)?.currentNotice(at: now)?.version ?? 1
            return [record(.decision(purpose, [a], .granted, notice: NoticeShown(version: version, language: state.language), validUntil: nil),
                           receipt: decisionReceipt(a, purpose, .granted))]
        case .correct:
            guard case .attribute(let a) = state.screen, correctsHere(a, now: now) || mayAskToCorrect(a, now: now) else { break }
            var field = Self.field("value")
            field.text = prefilled(a)
            state.fields["value"] = field
            go(.edit(a))
        case .save, .choice:
            guard case .edit(let a) = state.screen, let definition = content.catalogue.attribute(a) else { break }
            let byStaff = !correctsHere(a, now: now)
            guard !byStaff || mayAskToCorrect(a, now: now) else { break }
            let raw = if case .choice(let id) = action { id } else { text("value") }
            switch content.validator.normalise(raw, for: a, today: now) {
            case .failure(let error):
                state.message = Message(error.messageKey, ["max": String(definition.maxLength), "field": label(a)])
                focusField("value", now: now)
                return []
            case .success(let value) where byStaff:
                // Only staff change this value: the tenant's value goes to them with a rectification request.
                return [record(.request(.rectification, a, proposed: .value(value)), receipt: requestReceipt(.rectification, a))]
            case .success(let value):
                let pending = ChannelRules.correctionWaits(a, .value(value), channel: .kiosk, evidence: nil, catalogue: content.catalogue, heldByPhone: nil)
                return [record(.correction(a, .value(value), pending: pending),
                               receipt: Message(pending ? "kiosk.receipt.pending" : "kiosk.receipt.correction", ["attribute": a.rawValue]))]
            }
        case .preferNotToSay:
            guard case .attribute(let a) = state.screen, asked(a, now: now) else { break }
            ask(.confirm(a, .preferNotToSay), now: now)
        case .erase:
            guard case .attribute(let a) = state.screen, content.catalogue.tenantMayErase(a) else { break }
            ask(.confirm(a, .erase), now: now)
        case .requestErasure:
            guard case .attribute(let a) = state.screen, !content.catalogue.tenantMayErase(a) else { break }
            if state.session?.erasureRequested.contains(a) == true {
                // One request per value: staff already have it, so no second one is made.
                state.message = Message("kiosk.erase.request.already")
                break
            }
            ask(.confirm(a, .requestErasure), now: now)
        case .requestRestriction:
            guard case .attribute(let a) = state.screen, let session = state.session, session.state.value(a).answer != nil || session.state.value(a).isUnavailable,
                  !session.isRestricted(a) else { break }
            if session.hasOpenRequest(.restriction, a) {
                state.message = Message("kiosk.restrict.already")
                break
            }
            ask(.confirm(a, .requestRestriction), now: now)
        case .requestAccess:
            guard case .overview = state.screen, let session = state.session, !session.hasOpenRequest(.access, nil) else { break }
            ask(.accessRequest, now: now)
        case .confirmYes:
            if case .accessRequest = state.screen {
                return [record(.request(.access, nil), receipt: requestReceipt(.access, nil))]
            }
            guard case let .confirm(a, confirmation) = state.screen else { break }
            switch confirmation {
            case .requestRestriction:
                return [record(.request(.restriction, a), receipt: requestReceipt(.restriction, a))]
            case .erase:
                return [record(.erasure(a), receipt: Message("kiosk.receipt.erased", ["attribute": a.rawValue]))]
            case .requestErasure:
                return [record(.request(.erasure, a), receipt: Message("kiosk.receipt.erasure-requested", ["attribute": a.rawValue]))]
            case .preferNotToSay:
                return [record(.correction(a, .preferNotToSay, pending: false), receipt: Message("kiosk.receipt.prefer-not", ["attribute": a.rawValue]))]
            case .object(let purpose):
                return [record(.decision(purpose, [a], .objected, notice: nil, validUntil: nil), receipt: decisionReceipt(a, purpose, .objected))]
            }
        }
        return []
    }

    /// What a correction box starts with: the value held, as it would be typed, unless it is hidden
    /// or a choice (then empty).
    func prefilled(_ a: AttributeID) -> String {
        guard let session = state.session, let definition = content.catalogue.attribute(a), definition.type != .choice,
              !definition.isSpecial || session.revealed.contains(a), case .held(.value(let held), _) = session.state.value(a) else { return "" }
        return String(Validator.typed(held, as: definition.type).prefix(Self.field("value").limit))
    }

    /// Whether the tenant has typed something not yet saved: a correction box that no longer holds
    /// what it started with.
    func hasUnsavedTyping() -> Bool {
        guard case .edit(let a) = state.screen else { return false }
        return text("value") != prefilled(a)
    }

    /// Checks the sign-in boxes before anything is tried: what is not a reference, a date or a PIN
    /// (or code) of the right length is explained under its box, and is not a failed sign-in.
    private mutating func checkSignInForm(secret: String, now: Date) -> Bool {
        var notes: [String: Message] = [:]
        if content.validator.tenancyReference(text("ref")) == nil { notes["ref"] = Message("kiosk.sign-in.ref-format") }
        if Validator.date(text("dob")) == nil { notes["dob"] = Message("kiosk.sign-in.dob-format") }
        let length = secret == "code" ? 8 : 6
        if text(secret).count != length { notes[secret] = Message(secret == "code" ? "kiosk.code.format" : "pin.format") }
        state.notes = notes
        guard let first = ["ref", "dob", secret].first(where: { notes[$0] != nil }) else { return true }
        focusField(first, now: now)
        return false
    }

    /// Whether the tenant signed in is asked `a` (the census asks gender identity from 16; nothing retired is asked).
    private func asked(_ a: AttributeID, now: Date) -> Bool {
        guard let session = state.session else { return false }
        return content.catalogue.asks(a, of: session.state, at: now)
    }

    /// Whether the tenant corrects `a` here themselves (``TenantSession/correctsHere(_:_:at:)``).
    func correctsHere(_ a: AttributeID, now: Date) -> Bool {
        state.session?.correctsHere(a, content.catalogue, at: now) ?? false
    }

    /// Whether the tenant may send staff a value they cannot change here themselves (``TenantSession/mayAskToCorrect(_:_:at:)``).
    func mayAskToCorrect(_ a: AttributeID, now: Date) -> Bool {
        state.session?.mayAskToCorrect(a, content.catalogue, at: now) ?? false
    }

    /// A request's receipt entry: its kind and attribute (none for access).
    private func requestReceipt(_ kind: RequestKind, _ a: AttributeID?) -> Message {
        Message("kiosk.receipt.request", ["kind": kind.rawValue, "attribute": a?.rawValue ?? ""])
    }

    private func label(_ a: AttributeID) -> String { content.localizer.text("attribute.\(a).label", state.language) }

    /// A decision's receipt entry: ids only; the receipt shows the final state, in the language of the moment.
    private func decisionReceipt(_ a: AttributeID, _ p: PurposeID, _ d: DecisionState) -> Message {
        Message("kiosk.receipt.decision", ["attribute": a.rawValue, "purpose": p.rawValue])
    }

    private func record(_ payload: EventPayload, receipt: Message) -> KioskEffect {
        let ref = state.session?.ref ?? TenantRef("")
        return .record(ChangeRequest(tenant: ref, payload: payload, actor: .tenant, channel: .kiosk), receipt: receipt)
    }
}

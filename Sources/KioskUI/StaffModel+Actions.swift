import ConsentCore
import ConsentForms
import Foundation

/// Staff mode's buttons: what each one does.
extension StaffModel {
    // MARK: - Actions

    mutating func activate(_ action: StaffAction, now: Date) -> [StaffEffect] {
        state.message = nil
        let role = state.staff?.role ?? .support
        switch action {
        case .signIn:
            return [.signIn(id: text("staff"), password: text("password"))]
        case .signOut:
            return signOut(now: now, note: "Signed out.")
        case .home:
            endCall()
        case .find:
            state.results = []
            go(.find)
        case .search:
            return [.find(reference: text("ref"), name: text("name"), postcode: text("postcode"))]
        case .open(let i):
            guard state.results.indices.contains(i) else { break }
            return [.open(TenantRef(state.results[i].reference), caller: .none(required: policy.required))]
        case .alertsRead:
            go(.verify)
        case .check, .unverified:
            guard var call = state.call else { break }
            if action == .check {
                var answers: [AttributeID: String] = [:]
                for a in policy.checks { answers[a] = text("check:\(a)") }
                call.caller = StaffRules.checkCaller(answers, state: call.state, policy: policy, validator: content.validator, today: now,
                                                     markers: call.markers, jointTenancy: !call.jointTenants.isEmpty)
                for a in policy.checks { state.fields["check:\(a)"] = nil }
                state.call = call
                if call.caller.detailsPassed, !call.caller.isVerified {
                    state.message = call.jointTenants.isEmpty ? "The details match, but this tenant's marker needs a stronger check."
                        : "The details match, but a joint tenant knows them too: this tenant needs a stronger check."
                    go(.stronger)
                    return []
                }
                guard call.caller.isVerified else {
                    state.message = "Not verified: \(call.caller.shortfall ?? ""). Ask again, or continue unverified."
                    state.focus = 0
                    return []
                }
                state.message = "Verified by \(call.caller.method)."
            } else {
                call.caller = .none(required: policy.required)
                call.code = nil
            }
            for a in policy.checks { state.fields["check:\(a)"] = nil }
            state.call = call
            go(.tenant)
        case .makeCode:
            return [.makeCode]
        case .checkCode, .calledBack:
            guard var call = state.call else { break }
            if action == .checkCode {
                guard var code = call.code else { break }
                let right = code.check(text("code"), at: now)
                call.code = code
                state.fields["code"] = nil
                guard right else {
                    state.call = call
                    state.message = code.isSpent(at: now) ? "That code is spent (\(OneTimeCode.tries) wrong answers, or over 10 minutes): make a new one, or call back."
                        : "Wrong code: \(OneTimeCode.tries - code.wrong) tries left."
                    return []
                }
            }
            do {
                call.caller = try StaffRules.passStronger(call.caller, action == .checkCode ? .oneTimeCode : .callBack, policy: policy)
            } catch {
                state.message = "Not done: \(error.description)"
                return []
            }
            call.code = nil
            state.call = call
            state.message = "Verified by \(call.caller.method)."
            go(.tenant)
        case let .decide(purpose, decision):
            if decision == .granted, content.catalogue.purpose(purpose)?.legalBasis.control == .optIn {
                go(.script(purpose))
            } else {
                go(.reason(.decide(purpose, decision, scriptRead: false)))
            }
        case .scriptRead:
            guard case .script(let purpose) = state.screen else { break }
            go(.reason(.decide(purpose, .granted, scriptRead: true)))
        case .reveal(let attribute):
            go(.reason(.reveal(attribute)))
        case .edit(let attribute):
            // What the tenant is not asked (gender identity under 16, a retired question) is not edited for them.
            guard let call = state.call, content.catalogue.asks(attribute, of: call.state, at: now) else { break }
            state.fields["value"] = Field(limit: 500)
            go(.edit(attribute))
        case .save:
            guard case .edit(let a) = state.screen else { break }
            switch content.validator.normalise(text("value"), for: a, today: now) {
            case .failure(let error): state.message = "Not saved: \(error.description)"
            case .success(let value): go(.reason(.correct(a, .value(value))))
            }
        case .reason(let reason):
            guard case .reason(let pending) = state.screen, let call = state.call, let staff = state.staff else { break }
            return record(pending, reason: reason, call: call, staff: staff, now: now)
        case .back:
            return back()
        case .issueCode, .unlock:
            guard let call = state.call, let staff = state.staff else { break }
            guard call.caller.isVerified else { state.message = "Verify the caller first."; break }
            return [action == .unlock ? .unlock(call.ref, by: StaffID(staff.id)) : .issueCode(call.ref, by: StaffID(staff.id))]
        case .held:
            go(.held)
            return [.loadHeld]
        case .heldItem(let i):
            go(.heldItem(i))
        case .confirm, .reject:
            guard case .heldItem(let i) = state.screen, state.held.indices.contains(i), let staff = state.staff else { break }
            let item = state.held[i]
            let how: ConfirmationMethod, reason: String
            let approved = action != .reject
            switch action {
            case .confirm(.callBack): (how, reason) = (.callBack, "call-back")
            case .confirm(.evidence): (how, reason) = (.evidence(text("evidence")), "desk-evidence")
            default: (how, reason) = (.supervisor, "supervisor-check")
            }
            do {
                let request = try StaffRules.confirm(item.event, attribute: item.attribute, approved: approved, tenant: item.tenant,
                                                     takenBy: item.takenBy, staff: StaffID(staff.id), role: role, how: how, reason: reason, policy: policy)
                state.fields["evidence"] = nil
                return [.record(request, note: approved ? "Confirmed: it takes effect now." : "Rejected: it never takes effect."), .loadHeld]
            } catch {
                state.message = "Not done: \(error.description)"
            }
        case .decideErasure(let erase):
            guard case .heldItem(let i) = state.screen, state.held.indices.contains(i), let staff = state.staff else { break }
            let item = state.held[i]
            do {
                let request = try StaffRules.decideErasure(item.event, attribute: item.attribute, erase: erase, tenant: item.tenant, takenBy: item.takenBy, staff: StaffID(staff.id),
                                                           role: role, reason: erase ? "erasure-granted" : "erasure-declined", policy: policy)
                return [.record(request, note: erase ? "Erased, as the tenant asked." : "Declined: the value is kept. Tell the tenant why."), .loadHeld]
            } catch {
                state.message = "Not done: \(error.description)"
            }
        case .carryOutRequest, .refuseRequest:
            guard case .heldItem(let i) = state.screen, state.held.indices.contains(i), let staff = state.staff,
                  case .request(let request) = state.held[i].kind else { break }
            let decision: RequestDecision
            if case .refuseRequest(let reason) = action {
                decision = .refuse(reason.rawValue)
            } else {
                var value: AttributeValue?
                let typed = text("value")
                if request.kind == .rectification, !typed.trimmingCharacters(in: .whitespaces).isEmpty, let a = request.attribute {
                    switch content.validator.normalise(typed, for: a, today: now) {
                    case .failure(let error): state.message = "Not done: \(error.description)"; return []
                    case .success(let normal): value = .value(normal)
                    }
                }
                decision = .carryOut(value)
            }
            do {
                let changes = try StaffRules.decideRequest(request, decision, staff: StaffID(staff.id), role: role, policy: policy)
                state.fields["value"] = nil
                let note = if case .refuse = decision { "Refused: the tenant reads the reason at the kiosk, in their language." }
                           else { "Carried out: the tenant sees it at the kiosk." }
                return [.recordAll(changes, note: note), .loadHeld]
            } catch {
                state.message = "Not done: \(error.description)"
            }
        case .conflicts:
            go(.conflicts)
            return [.loadConflicts]
        }
        return []
    }

    private mutating func record(_ action: StaffChange, reason: String, call: CallSession, staff: StaffMember, now: Date) -> [StaffEffect] {
        let context = StaffContext(staff: StaffID(staff.id), role: staff.role, caller: call.caller)
        let payload: EventPayload, scriptRead: Bool, note: String
        switch action {
        case let .decide(purpose, decision, read):
            var attributes = content.catalogue.purpose(purpose)?.attributes ?? []
            if attributes.isEmpty { attributes = [AttributeID("")] }
            let version = content.catalogue.purpose(purpose)?.currentNotice(at: now)?.version ?? 1
            let language = items(now: now).tenantLanguage
            payload = .decision(purpose, attributes, decision,
                                notice: decision == .granted ? NoticeShown(version: version, language: language) : nil, validUntil: nil)
            scriptRead = read
            note = "Recorded: \(decision.rawValue)."
        case let .correct(attribute, value):
            payload = .correction(attribute, value, pending: false)
            (scriptRead, note) = (false, "Recorded.")
        case .reveal(let attribute):
            do {
                let request = try StaffRules.reveal(attribute, of: call.state, context: context, reason: reason, at: now,
                                                    policy: policy, catalogue: content.catalogue)
                return [.reveal(request, attribute)]
            } catch {
                state.message = "Not done: \(error.description)"
                go(.tenant)
                return []
            }
        }
        do {
            let request = try StaffRules.onBehalf(payload, tenant: call.ref, context: context, reason: reason, scriptRead: scriptRead,
                                                  policy: policy, catalogue: content.catalogue)
            var said = note
            switch request.payload {
            case .heldGrant: said = "Held: a supervisor must confirm this grant, or a colleague call back the number on file."
            case .correction(_, _, true): said = "Held: the change waits for a supervisor, or a colleague's call-back to the number on file."
            default: break
            }
            return [.record(request, note: said)]
        } catch {
            state.message = "Not done: \(error.description)"
            go(.tenant)
            return []
        }
    }
}

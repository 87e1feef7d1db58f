import ConsentCore
import ConsentForms
import Foundation
import TerminalCore

/// Staff mode as a state machine, like ``KioskModel``: input, ticks and effect results in; the new
/// state and effects out. Every change is built by ``StaffRules`` (roles, caller check, reason,
/// script, four eyes) before it becomes an effect, so a refused action never reaches the store.
public struct StaffModel {
    public let content: Content
    public let policy: StaffPolicy
    public let timing: KioskTiming
    public private(set) var state: StaffState
    /// The terminal size last drawn at (for mapping clicks to items).
    public var lastSize: (width: Int, height: Int)?

    public init(content: Content, policy: StaffPolicy, timing: KioskTiming = KioskTiming(), now: Date) {
        self.content = content
        self.policy = policy
        self.timing = timing
        state = StaffState(now: now)
    }

    func items(now: Date) -> StaffItems { StaffItems(content: content, policy: policy, state: state, now: now) }

    /// Shows how this terminal stands with its centre (read by the runner every few seconds).
    public mutating func showSync(_ indicator: SyncIndicator?) { state.sync = indicator }

    /// The screen to draw.
    public func view(now: Date) -> ScreenView {
        let builder = items(now: now)
        var countdown: String?
        if state.staff != nil, now.timeIntervalSince(state.lastInput) >= timing.idleWarning {
            countdown = "Signing out in \(max(0, Int((timing.idleTimeout - now.timeIntervalSince(state.lastInput)).rounded(.up)))) s: press any key to stay"
        }
        var who = state.staff.map { "\($0.id) (\($0.role.rawValue))" } ?? "TenantConsent"
        if let sync = state.sync { who += " · " + sync.text(now: now) }
        return ScreenView(title: builder.title(), corner: who, items: builder.items(), focus: state.focus, fields: state.fields,
                          status: state.message ?? "", countdown: countdown, hints: "↑↓ move · Enter choose · Esc back · digits pick")
    }

    func selectable(now: Date) -> [Item] { items(now: now).items().filter(\.isSelectable) }

    public mutating func handle(_ event: StaffEvent, now: Date) -> [StaffEffect] {
        switch event {
        case .tick:
            guard state.staff != nil, now.timeIntervalSince(state.lastInput) >= timing.idleTimeout else { return [] }
            return signOut(now: now, note: "Signed out after \(Int(timing.idleTimeout)) s without input.")
        case .input(let input):
            state.lastInput = now
            return handle(input, now: now)
        case .signedIn(let member):
            state.staff = member
            state.fields = [:]
            state.message = "Signed in as \(member.name)."
            go(.home)
        case .signInRefused(let text):
            state.message = text
            state.fields["password"] = Field(masked: true, limit: 200)
            state.focus = 1
        case .found(let matches):
            state.results = matches
            state.message = matches.isEmpty ? "No tenant found." : "\(matches.count) found: choose one."
        case .opened(let call):
            state.call = call
            state.fields = [:]
            state.message = nil
            go(call.markers.isEmpty ? .verify : .alerts)
        case let .recorded(tenant, note):
            state.message = note
            if state.call?.ref == tenant.ref { state.call?.state = tenant }
            if case .heldItem = state.screen { go(.held) } else { go(.tenant) }
        case .codeMade(let code):
            state.call?.code = code
            state.fields["code"] = nil
            state.message = "Code made: text it to the number shown, then type what the caller reads back."
        case let .revealed(attribute, text):
            state.call?.revealed[attribute] = text
            state.message = "Shown; the read is recorded with your reason."
            go(.tenant)
        case let .held(items, numbers):
            state.held = items
            state.numbersOnFile = numbers
            if case .heldItem = state.screen { go(.held) }
        case .conflicts(let items):
            state.conflicts = items
        case .done(let text):
            state.message = text
        case .refused(let text):
            state.message = "Not done: \(text)"
        }
        return []
    }

    private mutating func signOut(now: Date, note: String) -> [StaffEffect] {
        state = StaffState(now: now)
        state.message = note
        return [.wipe]
    }

    private mutating func go(_ screen: StaffScreen) {
        state.screen = screen
        state.focus = 0
    }

    private func text(_ name: String) -> String { state.fields[name]?.text ?? "" }

    // MARK: - Input (the same keys as the kiosk)

    private mutating func handle(_ input: InputEvent, now: Date) -> [StaffEffect] {
        let selectable = self.selectable(now: now)
        guard !selectable.isEmpty else { return [] }
        state.focus = min(state.focus, selectable.count - 1)
        let focused = selectable[state.focus]
        let hasFields = selectable.contains { if case .field = $0.kind { true } else { false } }
        if case .field(let name) = focused.kind {
            var field = state.fields[name] ?? Field(masked: name == "password", limit: name == "evidence" ? 200 : 120)
            switch input {
            case .character(let c) where !c.unicodeScalars.contains(where: { TextSafety.isForbidden($0) || $0.value < 0x20 }):
                if field.text.count < field.limit { field.text.append(c) }
                state.fields[name] = field
                return []
            case .paste(let pasted):
                let line = pasted.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                field.text = String((field.text + line).unicodeScalars.filter { !TextSafety.isForbidden($0) }.map(Character.init).prefix(field.limit))
                state.fields[name] = field
                return []
            case .backspace:
                if !field.text.isEmpty { field.text.removeLast() }
                state.fields[name] = field
                return []
            case .enter:
                state.focus = (state.focus + 1) % selectable.count
                if case .button(let action) = selectable[state.focus].kind { return activate(action, now: now) }
                return []
            default: break
            }
        }
        switch input {
        case .down, .tab, .right: state.focus = (state.focus + 1) % selectable.count
        case .up, .backTab, .left: state.focus = (state.focus - 1 + selectable.count) % selectable.count
        case .home, .pageUp: state.focus = 0
        case .end, .pageDown: state.focus = selectable.count - 1
        case .enter:
            if case .button(let action) = focused.kind { return activate(action, now: now) }
        case .escape:
            return back()
        case .character(let c) where c.isNumber && !hasFields:
            if let n = c.wholeNumberValue, n >= 1, n <= selectable.count, case .button(let action) = selectable[n - 1].kind {
                state.focus = n - 1
                return activate(action, now: now)
            }
        case .click(let row, _):
            if let size = lastSize, let index = KioskRenderer.itemIndex(atRow: row, view: view(now: now), size: size) {
                state.focus = index
                if case .button(let action) = selectable[index].kind { return activate(action, now: now) }
            }
        default: break
        }
        return []
    }

    private mutating func back() -> [StaffEffect] {
        state.message = nil
        switch state.screen {
        case .signIn, .home: break
        case .find, .held, .conflicts: go(.home)
        case .alerts, .verify, .stronger: endCall()
        case .tenant: endCall()
        case .script, .reason, .edit: go(.tenant)
        case .heldItem: go(.held)
        }
        return []
    }

    private mutating func endCall() {
        state.call = nil
        state.fields = [:]
        go(.home)
    }
}

extension StaffModel {
    // MARK: - Actions

    private mutating func activate(_ action: String, now: Date) -> [StaffEffect] {
        state.message = nil
        let parts = action.split(separator: ":", maxSplits: 2).map(String.init)
        let role = state.staff?.role ?? .support
        switch parts[0] {
        case "sign-in":
            return [.signIn(id: text("staff"), password: text("password"))]
        case "sign-out":
            return signOut(now: now, note: "Signed out.")
        case "home":
            endCall()
        case "find":
            state.results = []
            go(.find)
        case "search":
            return [.find(reference: text("ref"), name: text("name"), postcode: text("postcode"))]
        case "open":
            guard let i = Int(parts[1]), state.results.indices.contains(i) else { break }
            return [.open(TenantRef(state.results[i].reference), caller: .none(required: policy.required))]
        case "alerts-read":
            go(.verify)
        case "check", "unverified":
            guard var call = state.call else { break }
            if parts[0] == "check" {
                var answers: [AttributeID: String] = [:]
                for a in policy.checks { answers[a] = text("check:\(a)") }
                call.caller = StaffRules.checkCaller(answers, state: call.state, policy: policy, validator: content.validator, today: now,
                                                     markers: call.markers)
                for a in policy.checks { state.fields["check:\(a)"] = nil }
                state.call = call
                if call.caller.detailsPassed, !call.caller.isVerified {
                    state.message = "The details match, but this tenant's marker needs a stronger check."
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
        case "make-code":
            return [.makeCode]
        case "check-code", "called-back":
            guard var call = state.call else { break }
            if parts[0] == "check-code" {
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
                call.caller = try StaffRules.passStronger(call.caller, parts[0] == "check-code" ? .oneTimeCode : .callBack, policy: policy)
            } catch {
                state.message = "Not done: \(error.description)"
                return []
            }
            call.code = nil
            state.call = call
            state.message = "Verified by \(call.caller.method)."
            go(.tenant)
        case "decide":
            guard parts.count == 3, let decision = DecisionState(rawValue: parts[2]) else { break }
            let purpose = PurposeID(parts[1])
            if decision == .granted, content.catalogue.purpose(purpose)?.legalBasis.control == .optIn {
                go(.script(purpose))
            } else {
                go(.reason(.decide(purpose, decision, scriptRead: false)))
            }
        case "script-read":
            guard case .script(let purpose) = state.screen else { break }
            go(.reason(.decide(purpose, .granted, scriptRead: true)))
        case "reveal":
            go(.reason(.reveal(AttributeID(parts[1]))))
        case "edit":
            guard let call = state.call, content.catalogue.asks(AttributeID(parts[1]), of: call.state, at: now) else { break }
            state.fields["value"] = Field(limit: 500)
            go(.edit(AttributeID(parts[1])))
        case "save":
            guard case .edit(let a) = state.screen else { break }
            switch content.validator.normalise(text("value"), for: a, today: now) {
            case .failure(let error): state.message = "Not saved: \(error.description)"
            case .success(let value): go(.reason(.correct(a, .value(value))))
            }
        case "reason":
            guard case .reason(let pending) = state.screen, let call = state.call, let staff = state.staff else { break }
            return record(pending, reason: parts[1], call: call, staff: staff, now: now)
        case "back":
            return back()
        case "issue-code", "unlock":
            guard let call = state.call, let staff = state.staff else { break }
            guard call.caller.isVerified else { state.message = "Verify the caller first."; break }
            return [parts[0] == "unlock" ? .unlock(call.ref, by: StaffID(staff.id)) : .issueCode(call.ref, by: StaffID(staff.id))]
        case "held":
            go(.held)
            return [.loadHeld]
        case "held-item":
            guard let i = Int(parts[1]) else { break }
            go(.heldItem(i))
        case "confirm", "reject":
            guard case .heldItem(let i) = state.screen, state.held.indices.contains(i), let staff = state.staff else { break }
            let item = state.held[i]
            let how: ConfirmationMethod, reason: String
            switch parts.count > 1 ? parts[1] : "supervisor" {
            case "call-back": (how, reason) = (.callBack, "call-back")
            case "evidence": (how, reason) = (.evidence(text("evidence")), "desk-evidence")
            default: (how, reason) = (.supervisor, "supervisor-check")
            }
            do {
                let request = try StaffRules.confirm(item.event, attribute: item.attribute, approved: parts[0] == "confirm", tenant: item.tenant,
                                                     takenBy: item.takenBy, staff: StaffID(staff.id), role: role, how: how, reason: reason, policy: policy)
                state.fields["evidence"] = nil
                return [.record(request, note: parts[0] == "confirm" ? "Confirmed: it takes effect now." : "Rejected: it never takes effect."), .loadHeld]
            } catch {
                state.message = "Not done: \(error.description)"
            }
        case "erasure":
            guard case .heldItem(let i) = state.screen, state.held.indices.contains(i), let staff = state.staff, parts.count > 1 else { break }
            let item = state.held[i], erase = parts[1] == "erase"
            do {
                let request = try StaffRules.decideErasure(item.event, attribute: item.attribute, erase: erase, tenant: item.tenant, staff: StaffID(staff.id),
                                                           role: role, reason: erase ? "erasure-granted" : "erasure-declined", policy: policy)
                return [.record(request, note: erase ? "Erased, as the tenant asked." : "Declined: the value is kept. Tell the tenant why."), .loadHeld]
            } catch {
                state.message = "Not done: \(error.description)"
            }
        case "conflicts":
            go(.conflicts)
            return [.loadConflicts]
        default: break
        }
        return []
    }

    private mutating func record(_ action: StaffAction, reason: String, call: CallSession, staff: StaffMember, now: Date) -> [StaffEffect] {
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

import ConsentCore
import ConsentForms
import Foundation
import TerminalCore

/// The kiosk as a state machine: every input, tick or effect result goes in, the new state and
/// the effects to run come out. Pure (the clock is passed in), so every screen and rule is tested
/// without a terminal or a database.
public struct KioskModel {
    public let content: Content
    public let timing: KioskTiming
    public private(set) var state: KioskState
    /// The terminal size last drawn at (for mapping clicks to items).
    public var lastSize: (width: Int, height: Int)?

    public init(content: Content, timing: KioskTiming = KioskTiming(), now: Date) {
        self.content = content
        self.timing = timing
        state = KioskState(now: now)
    }

    func items(now: Date) -> KioskItems { KioskItems(content: content, state: state, now: now) }

    /// The selectable items of the current screen, in order.
    func selectable(now: Date) -> [Item] { items(now: now).items().filter(\.isSelectable) }

    /// Seconds left before an idle sign-out, when the warning is showing.
    public func idleCountdown(now: Date) -> Int? {
        guard state.session != nil else { return nil }
        let idle = now.timeIntervalSince(state.lastInput)
        guard idle >= timing.idleWarning else { return nil }
        return max(0, Int((timing.idleTimeout - idle).rounded(.up)))
    }

    public mutating func handle(_ event: KioskEvent, now: Date) -> [KioskEffect] {
        switch event {
        case .tick:
            return tick(now)
        case .input(let input):
            state.lastInput = now
            return handle(input, now: now)
        case .signedIn(let session):
            state.session = session
            state.fields = [:]
            state.message = nil
            go(.overview)
            return [.loadDisclosures(session.ref)]
        case .signInRefused(let message), .pinRefused(let message):
            state.message = message
            for key in ["pin", "code", "pin1", "pin2"] { state.fields[key]?.text = "" }
            focusFirstEmptyField(now: now)
            return []
        case .codeAccepted(let ref):
            state.pendingPIN = ref
            state.fields = [:]
            state.message = nil
            go(.setPIN)
            return []
        case let .recorded(tenant, receipt):
            state.session?.state = tenant
            state.session?.changes.append(receipt)
            switch state.screen {
            case .notice(let attribute, _), .edit(let attribute), .confirmErase(let attribute): returnTo(attribute, now: now)
            default: break
            }
            state.message = receipt.key == "kiosk.receipt.pending" ? Message("kiosk.saved-pending") : Message("kiosk.saved")
            return []
        case .refused(let reason):
            state.message = Message("kiosk.error", ["reason": reason])
            return []
        case .disclosures(let lines):
            state.session?.disclosures = lines
            return []
        }
    }

    private mutating func tick(_ now: Date) -> [KioskEffect] {
        guard let session = state.session else {
            // An unfinished sign-in is cleared too, so a half-typed reference does not wait for the next person.
            if state.screen != .welcome && now.timeIntervalSince(state.lastInput) >= timing.idleTimeout {
                return reset()
            }
            return []
        }
        if now.timeIntervalSince(state.lastInput) >= timing.idleTimeout || now.timeIntervalSince(session.started) >= timing.sessionLimit {
            return signOut(now: now)
        }
        return []
    }

    /// Ends the session: the receipt in the tenant's language, then a wiped screen.
    private mutating func signOut(now: Date) -> [KioskEffect] {
        guard let session = state.session else { return reset() }
        let lines = session.changes.map { m in content.localizer.text(m.key, state.language, m.arguments) }
        let id = Self.receiptID()
        let idle = now.timeIntervalSince(state.lastInput) >= timing.idleTimeout
        state.session = nil
        state.fields = [:]
        state.message = nil
        if idle {
            // Nobody is there to read it: print it, wipe, and show the welcome screen.
            state.screen = .welcome
            state.language = "en"
            state.focus = 0
            return [.printReceipt(lines: lines, id: id), .wipe]
        }
        state.receiptLines = lines
        state.receiptID = id
        go(.receipt)
        return [.printReceipt(lines: lines, id: id), .wipe]
    }

    /// Ends a session because the kiosk is shutting down: the receipt is printed and the screen wiped.
    public mutating func endForShutdown(now: Date) -> [KioskEffect] {
        state.lastInput = now.addingTimeInterval(-timing.idleTimeout)
        return signOut(now: now)
    }

    private mutating func reset() -> [KioskEffect] {
        state = KioskState(now: state.lastInput)
        return [.wipe]
    }

    /// A receipt number: 8 characters that cannot be confused (no 0/O, 1/I).
    static func receiptID() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// Back to an attribute's screen, with the focus where the tenant left it.
    private mutating func returnTo(_ attribute: AttributeID, now: Date) {
        go(.attribute(attribute))
        state.focus = min(state.attributeFocus, max(selectable(now: now).count - 1, 0))
    }

    /// Puts the focus on a field by name.
    private mutating func focusField(_ name: String, now: Date) {
        if let index = selectable(now: now).firstIndex(where: { $0.kind == .field(name) }) { state.focus = index }
    }

    /// Puts the focus on the first empty field, so the tenant can type again at once.
    private mutating func focusFirstEmptyField(now: Date) {
        let selectable = self.selectable(now: now)
        if let index = selectable.firstIndex(where: { item in
            if case .field(let name) = item.kind { return (state.fields[name]?.text ?? "").isEmpty }
            return false
        }) {
            state.focus = index
        }
    }

    private mutating func go(_ screen: Screen) {
        state.screen = screen
        state.focus = 0
    }

    // MARK: - Input

    private mutating func handle(_ input: InputEvent, now: Date) -> [KioskEffect] {
        let selectable = self.selectable(now: now)
        guard !selectable.isEmpty else { return [] }
        state.focus = min(state.focus, selectable.count - 1)
        let focused = selectable[state.focus]
        if case .field(let name) = focused.kind, let effects = edit(name, input, now: now, count: selectable.count) {
            return effects
        }
        switch input {
        case .down, .tab:
            state.focus = (state.focus + 1) % selectable.count
        case .up, .backTab:
            state.focus = (state.focus - 1 + selectable.count) % selectable.count
        case .left, .right:
            // Left and right follow the reading direction: towards the end of the line is "next".
            let next = (input == .right) != isRTL
            state.focus = (state.focus + (next ? 1 : selectable.count - 1)) % selectable.count
        case .home, .pageUp: state.focus = 0
        case .end, .pageDown: state.focus = selectable.count - 1
        case .enter:
            if case .button(let action) = focused.kind { return activate(action, now: now) }
        case .escape:
            return back(now: now)
        case .character(let c) where c.isNumber:
            // Digits choose the n-th item directly (1 = first), as printed beside it — only on
            // screens without fields, where a digit cannot be meant as typing.
            guard !selectable.contains(where: { if case .field = $0.kind { true } else { false } }) else { break }
            if let n = c.wholeNumberValue, n >= 1, n <= selectable.count, case .button(let action) = selectable[n - 1].kind {
                state.focus = n - 1
                return activate(action, now: now)
            }
        case .click(let row, _):
            if let index = KioskRenderer.itemIndex(atRow: row, model: self, now: now) {
                state.focus = index
                if case .button(let action) = selectable[index].kind { return activate(action, now: now) }
            }
        default:
            break // Ctrl-C, Ctrl-Z, Ctrl-\ and anything else: ignored.
        }
        return []
    }

    var isRTL: Bool { content.localizer.language(state.language).direction == .rightToLeft }

    /// Typing into a focused field; nil when the key is not for the field.
    private mutating func edit(_ name: String, _ input: InputEvent, now: Date, count: Int) -> [KioskEffect]? {
        var field = state.fields[name] ?? Self.field(name)
        switch input {
        case .character(let c):
            guard field.text.count < field.limit, !c.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return [] }
            if field.masked && !c.isNumber { return [] }
            field.text.append(c)
        case .paste(let text):
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            field.text = String((field.text + line).filter { !field.masked || $0.isNumber }.prefix(field.limit))
        case .backspace:
            if !field.text.isEmpty { field.text.removeLast() }
        case .enter:
            // Enter in a field moves on; in the last field before the submit button, it submits.
            state.focus = (state.focus + 1) % count
            let next = selectable(now: now)[state.focus]
            if case .button(let action) = next.kind { return activate(action, now: now) }
            return []
        default:
            return nil
        }
        state.fields[name] = field
        state.message = nil
        return []
    }

    static func field(_ name: String) -> Field {
        switch name {
        case "pin", "pin1", "pin2": Field(masked: true, limit: 6)
        case "code": Field(masked: true, limit: 8)
        case "dob": Field(limit: 10)
        case "ref": Field(limit: 20)
        default: Field(limit: 500)
        }
    }

    private func text(_ name: String) -> String { state.fields[name]?.text ?? "" }

    private mutating func back(now: Date) -> [KioskEffect] {
        switch state.screen {
        case .welcome, .overview, .receipt: return []
        case .signIn: go(.welcome)
        case .code: go(.signIn)
        case .setPIN: state.pendingPIN = nil; go(.signIn)
        case .attribute: go(.overview)
        case .notice(let a, _), .edit(let a), .confirmErase(let a): returnTo(a, now: now)
        case .disclosures: go(.overview)
        case .language(.screen(let screen)): go(screen)
        }
        state.message = nil
        return []
    }

    // MARK: - Actions

    private mutating func activate(_ action: String, now: Date) -> [KioskEffect] {
        state.message = nil
        if case .attribute = state.screen { state.attributeFocus = state.focus }
        let parts = action.split(separator: ":", maxSplits: 2).map(String.init)
        switch parts[0] {
        case "lang":
            state.language = parts[1]
            if case .language(.screen(let screen)) = state.screen { go(screen) } else { go(.signIn) }
        case "language":
            let current = state.screen
            go(.language(returnTo: .screen(current)))
        case "sign-in":
            return [.signIn(reference: text("ref"), dateOfBirth: text("dob"), pin: text("pin"))]
        case "use-code":
            go(.code)
        case "redeem":
            return [.redeemCode(reference: text("ref"), dateOfBirth: text("dob"), code: text("code"))]
        case "save-pin":
            guard let ref = state.pendingPIN else { go(.signIn); return [] }
            guard text("pin1") == text("pin2") else {
                state.message = Message("kiosk.pin.mismatch")
                state.fields["pin1"]?.text = ""
                state.fields["pin2"]?.text = ""
                focusFirstEmptyField(now: now)
                return []
            }
            return [.setPIN(ref, text("pin1"))]
        case "back": return back(now: now)
        case "sign-out": return signOut(now: now)
        case "finish":
            state = KioskState(now: now)
            return [.wipe]
        case "disclosures": go(.disclosures)
        case "attr": go(.attribute(AttributeID(parts[1])))
        case "toggle-show":
            guard case .attribute(let a) = state.screen else { break }
            if state.session?.revealed.contains(a) == true { state.session?.revealed.remove(a) } else { state.session?.revealed.insert(a) }
        case "decide":
            guard case .attribute(let a) = state.screen, parts.count == 3, let decision = DecisionState(rawValue: parts[2]) else { break }
            let purpose = PurposeID(parts[1])
            if decision == .granted, content.catalogue.purpose(purpose)?.legalBasis.control == .optIn {
                go(.notice(a, purpose))
                return []
            }
            return [record(.decision(purpose, [a], decision, notice: nil, validUntil: nil), receipt: decisionReceipt(a, purpose, decision))]
        case "agree":
            guard case let .notice(a, purpose) = state.screen else { break }
            let version = content.catalogue.purpose(purpose)?.currentNotice(at: now)?.version ?? 1
            return [record(.decision(purpose, [a], .granted, notice: NoticeShown(version: version, language: state.language), validUntil: nil),
                           receipt: decisionReceipt(a, purpose, .granted))]
        case "correct":
            guard case .attribute(let a) = state.screen else { break }
            state.fields["value"] = Self.field("value")
            go(.edit(a))
        case "save", "choice":
            guard case .edit(let a) = state.screen, let definition = content.catalogue.attribute(a) else { break }
            let raw = parts[0] == "choice" ? parts[1] : text("value")
            switch content.validator.normalise(raw, for: a, today: now) {
            case .failure(let error):
                state.message = Message(error.messageKey, ["max": String(definition.maxLength), "field": label(a)])
                focusField("value", now: now)
                return []
            case .success(let value):
                let pending = definition.needsEvidence
                return [record(.correction(a, .value(value), pending: pending),
                               receipt: Message(pending ? "kiosk.receipt.pending" : "kiosk.receipt.correction", ["attribute": label(a)]))]
            }
        case "prefer-not":
            guard case .attribute(let a) = state.screen else { break }
            return [record(.correction(a, .preferNotToSay, pending: false), receipt: Message("kiosk.receipt.prefer-not", ["attribute": label(a)]))]
        case "erase":
            guard case .attribute(let a) = state.screen else { break }
            go(.confirmErase(a))
        case "erase-yes":
            guard case .confirmErase(let a) = state.screen else { break }
            return [record(.erasure(a), receipt: Message("kiosk.receipt.erased", ["attribute": label(a)]))]
        default:
            break
        }
        return []
    }

    private func label(_ a: AttributeID) -> String { content.localizer.text("attribute.\(a).label", state.language) }

    private func decisionReceipt(_ a: AttributeID, _ p: PurposeID, _ d: DecisionState) -> Message {
        let effective = EffectiveDecision(recorded: d)
        return Message("kiosk.receipt.decision", [
            "attribute": label(a), "purpose": content.localizer.text("purpose.\(p).name", state.language),
            "decision": content.localizer.text("decision.\(effective.rawValue)", state.language),
        ])
    }

    private func record(_ payload: EventPayload, receipt: Message) -> KioskEffect {
        let ref = state.session?.ref ?? TenantRef("")
        return .record(ChangeRequest(tenant: ref, payload: payload, actor: .tenant, channel: .kiosk), receipt: receipt)
    }
}

import ConsentCore
import ConsentForms
import Foundation

/// The kiosk as a state machine: every input, tick or effect result goes in, the new state and
/// the effects to run come out. Pure (the clock is passed in), so every screen and rule is tested
/// without a terminal or a database.
public struct KioskModel {
    public let content: Content
    public let timing: KioskTiming
    public internal(set) var state: KioskState

    public init(content: Content, timing: KioskTiming = KioskTiming(), now: Date) {
        self.content = content
        self.timing = timing
        state = KioskState(now: now)
    }

    func items(now: Date) -> KioskItems { KioskItems(content: content, state: state, now: now) }

    /// The selectable items of the current screen, in order.
    func selectable(now: Date) -> [KioskItem] { items(now: now).items().filter(\.isSelectable) }

    /// Seconds left before an idle sign-out, when the warning is showing.
    public func idleCountdown(now: Date) -> Int? {
        guard state.session != nil else { return nil }
        let idle = now.timeIntervalSince(state.lastInput)
        guard idle >= timing.idleWarning else { return nil }
        return max(0, Int((timing.idleTimeout - idle).rounded(.up)))
    }

    /// Seconds left before the session limit, from `timing.sessionWarning` before it.
    public func sessionCountdown(now: Date) -> Int? {
        guard let session = state.session else { return nil }
        let left = timing.sessionLimit - now.timeIntervalSince(session.started)
        guard left <= timing.sessionWarning else { return nil }
        return max(0, Int(left.rounded(.up)))
    }

    public mutating func handle(_ event: KioskEvent, now: Date) -> [KioskEffect] {
        switch event {
        case .tick:
            return tick(now)
        case .input(let input):
            guard noticeInput(now: now, staffKey: input == .staffKey) else { return [] }
            return handle(input, now: now)
        case .press(let action):
            guard noticeInput(now: now, staffKey: false) else { return [] }
            let selectable = self.selectable(now: now)
            guard let index = Navigator(selectable: selectable).index(of: action) else { return [] }
            state.focus = index
            return activate(action, now: now)
        case .signedIn(let session):
            state.session = session
            state.fields = [:]
            state.message = nil
            go(.overview)
            return [.loadDisclosures(session.ref)]
        case .signInLocked:
            // When the lock lifts by itself (the one rule's length, in minutes), and whom to call to be
            // let in sooner: the organisation's number, where it has one.
            let phone = content.organisation.controller.phone, minutes = SignInThrottle.lockSeconds / 60
            let message = phone.map { Message("kiosk.sign-in.locked.phone", ["phone": $0], count: minutes) }
                ?? Message("kiosk.sign-in.locked", count: minutes)
            return handle(.signInRefused(message), now: now)
        case .signInRefused(let message):
            // Nothing of a failed try stays on screen for whoever comes next: every box is emptied.
            state.message = message
            state.fields = [:]
            state.waitUntil = nil
            focusFirstEmptyField(now: now)
            return []
        case .staffExitRefused(let message):
            state.message = message
            state.fields = [:]
            focusFirstEmptyField(now: now)
            return []
        case .signInWait(let seconds), .kioskWait(let seconds):
            state.message = nil
            state.fields = [:]
            state.waitUntil = now.addingTimeInterval(TimeInterval(seconds))
            if case .kioskWait = event { state.waitAtKiosk = true } else { state.waitAtKiosk = false }
            focusFirstEmptyField(now: now)
            return []
        case .pinRefused(let message):
            state.message = message
            for key in ["pin1", "pin2"] { state.fields[key]?.text = "" }
            focusFirstEmptyField(now: now)
            return []
        case .codeAccepted(let ref):
            state.pendingPIN = ref
            state.fields = [:]
            state.message = nil
            go(.setPIN)
            return []
        case let .requestRecorded(tenant, receipt, requests):
            state.session?.requests = requests
            state.session?.erasureRequested = Set(requests.filter { $0.isOpen && $0.kind == .erasure }.compactMap(\.attribute))
            return handle(.recorded(tenant, receipt), now: now)
        case let .recorded(tenant, receipt):
            state.session?.state = tenant
            state.session?.changes.append(receipt)
            if receipt.key == "kiosk.receipt.erasure-requested", let a = receipt.arguments["attribute"] {
                state.session?.erasureRequested.insert(AttributeID(a))
            }
            switch state.screen {
            case .notice(let attribute, _), .confirm(let attribute, _):
                // Back on the item with the focus on Back, not on the choice just made: a second
                // press of Enter must not undo it (agreeing would otherwise be followed by "Withdraw").
                returnTo(attribute, now: now)
                focusButton(.back, now: now)
            case .edit(let attribute):
                returnTo(attribute, now: now)
            case .accessRequest:
                go(.overview)
            case .use:
                focusButton(.back, now: now) // the new state is shown; a second Enter leaves, changes nothing
            default: break
            }
            state.message = switch receipt.key {
            case "kiosk.receipt.pending": Message("kiosk.saved-pending")
            case "kiosk.receipt.erasure-requested": Message("kiosk.erase.request.sent")
            case "kiosk.receipt.request": Message("kiosk.request.sent")
            default: Message("kiosk.saved")
            }
            return []
        case .refused(let reason):
            state.message = Message("kiosk.error", ["reason": reason])
            return []
        case .disclosures(let lines):
            state.session?.disclosures = lines
            return []
        }
    }

    /// Seconds before a sign-in may be tried again, while a wait runs.
    public func signInWait(now: Date) -> Int? {
        guard let until = state.waitUntil, until > now else { return nil }
        return Int(until.timeIntervalSince(now).rounded(.up))
    }

    /// Input of any kind: it keeps the session alive. The input that dismisses the idle warning does
    /// only that (the tenant may not even have seen which item was focused), and the staff key pressed
    /// twice opens the staff exit (a staff sign-in, never shown to tenants). False when nothing more
    /// is to be done with the input.
    private mutating func noticeInput(now: Date, staffKey: Bool) -> Bool {
        let warned = idleCountdown(now: now) != nil
        state.lastInput = now
        if warned { return false }
        let chord = staffKey && state.staffChordStarted
        state.staffChordStarted = staffKey && !chord
        guard chord else { return true }
        if case .staffExit = state.screen { return false }
        let current = state.screen
        go(.staffExit(returnTo: .screen(current)))
        state.fields = [:]
        return false
    }

    private mutating func tick(_ now: Date) -> [KioskEffect] {
        if let until = state.waitUntil, until <= now { state.waitUntil = nil }
        guard let session = state.session else {
            // An unfinished sign-in is cleared too, so a half-typed reference does not wait for the next person.
            if state.screen != .welcome && now.timeIntervalSince(state.lastInput) >= timing.idleTimeout {
                return reset()
            }
            return []
        }
        if now.timeIntervalSince(state.lastInput) >= timing.idleTimeout { return signOut(now: now) }
        if now.timeIntervalSince(session.started) >= timing.sessionLimit {
            // Cut off at the limit: nothing typed is saved unasked, and the tenant is told so plainly.
            let unsaved = hasUnsavedTyping()
            let effects = signOut(now: now)
            if state.screen == .receipt { state.message = Message(unsaved ? "kiosk.session.over-unsaved" : "kiosk.session.over") }
            return effects
        }
        return []
    }

    /// Ends the session: the receipt in the tenant's language, then a wiped screen.
    mutating func signOut(now: Date) -> [KioskEffect] {
        guard let session = state.session else { return reset() }
        let lines = ReceiptLine.lines(session.changes, final: session.state, content: content, at: now)
        let id = Self.receiptID()
        let printed = ReceiptLine.printed(lines, id: id, content: content, language: state.language, at: now)
        let idle = now.timeIntervalSince(state.lastInput) >= timing.idleTimeout
        state.session = nil
        state.fields = [:]
        state.message = nil
        if idle {
            // Nobody is there to read it: print it, wipe, and show the welcome screen.
            state.screen = .welcome
            state.language = "en"
            state.focus = 0
            return [.printReceipt(lines: printed, id: id), .wipe]
        }
        state.receiptLines = lines
        state.receiptID = id
        go(.receipt)
        return [.printReceipt(lines: printed, id: id), .wipe]
    }

    /// Ends a session because the kiosk is shutting down: the receipt is printed and the screen wiped.
    public mutating func endForShutdown(now: Date) -> [KioskEffect] {
        state.lastInput = now.addingTimeInterval(-timing.idleTimeout)
        return signOut(now: now)
    }

    mutating func reset() -> [KioskEffect] {
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
    mutating func returnTo(_ attribute: AttributeID, now: Date) {
        go(.attribute(attribute))
        state.focus = min(state.attributeFocus, max(selectable(now: now).count - 1, 0))
    }

    /// Puts the focus on a button by action.
    mutating func focusButton(_ action: KioskAction, now: Date) {
        if let index = Navigator(selectable: selectable(now: now)).index(of: action) { state.focus = index }
    }

    /// Asks once more, with the safe answer (Back) focused.
    mutating func ask(_ screen: Screen, now: Date) {
        go(screen)
        focusButton(.back, now: now)
    }

    /// Puts the focus on a field by name.
    mutating func focusField(_ name: String, now: Date) {
        if let index = selectable(now: now).firstIndex(where: { $0.kind == .field(name) }) { state.focus = index }
    }

    /// Puts the focus on the first empty field, so the tenant can type again at once.
    mutating func focusFirstEmptyField(now: Date) {
        let selectable = self.selectable(now: now)
        if let index = selectable.firstIndex(where: { item in
            if case .field(let name) = item.kind { return (state.fields[name]?.text ?? "").isEmpty }
            return false
        }) {
            state.focus = index
        }
    }

    /// Moves to another screen. Before sign-in, what was typed never travels with the tenant:
    /// leaving a sign-in screen by any route (Esc, Back, Language, the code screen) empties every box.
    mutating func go(_ screen: Screen) {
        if state.session == nil {
            state.fields = [:]
            state.notes = [:]
            state.waitUntil = nil
        }
        state.screen = screen
        state.focus = 0
    }

    // MARK: - Input

    /// Input through the one ``Navigator`` staff mode uses too. (Text scrolled past the focus is the
    /// terminal's, by its rows: ``TextScroll`` takes the keys it needs before they come here.)
    private mutating func handle(_ input: NavigationInput, now: Date) -> [KioskEffect] {
        let selectable = self.selectable(now: now)
        guard !selectable.isEmpty else { return [] }
        state.focus = min(state.focus, selectable.count - 1)
        let navigator = Navigator(selectable: selectable, rightToLeft: isRTL)
        if case .field(let name) = selectable[state.focus].kind {
            var field = state.fields[name] ?? Self.field(name)
            switch navigator.edit(&field, input, focus: &state.focus) {
            case .typed?:
                state.fields[name] = field
                state.notes[name] = nil
                state.message = nil
                return []
            case .press(let action)?: return activate(action, now: now)
            case .nothing?, .back?: return []
            case nil: break
            }
        }
        switch navigator.move(input, focus: &state.focus) {
        case .press(let action): return activate(action, now: now)
        case .back: return back(now: now)
        case .nothing, .typed: return []
        }
    }

    var isRTL: Bool { content.localizer.language(state.language).direction == .rightToLeft }

    static func field(_ name: String) -> Field {
        switch name {
        case "pin", "pin1", "pin2": Field(masked: true, limit: 6)
        case "code": Field(masked: true, limit: 8)
        case "dob": Field(limit: 10)
        case "staff-password": Field(masked: true, digitsOnly: false, limit: 200)
        case "staff-id": Field(limit: 64)
        case "ref": Field(limit: 20)
        default: Field(limit: 500)
        }
    }

    func text(_ name: String) -> String { state.fields[name]?.text ?? "" }

    mutating func back(now: Date) -> [KioskEffect] {
        switch state.screen {
        case .welcome, .overview, .receipt: return []
        case .signIn: go(.welcome)
        case .code: go(.signIn)
        case .setPIN: state.pendingPIN = nil; go(.signIn)
        case .attribute: go(.overview)
        case .notice(let a, _), .edit(let a), .confirm(let a, _): returnTo(a, now: now)
        case .disclosures, .use, .accessRequest: go(.overview)
        case .language(.screen(let screen)), .help(.screen(let screen)): go(screen)
        case .staffExit(.screen(let screen)):
            state.fields = [:] // a staff password never stays in memory for the screen behind
            go(screen)
        }
        state.message = nil
        return []
    }
}

extension KioskModel: ScreenModel {
    public static func input(_ input: NavigationInput) -> KioskEvent { .input(input) }
    public static var tick: KioskEvent { .tick }

    /// The kiosk is stopping: a session ends as an idle sign-out would (receipt printed, screen wiped).
    public mutating func stop(now: Date) -> [KioskEffect] {
        state.session == nil ? [] : endForShutdown(now: now)
    }
}

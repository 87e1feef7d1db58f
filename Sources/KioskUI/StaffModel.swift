import ConsentCore
import ConsentForms
import Foundation

/// Staff mode as a state machine, like ``KioskModel``: input, ticks and effect results in; the new
/// state and effects out. Every change is built by ``StaffRules`` (roles, caller check, reason,
/// script, four eyes) before it becomes an effect, so a refused action never reaches the store.
public struct StaffModel {
    public let content: Content
    public let policy: StaffPolicy
    public let timing: KioskTiming
    public internal(set) var state: StaffState

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
    public func view(now: Date) -> ScreenView<StaffAction> {
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

    func selectable(now: Date) -> [StaffItem] { items(now: now).items().filter(\.isSelectable) }

    public mutating func handle(_ event: StaffEvent, now: Date) -> [StaffEffect] {
        switch event {
        case .tick:
            guard state.staff != nil, now.timeIntervalSince(state.lastInput) >= timing.idleTimeout else { return [] }
            return signOut(now: now, note: "Signed out after \(Int(timing.idleTimeout)) s without input.")
        case .input(let input):
            state.lastInput = now
            return handle(input, now: now)
        case .press(let action):
            state.lastInput = now
            guard let index = Navigator(selectable: selectable(now: now)).index(of: action) else { return [] }
            state.focus = index
            return activate(action, now: now)
        case .signedIn(let member):
            state.staff = member
            state.fields = [:]
            state.message = "Signed in as \(member.name)."
            go(.home)
        case .signInRefused(let text):
            state.message = text
            state.fields["password"] = Field(masked: true, digitsOnly: false, limit: 200)
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

    mutating func signOut(now: Date, note: String) -> [StaffEffect] {
        state = StaffState(now: now)
        state.message = note
        return [.wipe]
    }

    mutating func go(_ screen: StaffScreen) {
        state.screen = screen
        state.focus = 0
    }

    func text(_ name: String) -> String { state.fields[name]?.text ?? "" }

    // MARK: - Input (the kiosk's navigator)

    /// The box staff type `name` into: a password masked (any character, not digits only), evidence longer.
    static func field(_ name: String) -> Field {
        Field(masked: name == "password", digitsOnly: false, limit: name == "evidence" ? 200 : 120)
    }

    private mutating func handle(_ input: NavigationInput, now: Date) -> [StaffEffect] {
        let selectable = self.selectable(now: now)
        guard !selectable.isEmpty else { return [] }
        state.focus = min(state.focus, selectable.count - 1)
        let navigator = Navigator(selectable: selectable)
        var outcome: Navigator<StaffAction>.Outcome?
        if case .field(let name) = selectable[state.focus].kind {
            var field = state.fields[name] ?? Self.field(name)
            outcome = navigator.edit(&field, input, focus: &state.focus)
            if outcome == .typed { state.fields[name] = field }
        }
        switch outcome ?? navigator.move(input, focus: &state.focus) {
        case .press(let action): return activate(action, now: now)
        case .back: return back()
        case .nothing, .typed: return []
        }
    }

    mutating func back() -> [StaffEffect] {
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

    mutating func endCall() {
        state.call = nil
        state.fields = [:]
        go(.home)
    }
}

extension StaffModel: ScreenModel {
    public static func input(_ input: NavigationInput) -> StaffEvent { .input(input) }
    public static var tick: StaffEvent { .tick }
    /// Staff mode is stopping: nothing to end (the front-end wipes the screen).
    public func stop(now: Date) -> [StaffEffect] { [] }
}

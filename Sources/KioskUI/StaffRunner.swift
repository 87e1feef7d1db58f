import ConsentCore
import ConsentForms
import ConsentVault
import Foundation
import TerminalCore

/// Runs staff mode on a terminal, as ``KioskRunner`` runs the kiosk: reads keys, feeds the model,
/// performs its effects against the database (every change through the same ledger), draws what changed.
public final class StaffRunner {
    private var model: StaffModel
    private let database: any StaffStore
    private let terminal: KioskTerminal
    private let clock: () -> Date
    private var decoder = InputDecoder()
    private var renderer = Renderer()
    private var lastFrame: Frame?
    /// When the sync indicator was last read.
    private var syncReadAt = Date.distantPast

    public init(content: Content, policy: StaffPolicy, timing: KioskTiming, database: any StaffStore, terminal: KioskTerminal,
                clock: @escaping () -> Date = Date.init) {
        model = StaffModel(content: content, policy: policy, timing: timing, now: clock())
        self.database = database
        self.terminal = terminal
        self.clock = clock
    }

    /// The loop: returns when the terminal asks to stop (SIGTERM, SIGHUP, or input closed).
    public func run() {
        draw()
        while !terminal.stopRequested {
            let bytes = terminal.read(timeout: 100)
            var events = decoder.feed(bytes)
            if bytes.isEmpty { events += decoder.flush() }
            for event in events { perform(model.handle(.input(event), now: clock())) }
            perform(model.handle(.tick, now: clock()))
            refreshSyncIndicator()
            if terminal.takeResize() { renderer.invalidate() }
            draw()
        }
        terminal.wipe()
    }

    /// Reads how this terminal stands with its centre every few seconds (two indexed reads); the
    /// sync itself runs in the background and never blocks the screen.
    private func refreshSyncIndicator() {
        let now = clock()
        guard now.timeIntervalSince(syncReadAt) >= 5 else { return }
        syncReadAt = now
        guard let status = try? database.syncIndicator(), status.enrolled else { return }
        model.showSync(SyncIndicator(lastSyncedAt: status.lastSyncedAt, unsent: status.unsent, problem: status.problem))
    }

    private func perform(_ effects: [StaffEffect]) {
        for effect in effects {
            if let result = execute(effect) { perform(model.handle(result, now: clock())) }
        }
    }

    private func draw() {
        let size = terminal.size()
        model.lastSize = size
        let frame = KioskRenderer.render(model.view(now: clock()), width: size.width, height: size.height)
        guard frame != lastFrame else { return }
        terminal.write(renderer.render(frame))
        lastFrame = frame
    }

    /// Runs one effect; returns the event that reports its result.
    private func execute(_ effect: StaffEffect) -> StaffEvent? {
        do {
            switch effect {
            case let .signIn(id, password):
                switch try database.staffSignIn(id, password: password) {
                case .signedIn(let member): return .signedIn(member)
                case .failed: return .signInRefused("Wrong staff id or password.")
                case .wait(let seconds): return .signInRefused("Too many failures: wait \(seconds) s.")
                case .locked: return .signInRefused("Locked after too many failures: ask the data-protection lead (consent staff unlock-staff).")
                }
            case let .find(reference, name, postcode):
                if !reference.trimmingCharacters(in: .whitespaces).isEmpty {
                    guard let ref = database.validator.tenancyReference(reference) else { return .found([]) }
                    return .found(try database.findTenant(reference: ref).map { [$0] } ?? [])
                }
                return .found(try database.findTenants(name: name, postcode: postcode, limit: 20))
            case let .open(ref, caller):
                guard let state = try database.tenantState(ref), let match = try database.findTenant(reference: ref) else {
                    return .refused("no tenant \(ref)")
                }
                return .opened(CallSession(ref: ref, name: match.name, markers: match.markers, state: state, caller: caller))
            case .makeCode:
                var generator = SystemRandomNumberGenerator()
                return .codeMade(OneTimeCode.make(at: clock(), using: &generator))
            case let .record(request, note):
                try database.recordChange(request)
                guard let state = try database.tenantState(request.tenant) else { return .refused("unknown tenant") }
                return .recorded(state, note)
            case let .reveal(request, attribute):
                try database.recordChange(request)
                switch try database.tenantState(request.tenant)?.value(attribute) ?? .notHeld {
                case .held(.value(let text), _): return .revealed(attribute, TextSafety.displaySafe(text))
                case .held(.preferNotToSay, _): return .revealed(attribute, "prefer not to say")
                case .unavailable: return .refused("the value is sealed and this machine has no key (the read was recorded)")
                default: return .revealed(attribute, "not held")
                }
            case let .issueCode(ref, staff):
                let code = try database.issueSignInCode(ref, by: .staff(staff, verification: model.state.call?.caller.method, reason: "kiosk-support"),
                                                        channel: .phone)
                return .done("One-time kiosk code for \(ref): \(code) (valid 7 days, once). Give it only to the verified caller.")
            case let .unlock(ref, staff):
                try database.unlockSignIn(ref, by: .staff(staff, verification: model.state.call?.caller.method, reason: "kiosk-support"), channel: .phone)
                return .done("Kiosk sign-in unlocked for \(ref).")
            case .loadHeld:
                let items = try database.heldItems(limit: 200)
                var numbers: [TenantRef: String] = [:]
                for ref in Set(items.map(\.tenant)) {
                    // The current values, not the pending ones: a call-back must reach the number held before the change.
                    let state = try database.tenantState(ref)
                    let phones = ["mobile", "landline"].compactMap { state?.value(AttributeID($0)).answer?.text }
                    if !phones.isEmpty { numbers[ref] = phones.joined(separator: " or ") }
                }
                return .held(items, numbers: numbers)
            case .loadConflicts:
                return .conflicts(try database.conflicts(limit: 200))
            case .wipe:
                terminal.wipe()
                renderer.invalidate()
                lastFrame = nil
                return nil
            }
        } catch {
            return .refused(error.description)
        }
    }
}

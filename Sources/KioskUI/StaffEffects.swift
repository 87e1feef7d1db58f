import ConsentCore
import ConsentForms
import ConsentVault
import Foundation

/// Runs staff mode's effects against the store (every change through the same ledger), for any
/// front-end, as ``KioskEffects`` runs the kiosk's; reads the sync indicator every few seconds.
public final class StaffEffects: EffectPerformer {
    private let database: any StaffStore
    private let clock: () -> Date
    /// The centre, for reveals on a device whose special-category values only the centre opens.
    private let centre: (any CentreRevealing)?
    /// When the sync indicator was last read.
    private var syncReadAt = Date.distantPast

    /// Staff mode over `database`; on an enrolled device, reveals go through `centre`.
    public init(database: any StaffStore, centre: (any CentreRevealing)? = nil, clock: @escaping () -> Date = Date.init) {
        self.database = database
        self.centre = centre
        self.clock = clock
    }

    /// What staff are told when a reveal needs the centre and it cannot be reached.
    public static let revealNeedsCentre = "The centre could not be reached; reveal needs the centre — try again when online. "
        + "(The read was recorded here and is sent at the next sync.)"

    /// A reveal on a device whose special-category values only the centre opens: the read is
    /// recorded, then the centre is asked; its answer is shown, never stored.
    private func revealAtCentre(_ request: ChangeRequest, _ attribute: AttributeID) -> StaffEvent {
        guard let centre, case .staff(let staff, _, _) = request.actor else { return .refused(Self.revealNeedsCentre) }
        switch centre.reveal(request.tenant, attribute, staff: staff) {
        case .value(let text): return .revealed(attribute, TextSafety.displaySafe(text))
        case .preferNotToSay: return .revealed(attribute, "prefer not to say")
        case .notHeld: return .revealed(attribute, "not held")
        case .unreachable: return .refused(Self.revealNeedsCentre)
        case .refused(let why): return .refused(why)
        }
    }

    /// Reads how this terminal stands with its centre every few seconds (two indexed reads); the
    /// sync itself runs in the background and never blocks the screen.
    public func turn(_ model: inout StaffModel, now: Date) {
        guard now.timeIntervalSince(syncReadAt) >= 5 else { return }
        syncReadAt = now
        guard let status = try? database.syncIndicator(), status.enrolled else { return }
        model.showSync(SyncIndicator(lastSyncedAt: status.lastSyncedAt, unsent: status.unsent, problem: status.problem))
    }

    /// Runs one effect; what it reports back, if anything.
    public func perform(_ effect: StaffEffect, for model: StaffModel) -> EffectResult<StaffEvent> {
        execute(effect, verification: model.state.call?.caller.method).map(EffectResult.report) ?? .wipe
    }

    /// The event that reports `effect`'s result; nil for a wipe, the one effect with none.
    private func execute(_ effect: StaffEffect, verification: String?) -> StaffEvent? {
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
                var call = CallSession(ref: ref, name: match.name, markers: match.markers, state: state, caller: caller)
                call.jointTenants = match.jointTenants
                return .opened(call)
            case .makeCode:
                var generator = SystemRandomNumberGenerator()
                return .codeMade(OneTimeCode.make(at: clock(), using: &generator))
            case let .record(request, note):
                try database.recordChange(request)
                guard let state = try database.tenantState(request.tenant) else { return .refused("unknown tenant") }
                return .recorded(state, note)
            case let .recordAll(requests, note):
                guard let tenant = requests.first?.tenant else { return .refused("nothing to record") }
                try database.recordChanges(requests)
                guard let state = try database.tenantState(tenant) else { return .refused("unknown tenant") }
                return .recorded(state, note)
            case let .reveal(request, attribute):
                try database.recordChange(request)
                if database.specialValuesSealedForCentre { return revealAtCentre(request, attribute) }
                switch try database.tenantState(request.tenant)?.value(attribute) ?? .notHeld {
                case .held(.value(let text), _): return .revealed(attribute, TextSafety.displaySafe(text))
                case .held(.preferNotToSay, _): return .revealed(attribute, "prefer not to say")
                case .unavailable: return .refused("the value is sealed and this machine has no key (the read was recorded)")
                default: return .revealed(attribute, "not held")
                }
            case let .issueCode(ref, staff):
                let code = try database.issueSignInCode(ref, by: .staff(staff, verification: verification, reason: "kiosk-support"),
                                                        channel: .phone)
                return .done("One-time kiosk code for \(ref): \(code) (valid 7 days, once). Give it only to the verified caller.")
            case let .unlock(ref, staff):
                try database.unlockSignIn(ref, by: .staff(staff, verification: verification, reason: "kiosk-support"), channel: .phone)
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
                return nil
            }
        } catch {
            return .refused(error.description)
        }
    }
}

/// Staff mode on a terminal.
public typealias StaffRunner = TerminalLoop<StaffEffects>

extension TerminalLoop where Performer == StaffEffects {
    /// Staff mode on `terminal`, over `database`.
    public convenience init(content: Content, policy: StaffPolicy, timing: KioskTiming, database: any StaffStore, terminal: KioskTerminal,
                            centre: (any CentreRevealing)? = nil, clock: @escaping () -> Date = Date.init) {
        self.init(model: StaffModel(content: content, policy: policy, timing: timing, now: clock()),
                  performer: StaffEffects(database: database, centre: centre, clock: clock), terminal: terminal, clock: clock)
    }
}

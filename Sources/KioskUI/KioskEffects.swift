import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

/// Runs the kiosk's effects against the database and the receipt printer, for any front-end: every
/// change through the same rules and ledger as every other channel (channel `kiosk`, actor the tenant).
///
/// A sign-in with a reference this kiosk does not hold first asks `centre` for that tenant with the
/// date of birth typed (fetch on demand, a tenant of another office), then is checked here as any
/// other: a tenant just fetched holds no PIN or code at this kiosk, so they are told, like everyone
/// whose details do not match, to ask at the desk, where staff give them a code for a first visit.
/// Every failed sign-in gets that same message, whether the reference is held here, at the centre,
/// nowhere, or the centre could not be reached, so the kiosk tells no one which references exist.
/// A failure the centre counted (it sent no one) is not counted again here, and a fetch the centre holds
/// back is shown as the wait or the lock it decided.
public final class KioskEffects: EffectPerformer {
    private let database: ConsentDatabase
    private let printer: ReceiptPrinter
    private let centre: (any TenantFetching)?
    private let clock: () -> Date

    /// The kiosk over `database`; on an enrolled device, tenants it does not hold are fetched from `centre`.
    public init(database: ConsentDatabase, printer: ReceiptPrinter, centre: (any TenantFetching)? = nil, clock: @escaping () -> Date = Date.init) {
        self.database = database
        self.printer = printer
        self.centre = centre
        self.clock = clock
    }

    /// The message of every failed sign-in.
    static let failed = Message("kiosk.sign-in.failed-desk")

    /// The kiosk's answer to a fetch the centre held back, as its throttle decided: a wait counts down, a lock is a lock.
    private static func heldBack(_ bar: SignInThrottle.Bar) -> KioskEvent {
        switch bar {
        case .wait(let seconds): .signInWait(seconds: seconds)
        case .locked: .signInLocked
        }
    }

    /// Asks the centre for `ref` when it is not held here and not held back here; what it answered, or nil
    /// when it was not asked. Unless it held the fetch back, the sign-in is then checked here as usual.
    private func fetchIfAbsent(_ ref: TenantRef, dateOfBirth: String) throws(StoreError) -> TenantFetchOutcome? {
        guard let centre, let dob = Validator.date(dateOfBirth), try database.tenantState(ref) == nil,
              SignInThrottle.bar(try database.signInTally(ref.rawValue), now: clock()) == nil else { return nil }
        return centre.fetch(ref, dateOfBirth: dob)
    }

    /// Checks a sign-in here after asking the centre for a tenant not held here (``fetchIfAbsent(_:dateOfBirth:)``):
    /// held back there, the centre's wait or lock; answered "not found", the centre counted the failure
    /// and this device does not count it again (offline, or not asked, it counts here).
    private func signIn(_ ref: TenantRef, dateOfBirth: String, secret: String, usingCode: Bool) throws(StoreError) -> Checked {
        let asked = try fetchIfAbsent(ref, dateOfBirth: dateOfBirth)
        if case .throttled(let bar)? = asked { return .heldBack(Self.heldBack(bar)) }
        return .checked(try database.signIn(ref, dateOfBirth: dateOfBirth, secret: secret, usingCode: usingCode, countedAtCentre: asked == .notFound))
    }

    /// A sign-in held back by the centre, or checked here.
    private enum Checked {
        case heldBack(KioskEvent)
        case checked(SignInOutcome)
    }

    /// Runs one effect; what it reports back, if anything.
    public func perform(_ effect: KioskEffect, for model: KioskModel) -> EffectResult<KioskEvent> {
        do {
            switch effect {
            case let .signIn(reference, dob, pin):
                guard let ref = database.validator.tenancyReference(reference) else { return .report(.signInRefused(Self.failed)) }
                let outcome: SignInOutcome
                switch try signIn(ref, dateOfBirth: dob, secret: pin, usingCode: false) {
                case .checked(let checked): outcome = checked
                case .heldBack(let event): return .report(event)
                }
                guard case .signedIn = outcome, let session = try session(ref) else { return .report(failure(outcome)) }
                return .report(.signedIn(session))
            case let .redeemCode(reference, dob, code):
                guard let ref = database.validator.tenancyReference(reference) else { return .report(.signInRefused(Self.failed)) }
                let outcome: SignInOutcome
                switch try signIn(ref, dateOfBirth: dob, secret: code, usingCode: true) {
                case .checked(let checked): outcome = checked
                case .heldBack(let event): return .report(event)
                }
                guard case .signedIn = outcome else { return .report(failure(outcome)) }
                return .report(.codeAccepted(ref))
            case let .setPIN(ref, pin):
                if let problem = try database.setFirstPIN(pin, for: ref) { return .report(.pinRefused(Message(problem.rawValue))) }
                guard let session = try session(ref) else { return .report(.signInRefused(Self.failed)) }
                return .report(.signedIn(session))
            case let .record(request, receipt):
                try database.record(request)
                guard let state = try database.tenantState(request.tenant) else { return .report(.refused("unknown tenant")) }
                if case .request = request.payload { return .report(.requestRecorded(state, receipt, try database.requests(of: request.tenant))) }
                return .report(.recorded(state, receipt))
            case .loadDisclosures(let ref):
                let formatter = DateFormatter()
                formatter.dateFormat = "yyyy-MM-dd"
                let lines = try database.tenantRecord(ref).disclosures.map {
                    DisclosureLine(date: formatter.string(from: $0.at), purpose: PurposeID($0.purpose), recipient: $0.recipient,
                                   attributes: $0.attributes.map { AttributeID($0) })
                }
                return .report(.disclosures(lines))
            case let .printReceipt(lines, id):
                _ = id // the header line already carries it
                printer.print((lines + ["", ""]).joined(separator: "\n"))
                return .done
            case let .endKiosk(staff, password):
                guard case .signedIn(let member) = try database.staffSignIn(staff, password: password) else {
                    return .report(.staffExitRefused(Message("kiosk.staff.failed")))
                }
                try database.recordKioskExit(by: member.id)
                return .end
            case .wipe:
                return .wipe
            }
        } catch let error as StoreError {
            return .report(.refused(error.description))
        } catch {
            return .report(.refused(String(describing: error)))
        }
    }

    private func failure(_ outcome: SignInOutcome) -> KioskEvent {
        switch outcome {
        case .wait(let seconds): .signInWait(seconds: seconds)
        case .kioskWait(let seconds): .kioskWait(seconds: seconds)
        case .locked: .signInLocked
        default: .signInRefused(Self.failed)
        }
    }

    private func session(_ ref: TenantRef) throws -> TenantSession? {
        guard let state = try database.tenantState(ref) else { return nil }
        var session = TenantSession(ref: ref, state: state, started: clock())
        session.requests = try database.requests(of: ref)
        session.erasureRequested = Set(session.requests.filter { $0.isOpen && $0.kind == .erasure }.compactMap(\.attribute))
        return session
    }
}

/// The kiosk on a terminal.
public typealias KioskRunner = TerminalLoop<KioskEffects>

extension TerminalLoop where Performer == KioskEffects {
    /// The kiosk on `terminal`, over `database`, printing receipts with `printer`.
    public convenience init(content: Content, timing: KioskTiming, database: ConsentDatabase, terminal: KioskTerminal,
                            printer: ReceiptPrinter, centre: (any TenantFetching)? = nil, clock: @escaping () -> Date = Date.init) {
        self.init(model: KioskModel(content: content, timing: timing, now: clock()),
                  performer: KioskEffects(database: database, printer: printer, centre: centre, clock: clock), terminal: terminal, clock: clock)
    }
}

import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

/// Runs the kiosk's effects against the database and the receipt printer, for any front-end: every
/// change through the same rules and ledger as every other channel (channel `kiosk`, actor the tenant).
public final class KioskEffects: EffectPerformer {
    private let database: ConsentDatabase
    private let printer: ReceiptPrinter
    private let clock: () -> Date

    public init(database: ConsentDatabase, printer: ReceiptPrinter, clock: @escaping () -> Date = Date.init) {
        self.database = database
        self.printer = printer
        self.clock = clock
    }

    /// Runs one effect; what it reports back, if anything.
    public func perform(_ effect: KioskEffect, for model: KioskModel) -> EffectResult<KioskEvent> {
        do {
            switch effect {
            case let .signIn(reference, dob, pin):
                guard let ref = database.validator.tenancyReference(reference) else { return .report(.signInRefused(Message("kiosk.sign-in.failed"))) }
                let outcome = try database.signIn(ref, dateOfBirth: dob, secret: pin)
                guard case .signedIn = outcome, let session = try session(ref) else { return .report(failure(outcome)) }
                return .report(.signedIn(session))
            case let .redeemCode(reference, dob, code):
                guard let ref = database.validator.tenancyReference(reference) else { return .report(.signInRefused(Message("kiosk.sign-in.failed"))) }
                let outcome = try database.signIn(ref, dateOfBirth: dob, secret: code, usingCode: true)
                guard case .signedIn = outcome else { return .report(failure(outcome)) }
                return .report(.codeAccepted(ref))
            case let .setPIN(ref, pin):
                if let problem = try database.setFirstPIN(pin, for: ref) { return .report(.pinRefused(Message(problem.rawValue))) }
                guard let session = try session(ref) else { return .report(.signInRefused(Message("kiosk.sign-in.failed"))) }
                return .report(.signedIn(session))
            case let .record(request, receipt):
                try database.record(request)
                guard let state = try database.tenantState(request.tenant) else { return .report(.refused("unknown tenant")) }
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
        default: .signInRefused(Message("kiosk.sign-in.failed"))
        }
    }

    private func session(_ ref: TenantRef) throws -> TenantSession? {
        guard let state = try database.tenantState(ref) else { return nil }
        var session = TenantSession(ref: ref, state: state, started: clock())
        session.erasureRequested = try database.openErasureRequests(ref)
        return session
    }
}

/// The kiosk on a terminal.
public typealias KioskRunner = TerminalLoop<KioskEffects>

extension TerminalLoop where Performer == KioskEffects {
    /// The kiosk on `terminal`, over `database`, printing receipts with `printer`.
    public convenience init(content: Content, timing: KioskTiming, database: ConsentDatabase, terminal: KioskTerminal,
                            printer: ReceiptPrinter, clock: @escaping () -> Date = Date.init) {
        self.init(model: KioskModel(content: content, timing: timing, now: clock()),
                  performer: KioskEffects(database: database, printer: printer, clock: clock), terminal: terminal, clock: clock)
    }
}

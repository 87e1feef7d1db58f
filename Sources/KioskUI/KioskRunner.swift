import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import TerminalCore

/// What the runner needs of a terminal (the real one is `TerminalPOSIX.Terminal`).
public protocol KioskTerminal: AnyObject {
    var stopRequested: Bool { get }
    func takeResize() -> Bool
    func size() -> (width: Int, height: Int)
    func write(_ text: String)
    func read(timeout milliseconds: Int32) -> [UInt8]
    func wipe()
}

/// Where receipts go: appended to a file, or piped to a printer command.
public enum ReceiptPrinter: Sendable {
    case none
    case file(String)
    case command(String)

    func print(_ text: String) {
        switch self {
        case .none: return
        case .file(let path):
            let data = Data(text.utf8)
            if let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(data)
                try? handle.close()
            } else {
                _ = FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
            }
        case .command(let command):
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let pipe = Pipe()
            process.standardInput = pipe
            guard (try? process.run()) != nil else { return }
            pipe.fileHandleForWriting.write(Data(text.utf8))
            try? pipe.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}

/// Runs the kiosk: reads keys, feeds the model, performs its effects against the database, and
/// draws only what changed.
public final class KioskRunner {
    private var model: KioskModel
    private let database: ConsentDatabase
    private let terminal: KioskTerminal
    private let printer: ReceiptPrinter
    private let clock: () -> Date
    private var decoder = InputDecoder()
    private var renderer = Renderer()
    private var lastFrame: Frame?
    /// Set when staff ended the kiosk with their password.
    private var ended = false

    public init(content: Content, timing: KioskTiming, database: ConsentDatabase, terminal: KioskTerminal,
                printer: ReceiptPrinter, clock: @escaping () -> Date = Date.init) {
        model = KioskModel(content: content, timing: timing, now: clock())
        self.database = database
        self.terminal = terminal
        self.printer = printer
        self.clock = clock
    }

    /// The loop: returns when the terminal asks to stop (SIGTERM, SIGHUP, or input closed).
    public func run() {
        draw()
        while !terminal.stopRequested && !ended {
            let bytes = terminal.read(timeout: 100)
            var events = decoder.feed(bytes)
            if bytes.isEmpty { events += decoder.flush() }
            for event in events { step(.input(event)) }
            step(.tick)
            if terminal.takeResize() { renderer.invalidate() }
            draw()
        }
        // Stopped: end any session as an idle sign-out would, and leave nothing on screen.
        if model.state.session != nil { perform(model.endForShutdown(now: clock())) }
        terminal.wipe()
    }

    /// Feeds one event and performs what it asks, feeding results back.
    func step(_ event: KioskEvent) {
        perform(model.handle(event, now: clock()))
    }

    private func perform(_ effects: [KioskEffect]) {
        for effect in effects {
            if let result = execute(effect) { perform(model.handle(result, now: clock())) }
        }
    }

    private func draw() {
        let size = terminal.size()
        model.lastSize = size
        let frame = KioskRenderer.render(model, width: size.width, height: size.height, now: clock())
        guard frame != lastFrame else { return }
        terminal.write(renderer.render(frame))
        lastFrame = frame
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

    /// Runs one effect; returns the event that reports its result.
    private func execute(_ effect: KioskEffect) -> KioskEvent? {
        do {
            switch effect {
            case let .signIn(reference, dob, pin):
                guard let ref = database.validator.tenancyReference(reference) else { return .signInRefused(Message("kiosk.sign-in.failed")) }
                let outcome = try database.signIn(ref, dateOfBirth: dob, secret: pin)
                guard case .signedIn = outcome, let session = try session(ref) else { return failure(outcome) }
                return .signedIn(session)
            case let .redeemCode(reference, dob, code):
                guard let ref = database.validator.tenancyReference(reference) else { return .signInRefused(Message("kiosk.sign-in.failed")) }
                let outcome = try database.signIn(ref, dateOfBirth: dob, secret: code, usingCode: true)
                guard case .signedIn = outcome else { return failure(outcome) }
                return .codeAccepted(ref)
            case let .setPIN(ref, pin):
                if let problem = try database.setFirstPIN(pin, for: ref) { return .pinRefused(Message(problem.rawValue)) }
                guard let session = try session(ref) else { return .signInRefused(Message("kiosk.sign-in.failed")) }
                return .signedIn(session)
            case let .record(request, receipt):
                try database.record(request)
                guard let state = try database.tenantState(request.tenant) else { return .refused("unknown tenant") }
                return .recorded(state, receipt)
            case .loadDisclosures(let ref):
                let formatter = DateFormatter()
                formatter.dateFormat = "yyyy-MM-dd"
                let lines = try database.tenantRecord(ref).disclosures.map {
                    DisclosureLine(date: formatter.string(from: $0.at), purpose: PurposeID($0.purpose), recipient: $0.recipient,
                                   attributes: $0.attributes.map { AttributeID($0) })
                }
                return .disclosures(lines)
            case let .printReceipt(lines, id):
                _ = id // the header line already carries it
                printer.print((lines + ["", ""]).joined(separator: "\n"))
                return nil
            case let .endKiosk(staff, password):
                guard case .signedIn(let member) = try database.staffSignIn(staff, password: password) else {
                    return .staffExitRefused(Message("kiosk.staff.failed"))
                }
                try database.recordKioskExit(by: member.id)
                ended = true
                return nil
            case .wipe:
                terminal.wipe()
                renderer.invalidate()
                lastFrame = nil
                return nil
            }
        } catch let error as StoreError {
            return .refused(error.description)
        } catch {
            return .refused(String(describing: error))
        }
    }
}

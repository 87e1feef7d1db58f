import ArgumentParser
import ConsentCommandLine
import ConsentCore
import CentralStorePostgres
import ConsentStore
import Foundation
import KioskUI
import KioskWeb
import SyncEngine
import TerminalPOSIX

extension Terminal: KioskTerminal {}

struct Kiosk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk",
        abstract: "Run the full-screen tenant kiosk on this terminal, or with --web in a browser on this machine.",
        discussion: """
            Tenants choose a language, sign in with tenancy reference, date of birth and PIN (first time: a code from
            `consent staff issue-code`), see everything held about them, correct it, and grant, withdraw or object per
            attribute and purpose. Works with no network. Ctrl-C, Ctrl-Z and Ctrl-\\ do nothing; SIGTERM or SIGHUP
            signs out, wipes the screen and exits. With --web the same screens are served as HTML to a browser on this
            machine (--listen, loopback only), one browser session at a time; see docs/kiosk.md.
            """)

    @Flag(help: "Serve the kiosk as web pages to a browser on this machine instead of this terminal.")
    var web = false

    @Option(help: ArgumentHelp("With --web: the address and port to listen on (loopback only; default 127.0.0.1:8080).", valueName: "host:port"))
    var listen: String?

    @Flag(help: "With --web: allow a --listen address that is not loopback (only behind a firewall; see docs/kiosk.md).")
    var allowNonLoopback = false

    @Option(help: ArgumentHelp("With --web: play read-aloud through this command (WAV on its input, e.g. 'aplay -q'); default: espeak-ng plays it.", valueName: "command"))
    var speechPlayer: String?

    @Flag(help: "With --web: no \"Read this page aloud\" button.")
    var noSpeech = false

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Seconds without input before the sign-out countdown shows.", valueName: "seconds"))
    var idleWarning: Double = 60

    @Option(help: ArgumentHelp("Seconds without input before signing out.", valueName: "seconds"))
    var idleTimeout: Double = 90

    @Option(help: ArgumentHelp("Longest session, in seconds.", valueName: "seconds"))
    var sessionLimit: Double = 900

    @Option(help: ArgumentHelp("Seconds before the session limit from which the time left counts down.", valueName: "seconds"))
    var sessionWarning: Double = 120

    @Option(help: ArgumentHelp("Append each receipt to this file (mode 0600).", valueName: "path"), completion: .file())
    var receiptFile: String?

    @Option(help: ArgumentHelp("Pipe each receipt to this shell command (e.g. 'lp -d kiosk').", valueName: "command"))
    var printerCommand: String?

    @Option(help: ArgumentHelp("When enrolled with a centre, sync in the background every this many seconds (0: never).", valueName: "seconds"))
    var syncEvery: Double = 30

    func validate() throws {
        guard idleWarning > 0, idleTimeout > idleWarning, sessionLimit > 0, sessionWarning >= 0 else {
            throw ValidationError("need 0 < --idle-warning < --idle-timeout, --session-limit > 0 and --session-warning >= 0")
        }
        guard web || (listen == nil && !allowNonLoopback && speechPlayer == nil && !noSpeech) else {
            throw ValidationError("--listen, --allow-non-loopback, --speech-player and --no-speech go with --web")
        }
        if web { _ = try address() }
    }

    /// Where the web kiosk listens, refused with the reason when not loopback and not allowed.
    private func address() throws -> ListenAddress {
        do { return try ListenAddress(listen ?? "127.0.0.1:8080", allowNonLoopback: allowNonLoopback) } catch {
            throw ValidationError(error.description)
        }
    }

    /// Read-aloud with espeak-ng, unless --no-speech; without espeak-ng (or the player) the kiosk runs without it and says so.
    private func speaker() -> Speaker? {
        guard !noSpeech else { return nil }
        let player = speechPlayer.map { $0.split(separator: " ").map(String.init) }
        do { return try Speaker(SpeechCommand(player: player)) } catch {
            FileHandle.standardError.write(Data("\(error); the kiosk runs without read-aloud\n".utf8))
            return nil
        }
    }

    private var timing: KioskTiming {
        KioskTiming(idleWarning: idleWarning, idleTimeout: idleTimeout, sessionLimit: sessionLimit, sessionWarning: sessionWarning)
    }

    func run() async throws {
        let (content, db) = try store.openWithContent(cacheMegabytes: 8)
        if let problem = try db.signInProblem() { throw CLIError(problem) }
        let printer: ReceiptPrinter = printerCommand.map { .command($0) } ?? receiptFile.map { .file($0) } ?? .none
        if let problem = printer.fileProblem { throw CLIError(problem) }
        let sync = SyncLoop.background(db, every: syncEvery)
        defer { sync?.cancel() }
        if web {
            let address = try address()
            let kiosk = try WebKiosk(content: content, timing: timing, database: db, printer: printer, speaker: speaker(),
                                     centre: CentreFetch.enrolled(db))
            FileHandle.standardError.write(Data("Web kiosk on http://\(address)/ (Ctrl-C stops it)\n".utf8))
            return try await KioskWebServer(kiosk: kiosk).run(at: address)
        }
        let terminal = Terminal()
        try terminal.start()
        defer { terminal.stop() }
        let runner = KioskRunner(content: content, timing: timing, database: db, terminal: terminal, printer: printer,
                                 centre: CentreFetch.enrolled(db))
        runner.run()
    }
}

struct Staff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Staff mode: with no subcommand, the full-screen staff terminal; the subcommands are desk tasks.",
        subcommands: [Add.self, Disable.self, Enable.self, Login.self, Logout.self, IssueCode.self, Unlock.self, Mark.self, Held.self, Confirm.self,
                      Conflicts.self, UnlockStaff.self, KioskExits.self])

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Seconds without input before the sign-out countdown shows.", valueName: "seconds"))
    var idleWarning: Double = 120

    @Option(help: ArgumentHelp("Seconds without input before signing out.", valueName: "seconds"))
    var idleTimeout: Double = 300

    @Option(help: ArgumentHelp("When enrolled with a centre, sync in the background every this many seconds (0: never).", valueName: "seconds"))
    var syncEvery: Double = 30

    func validate() throws {
        guard idleWarning > 0, idleTimeout > idleWarning else { throw ValidationError("need 0 < --idle-warning < --idle-timeout") }
    }

    /// The staff terminal: sign in, find a tenant, verify the caller, act on their behalf, desk tasks.
    func run() throws {
        let (content, db) = try store.openWithContent(cacheMegabytes: 16)
        guard let policy = content.staff else { throw CLIError("Forms/staff.yaml is missing: staff mode needs its caller checks and reason codes") }
        let sync = SyncLoop.background(db, every: syncEvery)
        defer { sync?.cancel() }
        let terminal = Terminal()
        try terminal.start()
        defer { terminal.stop() }
        StaffRunner(content: content, policy: policy, timing: KioskTiming(idleWarning: idleWarning, idleTimeout: idleTimeout, sessionLimit: .infinity),
                    database: db, terminal: terminal, centre: CentreReveal.enrolled(db).map(CentreRevealBridge.init)).run()
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a member of staff who may act on tenants' behalf.",
            discussion: """
                The password (at least 10 characters) is read from standard input, one line, and stored as a slow hash. \
                A centre accepts a change pushed by a device only from staff in its registry: add each member of staff at the \
                centre too (--db central.sqlite, or --database postgres://... where no password is kept).
                """)

        @OptionGroup var store: StoreOptions
        @Option(help: PostgresCentre.help) var database: String?

        @Argument(help: "The staff id (2–32 letters, digits, '.', '_' or '-').")
        var id: String

        @Option(help: "support, supervisor or dp-lead.")
        var role: String

        @Option(help: "Their name.")
        var name: String

        @Flag(help: "Read the password from standard input (for scripts and tests).")
        var passwordStdin = false

        func run() async throws {
            guard let staffRole = StaffRole(rawValue: role) else {
                throw ValidationError("--role must be support, supervisor or dp-lead")
            }
            if let database {
                let centre = try await PostgresCentre.open(database, store: store)
                defer { centre.shutdown() }
                let added = try await centre.addStaff([StaffMember(id: id, name: name, role: staffRole)])
                print(added == 1 ? "Added \(id) (\(staffRole.rawValue)) to the centre's staff registry." : "\(id) is already in the centre's staff registry.")
                return
            }
            guard passwordStdin, let password = readLine(strippingNewline: true) else {
                throw CLIError("give the password on standard input with --password-stdin (it is never taken as an argument)")
            }
            try store.open().addStaff(id, name: name, role: staffRole, password: password)
            print("Added \(id) (\(staffRole.rawValue)).")
        }
    }

    struct IssueCode: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-code",
            abstract: "Issue a one-time kiosk sign-in code (8 digits, valid 7 days) for a first sign-in or a forgotten PIN.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Option(help: "Your staff id, recorded in the ledger.")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let db = try store.open()
            let member = try auth.member(staff, db)
            let ref = db.validator.tenancyReference(reference) ?? TenantRef(reference)
            let code = try db.issueSignInCode(ref, by: .staff(StaffID(member.id), verification: "in-person", reason: "kiosk-code"), channel: .system)
            if json { return try printJSON(["reference": ref.rawValue, "code": code]) }
            print("Sign-in code for \(ref): \(code) (valid 7 days, once)")
        }
    }

    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Unlock a tenant's kiosk sign-in after too many failed attempts.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Option(help: "Your staff id, recorded in the ledger.")
        var staff: String

        @OptionGroup var auth: DeskAuthOptions

        func run() throws {
            let db = try store.open()
            let member = try auth.member(staff, db)
            let ref = db.validator.tenancyReference(reference) ?? TenantRef(reference)
            try db.unlockSignIn(ref, by: .staff(StaffID(member.id), verification: "in-person", reason: "unlock"), channel: .system)
            print("Unlocked \(ref).")
        }
    }
}

extension Staff {
    struct KioskExits: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kiosk-exits", abstract: "Who ended the kiosk with their staff password (F12 twice at the kiosk), and when.")

        @OptionGroup var store: StoreOptions

        func run() throws {
            let formatter = ISO8601DateFormatter()
            for exit in try store.open().kioskExits() { print("\(formatter.string(from: exit.at))  \(exit.staff)") }
        }
    }
}

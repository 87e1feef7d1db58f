import ArgumentParser
import CentralStore
import CentralStorePostgres
import CentralStoreSQLite
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation
import Logging
import SyncEngine
import SyncServer

/// `consent serve`: the central sync server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the central sync server on a central store (create one with `consent init --centre`).",
        discussion: "Logs one line per request to standard error. Stop it with Ctrl-C or SIGTERM.")

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8443"

    @Option(help: ArgumentHelp("TLS certificate chain (PEM); with --tls-key, the server speaks HTTPS only.", valueName: "path"), completion: .file())
    var tlsCertificate: String?

    @Option(help: ArgumentHelp("The TLS certificate's private key (PEM).", valueName: "path"), completion: .file())
    var tlsKey: String?

    @Option(help: ArgumentHelp("""
        Serve a PostgreSQL central store instead of --db: postgres://USER@HOST[:PORT]/DATABASE (?host=/socket/dir for a \
        unix socket). Its schema is created or migrated at start.
        """, valueName: "url"))
    var database: String?

    @Option(help: ArgumentHelp("Seconds a connection may send nothing (a request stopped half-way, an idle keep-alive) before it is closed.",
                               valueName: "seconds"))
    var idleTimeout = 10

    @Option(help: ArgumentHelp(
        "Refused requests without a valid credential one address may make in a minute; past it, the address is answered 429 until the minute ends.",
        valueName: "n"))
    var refusalsPerMinute = 30

    @Option(help: ArgumentHelp(
        "Address of a load balancer or proxy in front of this server (repeatable): requests from it are counted by the last X-Forwarded-For address.",
        valueName: "address"))
    var trustedProxy: [String] = []

    func run() async throws {
        guard idleTimeout > 0, refusalsPerMinute > 0 else { throw CLIError("--idle-timeout and --refusals-per-minute take a whole number above 0") }
        var limits = ServerLimits()
        limits.idleTimeout = .seconds(idleTimeout)
        limits.refusalsPerWindow = refusalsPerMinute
        limits.trustedProxies = Set(trustedProxy)
        let central: any CentralStore
        if let database {
            // With --key-file, every data key a device pushes must open with the organisation's key, and a
            // centre without the organisation's key pair gets one.
            let key = try store.keyFile.map { path throws(StoreError) in try KeyFile.read(path) }
            let postgres = try await PostgresCentre.open(database, catalogue: try store.content.load().catalogue, keyEncryptionKey: key)
            if try await postgres.organisationPublicKey() == nil {
                warn("""
                    this centre has no organisation key, so devices enrolled with it seal special-category values under keys of \
                    their own; start the server once with --key-file FILE (the organisation's key-encryption key) to make one
                    """)
            }
            central = postgres
        } else {
            let db = try store.open()
            guard db.isCentre else {
                throw CLIError("\(db.path) is a device database; serve a central store made with `consent init --centre --db central.sqlite`")
            }
            if let to = try db.movedTo() {
                throw CLIError("\(db.path) has moved to PostgreSQL; serve it there instead: `consent serve --database \(to)` (add the password if it needs one)")
            }
            central = SQLiteCentralStore(database: db)
        }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
            throw CLIError("--listen takes host:port, such as 127.0.0.1:8443")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw CLIError("give both --tls-certificate and --tls-key, or neither") }
        for file in [tlsCertificate, tlsKey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw CLIError("cannot read \(file); give a PEM file")
        }
        var logger = Logger(label: "consent.serve")
        logger.logLevel = .info
        let tls = tlsCertificate.flatMap { cert in tlsKey.map { (certificate: cert, key: $0) } }
        let host = String(listen[..<colon])
        if let refusal = SyncServer.plainHTTPRefusal(host: host, tls: tls != nil, behindProxy: !trustedProxy.isEmpty) {
            throw CLIError(refusal)
        }
        try await SyncServer(store: central, logger: logger, limits: limits).run(host: host, port: port, tls: tls)
    }
}

/// `consent device ...`: enrolment and revocation of kiosks and staff terminals.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Enrol devices with the centre, list and revoke them.",
        subcommands: [IssueCode.self, Enrol.self, Revoke.self, List.self])

    struct IssueCode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-code", abstract: "At the centre: issue a one-time enrolment code for a new device of an office.")
        @OptionGroup var store: StoreOptions
        @Option(help: PostgresCentre.help) var database: String?
        @Option(help: "The office the device belongs to.") var office: String
        @Option(help: "Minutes the code stays valid.") var minutes = 60
        @Option(help: "What the device is: kiosk (the default; it never reveals a value) or staff (a staff terminal, which may ask the centre to reveal one).")
        var kind: DeviceKind = .kiosk

        func run() async throws {
            let lifetime = TimeInterval(minutes * 60)
            guard let database else { return print(try store.open().issueEnrolmentCode(office: office, lifetime: lifetime, kind: kind)) }
            let central = try await PostgresCentre.open(database, store: store)
            defer { central.shutdown() }
            print(try await central.issueEnrolmentCode(office: office, lifetime: lifetime, kind: kind))
        }
    }

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrol",
            abstract: "On a device: enrol this database with the centre using a one-time code, then sync.")
        @OptionGroup var store: StoreOptions
        @Option(help: ArgumentHelp("The centre's address, such as http://127.0.0.1:8443.", valueName: "url")) var server: String
        @Option(help: "The one-time code issued at the centre.") var code: String
        @Option(help: ArgumentHelp(
            "A PEM file of the certificate authority that signed the centre's TLS certificate (or the centre's own self-signed certificate); kept for every later sync. Default: the system's trusted authorities.",
            valueName: "path"), completion: .file()) var caFile: String?

        func run() async throws {
            let db = try store.open()
            guard !db.isCentre else { throw CLIError("\(db.path) is a central store; enrol a device database") }
            guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https" else {
                throw CLIError("--server takes an http:// or https:// address")
            }
            let ca = caFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            if let ca, !FileManager.default.isReadableFile(atPath: ca) {
                throw CLIError("--ca-file \(ca) cannot be read; give the PEM file of the authority that signed the centre's certificate")
            }
            let reply: EnrolResponse
            do {
                reply = try await HTTPTransport.enrol(server: url, request: EnrolRequest(
                    code: code, device: db.device.rawValue, signingKey: try db.signingKey().publicKey.rawRepresentation), caFile: ca)
            } catch SyncFailure.unreachable(let why) {
                throw CLIError("not enrolled: no usable answer from the centre at \(server) (\(why)); nothing was changed here")
            } catch let failure as SyncFailure {
                throw CLIError("not enrolled: \(failure)")
            }
            do {
                try db.saveEnrolment(SyncSettings(server: server, secret: reply.secret, caFile: ca), sealingKey: reply.sealingKey)
            } catch {
                // The centre took the code and enrolled this device; this side refused the key it sent.
                switch error {
                case .badOrganisationKey, .organisationKeyChanged:
                    throw CLIError("""
                        not enrolled: \(error). The centre took the code and enrolled \(reply.device), so this database cannot \
                        enrol again under that name: at the centre, revoke it (`consent device revoke \(reply.device)`) and compare \
                        its key with `consent keys status` there; then make a new device database (`consent init --db NEW.sqlite \
                        --device NEW-ID`) and enrol that with a new code
                        """)
                default: throw error
                }
            }
            print("Enrolled \(reply.device) with \(server) for \(reply.office).")
            if let key = db.organisationKey {
                print("Special-category values recorded here are sealed to the organisation's key \(key.id); they are read at the centre "
                      + "(`consent keys status` there names the same key).")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "At the centre: refuse every later request of a device.")
        @OptionGroup var store: StoreOptions
        @Option(help: PostgresCentre.help) var database: String?
        @Argument(help: "The device id.") var id: String
        func run() async throws {
            if let database {
                let central = try await PostgresCentre.open(database, store: store)
                defer { central.shutdown() }
                try await central.revoke(device: id)
            } else {
                try store.open().revoke(device: id)
            }
            print("Revoked \(id).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "At the centre: the enrolled devices.")
        @OptionGroup var store: StoreOptions
        @Option(help: PostgresCentre.help) var database: String?
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let devices: [CentralDevice]
            if let database {
                let central = try await PostgresCentre.open(database, store: store)
                defer { central.shutdown() }
                devices = try await central.devices()
            } else {
                devices = try store.open().enrolledDevices()
            }
            if json { return try printJSON(devices) }
            for d in devices {
                print("\(d.id)\t\(d.office)\t\(d.kind.rawValue)\tlast event \(d.lastSequence)\(d.revokedAt == nil ? "" : "\trevoked")")
            }
        }
    }
}

/// `consent sync`: send this device's changes to the centre and bring back what changed elsewhere.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Sync this device with its centre, once or continuously.",
        discussion: "With --watch, syncs every --interval seconds, backing off (up to 5 minutes) while the centre is unreachable.",
        subcommands: [SyncSetAside.self])

    @OptionGroup var store: StoreOptions
    @Flag(help: "Sync once and exit (the default).") var once = false
    @Flag(help: "Keep syncing until stopped.") var watch = false
    @Flag(help: "Say how this device stands (changes to send, last sync, why the last round failed) without syncing.") var status = false
    @Option(help: "Seconds between rounds with --watch.") var interval = 10
    @Flag(help: "Print a JSON report.") var json = false
    @Option(help: ArgumentHelp("Events per push request.", visibility: .hidden)) var pushBatch = 1_000
    @Option(help: ArgumentHelp("Events per pulled page.", visibility: .hidden)) var pullPage = 5_000

    func run() async throws {
        let db = try store.open()
        guard let settings = try db.syncSettings(), let url = URL(string: settings.server) else {
            throw CLIError("\(db.path) is not enrolled with a centre; run `consent device enrol --server URL --code CODE` first")
        }
        if status { return try printStatus(db.syncStatus(), server: settings.server) }
        let transport: HTTPTransport
        do {
            transport = try HTTPTransport(server: url, device: db.device.rawValue, secret: settings.secret, caFile: settings.caFile)
        } catch {
            try? db.recordSyncProblem(error.description)
            throw error
        }
        let client = SyncClient(database: db, transport: transport,
                                pushBatch: pushBatch, pullPage: pullPage)
        guard watch else {
            let report: SyncReport
            do { report = try await client.syncOnce() } catch {
                try? db.recordSyncProblem(error.description)
                throw error
            }
            try db.recordSyncProblem(nil)
            if json { return try printJSON(report) }
            print("Sent \(report.pushed), received \(report.pulled)\(report.conflicts + report.overridden > 0 ? "; \(report.conflicts + report.overridden) grant(s) lost to a withdrawal, queued for re-confirmation" : "").")
            if report.staff > 0 { print("Staff registry: \(report.staff) member(s) added or changed by the centre.") }
            for line in report.staffNotAdded { print("Not added at the centre: \(line)") }
            for line in report.rejected { print("Refused by the centre: \(line)") }
            if !report.rejected.isEmpty { print(SyncClient.refusedEventAdvice) }
            return
        }
        await SyncLoop(client: client, interval: Double(interval)).run { round, next in
            switch round {
            case .success(let report):
                if json { try? printJSON(report) } else if report.pushed + report.pulled > 0 {
                    print("Sent \(report.pushed), received \(report.pulled).")
                }
            case .failure(let failure):
                FileHandle.standardError.write(Data("\(failure); next try in \(Int(next)) s\n".utf8))
            }
        }
    }
}

extension SyncCommand {
    private func printStatus(_ status: SyncStatus, server: String) throws {
        if json { return try printJSON(status) }
        let last = status.lastSyncedAt.map { "last synced \(ISO8601DateFormatter().string(from: $0))" } ?? "never synced"
        print("Centre \(server): \(last); \(status.unsent) change(s) to send; pulled up to \(status.cursor); \(status.conflicts) conflict(s) to re-confirm.")
        if let problem = status.problem { print("The last sync failed: \(problem)") }
    }
}

extension DeviceKind: ExpressibleByArgument {}

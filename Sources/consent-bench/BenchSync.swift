import ArgumentParser
import CentralStore
import CentralStoreSQLite
import ConsentBench
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation
import ProgramRunner
import SyncEngine
import SyncProtocol

extension Bench {
    struct SyncBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Push and pull decisions through `consent serve` on loopback vs inserting the same rows into SQLite.",
            discussion: """
                In a temporary folder: a central store with --tenants registered, served by a child `consent serve` on
                127.0.0.1; one device records --events decisions offline and pushes them (timed); a device already in step
                pulls them in pull pages (timed), and a newly enrolled device makes its first sync in snapshot pages (timed). Baseline: the same rows inserted straight into a SQLite table in one
                transaction. Also reports bytes per event on the wire against a tight binary encoding.
                Goals: >= 50,000 events/s each way; wire <= 2x the minimal encoding; a first sync of 1,000,000 decisions
                in <= 20 s (--events 1000000).
                With --offices N the tenants are spread over N offices (office-01, ...) and the device in step and the new
                device are enrolled for office-01, so they pull only its tenants: compare the first sync with a run
                without --offices (the whole register) of the same --tenants and --events.
                """)

        @OptionGroup var content: ContentOptions
        @Option(help: "Decisions to push and pull.") var events = 100_000
        @Option(help: "Tenants registered at the centre first.") var tenants = 10_000
        @Option(help: "Events per push request.") var batch = 5_000
        @Option(help: "Spread the tenants over this many offices; the pulling devices hold office-01's (0: no offices, the whole register).")
        var offices = 0
        @Flag(help: "Print JSON for scripts.") var json = false

        struct Result: Codable {
            var events: Int
            var offices: Int
            var pushSeconds: Double
            var pullSeconds: Double
            var firstSyncEvents: Int
            var firstSyncSeconds: Double
            var baselineSeconds: Double
            var pushPerSecond: Double
            var pullPerSecond: Double
            var firstSyncPerSecond: Double
            var baselinePerSecond: Double
            var wireBytesPerEvent: Double
            var minimalBytesPerEvent: Double
            /// CPU seconds each side spent on each timed step: where the time goes.
            var pushCPU: CPUSplit
            var pullCPU: CPUSplit
            var firstSyncCPU: CPUSplit
        }

        /// CPU seconds of one step: this process (the device) and the `consent serve` child (the centre).
        struct CPUSplit: Codable {
            var device: Double
            var centre: Double
        }

        func run() async throws {
            let loaded = try content.load()
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("consent-bench-sync-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: dir) }
            let key = KeyEncryptionKey.generate()
            let note: (String) -> Void = { if !json { print($0) } }

            note("setting up: \(tenants) tenants at the centre, \(events) decisions on a device …")
            let central = try ConsentDatabase.create(at: dir.appendingPathComponent("central.sqlite").path, validator: loaded.validator,
                                                     device: DeviceID("centre"), key: key, centre: true)
            let registrations = (0..<tenants).map { i in
                var values: [AttributeID: AttributeValue] = [AttributeID("full-name"): .value("Tenant \(i)"), AttributeID("email"): .value("t\(i)@example.org")]
                if offices > 0 { values[Office.attribute] = .value(Office.demoName(i % offices + 1)) }
                return ChangeRequest(tenant: TenantRef(String(format: "B%07d", i)), payload: .registration(values: values),
                                     actor: .system("bench"), channel: .importFile)
            }
            if offices == 0 { try central.batch { b in for registration in registrations { _ = try b.record(registration) } } }
            let server = try ServerProcess(database: central.path, content: content)
            defer { server.stop() }
            func device(_ name: String, office: String = "Bench") async throws -> ConsentDatabase {
                let db = try ConsentDatabase.create(at: dir.appendingPathComponent("\(name).sqlite").path, validator: loaded.validator,
                                                    device: DeviceID(name), key: key)
                let reply = try central.enrol(EnrolRequest(code: try central.issueEnrolmentCode(office: office, lifetime: 600), device: name,
                                                              signingKey: try db.signingKey().publicKey.rawRepresentation))
                try db.saveSyncSettings(SyncSettings(server: server.url.absoluteString, secret: reply.secret))
                return db
            }
            func client(_ db: ConsentDatabase) throws -> SyncClient {
                let settings = try db.syncSettings()
                return SyncClient(database: db, transport: try HTTPTransport(server: server.url, device: db.device.rawValue, secret: settings?.secret ?? ""),
                                  pushBatch: batch, pullPage: SyncWire.maxPullEvents)
            }
            let pusher = try await device("bench-push")
            var report = SyncReport()
            if offices > 0 {
                // A device changes only tenants of its office or those it registered (the centre's push scope), so the
                // pusher, which decides for the tenants of every office, registers them itself and pushes that (untimed).
                try pusher.batch { b in for registration in registrations { _ = try b.record(registration) } }
                var registered = SyncReport()
                try await client(pusher).push(into: &registered)
                guard registered.pushed == tenants else { throw CLIError("the centre took \(registered.pushed) of \(tenants) registrations") }
            } else {
                try await client(pusher).pull(into: &report)
            }
            let purposes = [("service-updates-email", "email"), ("resident-involvement", "email"), ("emergency-contact", "full-name")]
            try pusher.batch { b in
                for i in 0..<events {
                    let (purpose, attribute) = purposes[i % purposes.count]
                    let state: DecisionState = i % 7 == 3 ? .withdrawn : .granted
                    _ = try b.record(ChangeRequest(
                        tenant: TenantRef(String(format: "B%07d", (i / purposes.count) % tenants)),
                        payload: .decision(PurposeID(purpose), [AttributeID(attribute)], state,
                                           notice: state == .granted ? NoticeShown(version: 1, language: "en") : nil, validUntil: nil),
                        actor: .tenant, channel: .kiosk))
                }
            }
            var wire = 0
            var sample: [WireEvent] = []
            var after: Int64 = 0
            while true {
                let page = try pusher.outbox(limit: batch, after: after)
                guard let last = page.events.last else { break }
                wire += BinaryWire.encode(page).count
                sample += page.events
                after = last.record.sequence
            }
            // With offices, the pulling devices are office-01's: they hold its tenants only.
            let pullOffice = offices > 0 ? Office.demoName(1) : "Bench"
            let puller = try await device("bench-pull", office: pullOffice)
            // A device already in step (it has the registrations), which then pulls the decisions page by page.
            let follower = try await device("bench-follow", office: pullOffice)
            var caughtUp = SyncReport()
            try await client(follower).pull(into: &caughtUp)

            // One timed step: its wall time, and the CPU seconds this process (the device) and the centre spent on it.
            let centrePID = "\(server.process.pid)"
            func timed(_ title: String, _ step: (inout SyncReport) async throws -> Void) async throws -> (SyncReport, seconds: Double, cpu: CPUSplit) {
                note(title)
                let (device, centre, started) = (CPUTime.of("self"), CPUTime.of(centrePID), Date())
                var report = SyncReport()
                try await step(&report)
                let seconds = Date().timeIntervalSince(started)
                let cpu = CPUSplit(device: CPUTime.of("self") - device, centre: CPUTime.of(centrePID) - centre)
                note(String(format: "  CPU: device %.2f s, centre %.2f s", cpu.device, cpu.centre))
                return (report, seconds, cpu)
            }
            let (pushed, pushSeconds, pushCPU) = try await timed("pushing …") { try await client(pusher).push(into: &$0) }
            guard pushed.pushed == events else { throw CLIError("only \(pushed.pushed) of \(events) events were acknowledged") }
            let (followed, followSeconds, pullCPU) = try await timed("a device in step pulls them (pull pages) …") { try await client(follower).pull(into: &$0) }
            guard offices > 0 || followed.pulled == events else { throw CLIError("the device in step pulled \(followed.pulled) of \(events) events") }
            let (pulled, pullSeconds, firstSyncCPU) = try await timed("a new device's first sync (snapshot pages) …") { try await client(puller).pull(into: &$0) }
            guard offices > 0 || pulled.pulled >= events else { throw CLIError("only \(pulled.pulled) of \(events) events arrived") }

            note("baseline: the same rows into SQLite in one transaction …")
            let baseline = try SyncBaseline.insert(sample, at: dir.appendingPathComponent("baseline.sqlite").path)
            let result = Result(
                events: events, offices: offices, pushSeconds: pushSeconds, pullSeconds: followSeconds, firstSyncEvents: pulled.pulled, firstSyncSeconds: pullSeconds,
                baselineSeconds: baseline, pushPerSecond: Double(events) / pushSeconds, pullPerSecond: Double(followed.pulled) / followSeconds,
                firstSyncPerSecond: Double(pulled.pulled) / pullSeconds,
                baselinePerSecond: Double(events) / baseline, wireBytesPerEvent: Double(wire) / Double(events),
                minimalBytesPerEvent: Double(SyncBaseline.minimalBytes(sample)) / Double(events),
                pushCPU: pushCPU, pullCPU: pullCPU, firstSyncCPU: firstSyncCPU)
            if json { return try printJSON(result) }
            print(String(format: "push: %d events in %.2f s (%.0f/s)", events, pushSeconds, result.pushPerSecond))
            print(String(format: "pull by a device in step: %d events in %.2f s (%.0f/s)", followed.pulled, followSeconds, result.pullPerSecond))
            print(String(format: "first sync of a new device%@: %d events (its decisions and registrations, of %d tenants in all) in %.2f s (%.0f/s)",
                         offices > 0 ? " of \(pullOffice) (1 of \(offices) offices)" : " (whole register)",
                         pulled.pulled, tenants, pullSeconds, Double(pulled.pulled) / pullSeconds))
            print(String(format: "baseline, same rows into SQLite in one transaction: %.2f s (%.0f/s); push %.1fx, pull %.1fx, first sync %.1fx slower",
                         baseline, result.baselinePerSecond, pushSeconds / baseline, followSeconds / baseline,
                         pullSeconds / baseline * Double(events) / Double(pulled.pulled)))
            print(String(format: "wire: %.0f bytes/event (binary sync body, uncompressed) vs %.0f minimal: %.2fx (goal <= 2x)",
                         result.wireBytesPerEvent, result.minimalBytesPerEvent, result.wireBytesPerEvent / result.minimalBytesPerEvent))
        }
    }
}

/// A child `consent serve` on a free loopback port, run by the `consent` program beside this one.
struct ServerProcess {
    let process: RunningProgram
    let url: URL

    init(database: String, content: ContentOptions) throws {
        try self.init(store: ["--db", database], content: content)
    }

    /// A server of the central store that `store` names to `consent serve` (`--db FILE` or `--database URL`).
    init(store: [String], content: ContentOptions) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.consent.path) else {
            throw CLIError("no consent program at \(Self.consent.path): build or install it beside consent-bench")
        }
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...40_000)
            let process = try Program(Self.consent.path, ["serve"] + store + ["--listen", "127.0.0.1:\(port)"] + content.arguments).start(stdout: .inherit)
            let url = URL(string: "http://127.0.0.1:\(port)")!
            for _ in 0..<100 where process.isRunning {
                if Self.healthy(url) {
                    self.process = process
                    self.url = url
                    return
                }
                usleep(50_000)
            }
            process.stop()
            process.waitForExit()
        }
        throw CLIError("could not start `\(Self.consent.path) serve` on a loopback port")
    }

    /// The `consent` program in this program's folder (both are built, and installed, side by side).
    static var consent: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("consent")
    }

    /// Whether the server answers `GET /healthz` with 200.
    static func healthy(_ url: URL) -> Bool {
        url.port.map { LoopbackHTTP.status($0, path: "/healthz") == 200 } ?? false
    }

    func stop() {
        process.terminate()
        process.waitForExit()
    }
}

/// CPU seconds (user and system) a process has used so far, from /proc (0 when it cannot be read).
enum CPUTime {
    static func of(_ pid: String) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

import CentralStorePostgres
import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// `consent migrate` moves a SQLite centre that is being served, while a kiosk keeps recording and
/// syncing: the old server then refuses with "moved", the operator serves PostgreSQL at the same
/// address, and the kiosk's events all arrive there exactly once.
@Suite(.serialized, .ownThreads) struct LiveMigrateCLITests {
    /// A kiosk recording a decision and syncing, again and again, on its own thread until stopped.
    final class KioskTraffic: @unchecked Sendable {
        let cli: CLI
        let db: String
        private let lock = NSLock()
        private var stopping = false
        private var finished = DispatchSemaphore(value: 0)
        private(set) var recorded = 0
        private(set) var synced = 0
        private(set) var movedRefusals = 0
        /// Sync failures other than "moved" (a push that waited out the lock: "storage"), and record failures.
        private(set) var otherFailures: [String] = []

        init(cli: CLI, db: String) {
            self.cli = cli
            self.db = db
        }

        func read<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }

        func start() {
            Thread.detachNewThread { [self] in
                var round = 0
                while !read({ stopping }) {
                    round += 1
                    let tenant = String(format: "T%07d", round % 20 + 1)
                    let grant = round % 2 == 0
                    let record = try? cli.run(["record", "--password-stdin", tenant, grant ? "grant" : "withdraw", "--attribute", "email",
                                               "--purpose", "service-updates-email", "--staff", "S1", "--db", db]
                                              + (grant ? ["--notice-version", "1"] : []), stdin: Data("correct horse battery\n".utf8))
                    let sync = try? cli.run(["sync", "--once", "--db", db])
                    read {
                        if record?.status == 0 { recorded += 1 } else { otherFailures.append("record: \(record?.stderr ?? "did not run")") }
                        if sync?.status == 0 {
                            synced += 1
                        } else if sync?.stderr.contains("the centre has moved to PostgreSQL") == true {
                            movedRefusals += 1
                        } else {
                            otherFailures.append("sync: \(sync?.stderr ?? "did not run")")
                        }
                    }
                }
                finished.signal()
            }
        }

        /// Waits (up to `seconds`) until `condition` holds.
        func wait(seconds: Double, until condition: (KioskTraffic) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if read({ condition(self) }) { return true }
                usleep(50_000)
            }
            return false
        }

        func stop() {
            read { stopping = true }
            finished.wait()
        }
    }

    @Test func aServedSQLiteCentreMovesToPostgreSQLWhileAKioskKeepsPushing() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, .sqlite, tenants: 20)
        var server = try SyncCLITests.Server(store: centre.arguments)
        let port = server.port
        let kiosk = try SyncCLITests().enrolKiosk(cli, "kiosk-a", server: server, centre: centre)
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0)

        let traffic = KioskTraffic(cli: cli, db: kiosk)
        traffic.start()
        #expect(traffic.wait(seconds: 30) { $0.synced >= 3 }, "the kiosk syncs with the SQLite centre first")
        let postgres = try ThrowawayPostgres.shared()
        let url = postgres.url(database: try postgres.createDatabase(prefix: "live"))
        let migrate = try cli.run(["migrate", "--from", centre.sqlite, "--to", url, "--json"])
        let report = try? migrate.json() as? [String: Any]
        #expect(migrate.status == 0 && report?["matches"] as? Bool == true && report?["moved"] as? Bool == true,
                "\(migrate.stdout) \(migrate.stderr)")
        #expect(traffic.wait(seconds: 30) { $0.movedRefusals >= 3 }, "the old server refuses the kiosk's syncs")
        traffic.stop()
        #expect(traffic.otherFailures.allSatisfy { $0.contains("\"busy\"") || $0.contains("centre is busy") },
                "a push that waited out the lock may be answered busy, nothing else: \(traffic.otherFailures)")

        // The old server refuses every request with 503 "moved", and audits it.
        let secret = try #require(try ConsentDatabase.metadata("sync_secret", at: kiosk))
        let pull = try SyncCLITests.Server.request("\(server.url)/v1/pull?cursor=0", headers: ["Authorization": "Bearer kiosk-a:\(secret)"])
        #expect(pull.status == 503 && pull.body.contains("\"moved\""), "\(pull.status) \(pull.body)")
        let enrol = try SyncCLITests.Server.request("\(server.url)/v1/enrol", method: "POST",
                                                    body: Data(#"{"version":1,"code":"AAAA-BBBB-CCCC","device":"kiosk-b","signingKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}"#.utf8))
        #expect(enrol.status == 503 && enrol.body.contains("\"moved\""), "\(enrol.status) \(enrol.body)")
        let health = try SyncCLITests.Server.request("\(server.url)/healthz")
        #expect(health.status == 503 && health.body.contains("\"moved\""), "a monitor sees the moved centre as down: \(health.status) \(health.body)")
        let audit = try await centre.auditLog()
        #expect(audit.contains { $0.hasPrefix("push refused: moved") } && audit.contains { $0.hasPrefix("pull refused: moved") }
                && audit.contains { $0.hasPrefix("enrol refused: moved") }, "\(audit.suffix(5))")
        // A second migration, or serving the moved file again, is refused with what to do instead.
        let twice = try cli.run(["migrate", "--from", centre.sqlite, "--to", url])
        #expect(twice.status != 0 && twice.stderr.contains("already migrated"), "\(twice.stderr)")
        let serve = try cli.run(["serve", "--db", centre.sqlite, "--listen", "127.0.0.1:\(port + 1)"])
        #expect(serve.status != 0 && serve.stderr.contains("serve it there instead: `consent serve --database postgres://"), "\(serve.stderr)")
        let code = try cli.run(["device", "issue-code", "--office", "Leeds", "--db", centre.sqlite])
        #expect(code.status != 0 && code.stderr.contains("has moved to PostgreSQL"), "\(code.stderr)")

        let content = try #require(VaultCLITests.content)
        let device = try ConsentDatabase.open(at: kiosk, validator: content.validator)
        let unsent = try device.syncStatus().unsent
        #expect(unsent >= 2, "the kiosk kept what the moved centre refused")

        // The operator serves PostgreSQL at the same address; the kiosk resends what it holds.
        server.stop()
        server = try SyncCLITests.Server(store: ["--database", url], port: port)
        let sync = try cli.run(["sync", "--db", kiosk, "--json"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect((try? sync.json() as? [String: Any])?["pushed"] as? Int == unsent, "\(sync.stdout)")
        #expect(try device.syncStatus().unsent == 0, "the outbox is empty")

        let store = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: content.catalogue)
        defer { store.shutdown() }
        var events: [WireEvent] = []
        var cursor: Int64 = 0
        while true {
            let page = try await store.pull(after: cursor, limit: 5_000)
            events += page.events
            cursor = page.cursor
            if !page.more { break }
        }
        let kioskSequences = events.filter { $0.record.device == "kiosk-a" }.map(\.record.sequence)
        #expect(kioskSequences == Array(stride(from: 1, through: Int64(traffic.recorded), by: 1)), "every event the kiosk recorded is at PostgreSQL once, in order")
        #expect(events.compactMap(\.central) == Array(stride(from: 1, through: Int64(events.count), by: 1)), "central sequences run on without a gap or a repeat")
        let verify = try cli.run(["audit", "verify", "--database", url, "--json"])
        #expect(verify.status == 0 && (try? verify.json() as? [String: Any])?["ok"] as? Bool == true, "\(verify.stdout) \(verify.stderr)")
        // The kiosk's cursor stayed valid: it holds exactly what the centre holds, and its ledger verifies.
        #expect(try SyncCrashTests().events(cli, kiosk) == events.count)
    }
}

import CentralStorePostgres
import ConsentForms
import ConsentStore
import Foundation
import PostgresTestSupport
import Testing

/// The PostgreSQL centre end to end, as real processes: a SQLite centre is migrated to PostgreSQL,
/// `consent serve --database` serves it, two kiosks disagree offline and the withdrawal stands.
@Suite(.serialized) struct PostgresCLITests {
    @Test func aMigratedCentreServesKiosksAndTheWithdrawalStands() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let central = cli.dir.appendingPathComponent("central.sqlite").path
        #expect(try cli.run(["demo", "--centre", "--tenants", "20", "--db", central]).status == 0)
        let postgres = try ThrowawayPostgres.shared()
        let url = postgres.url(database: try postgres.createDatabase())
        let migrate = try cli.run(["migrate", "--from", central, "--to", url, "--json"])
        #expect(migrate.status == 0, "\(migrate.stdout) \(migrate.stderr)")
        #expect((try migrate.json() as? [String: Any])?["matches"] as? Bool == true)

        let server = try SyncCLITests.Server(store: ["--database", url])
        defer { server.stop() }
        let catalogue = try Content.load(forms: CLI.repo.appendingPathComponent("Forms"),
                                         localization: CLI.repo.appendingPathComponent("Localization")).catalogue
        let store = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: catalogue)
        defer { store.shutdown() }

        var kiosks: [String] = []
        for name in ["kiosk-a", "kiosk-b"] {
            let db = cli.dir.appendingPathComponent("\(name).sqlite").path
            try FileManager.default.copyItem(atPath: KeyLocation.defaultPath(for: central), toPath: KeyLocation.defaultPath(for: db))
            #expect(try cli.run(["init", "--db", db, "--device", name]).status == 0)
            let add = try cli.run(["staff", "add", "S1", "--role", "support", "--name", "Sam", "--password-stdin", "--db", db],
                                  stdin: Data("correct horse battery\n".utf8))
            #expect(add.status == 0, "\(add.stderr)")
            let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
            let enrol = try cli.run(["device", "enrol", "--db", db, "--server", server.url, "--code", code])
            #expect(enrol.status == 0, "\(enrol.stdout) \(enrol.stderr)")
            let sync = try cli.run(["sync", "--db", db, "--json"])
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect((try sync.json() as? [String: Any])?["pulled"] as? Int ?? 0 > 40, "the migrated register arrives from PostgreSQL")
            kiosks.append(db)
        }
        let (a, b) = (kiosks[0], kiosks[1])
        #expect(try cli.run(["record", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                             "--staff", "S1", "--db", a]).status == 0)
        let grant = try cli.run(["record", "T0000002", "grant", "--attribute", "email", "--purpose", "service-updates-email",
                                 "--staff", "S1", "--notice-version", "1", "--db", b])
        #expect(grant.status == 0, "\(grant.stderr)")
        for db in [b, a, b] { #expect(try cli.run(["sync", "--db", db]).status == 0) }
        for db in [a, b] {
            #expect(try SyncCLITests().emailUse(cli, db) == "withdrawn usable=false reconfirm=true", "\(db): the withdrawal stands")
            #expect(try cli.run(["ledger", "verify", "--db", db]).status == 0)
        }
        let summary = try await store.summary() // every chain walks and verifies on PostgreSQL
        #expect(summary.heads.keys.contains("kiosk-a") && summary.heads.keys.contains("kiosk-b"))
    }

    @Test func viewsAreMadeForEveryPurposeAndRefreshedOnARerun() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let postgres = try ThrowawayPostgres.shared()
        let url = postgres.url(database: try postgres.createDatabase())
        let prefix = "cli\(UInt32.random(in: 0...UInt32.max))_"
        for _ in 0..<2 {
            let made = try cli.run(["views", "--database", url, "--role-prefix", prefix, "--json"])
            #expect(made.status == 0, "\(made.stderr)")
            let list = try made.json() as? [[String: Any]] ?? []
            #expect(list.count == 8)
            let email = list.first { $0["purpose"] as? String == "service-updates-email" }
            #expect(email?["role"] as? String == prefix + "service_updates_email")
            #expect(email?["columns"] as? [String] == ["tenant", "full_name", "preferred_name", "email", "preferred_language"])
            let equality = list.first { $0["purpose"] as? String == "equality-monitoring" }
            #expect((equality?["columns"] as? [String])?.contains("ethnic_origin") == false, "special categories are never view columns")
        }
        let bad = try cli.run(["views", "--database", url, "--role-prefix", "X; DROP"])
        #expect(bad.status != 0 && bad.stderr.contains("--role-prefix"))
    }
}

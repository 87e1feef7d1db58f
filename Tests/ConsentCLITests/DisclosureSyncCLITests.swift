import Foundation
import Testing
import TestSupport

/// Issue 22, "a disclosure made at the centre shown at a kiosk after sync", with the real programs: `consent
/// serve` on 127.0.0.1 (a SQLite and a PostgreSQL centre), `consent export` at the centre and at the kiosk,
/// `consent sync`, and `tenant show` at the kiosk; the centre's record read back with sqlite3 or psql.
@Suite(.ownThreads) struct DisclosureSyncCLITests {
    /// The kiosk's disclosures of `ref`, as `tenant show --json` gives them.
    static func shown(_ cli: CLI, _ db: String, _ ref: String) throws -> [[String: Any]] {
        let show = try cli.run(["tenant", "show", ref, "--db", db, "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        return (try show.json() as? [String: Any])?["disclosures"] as? [[String: Any]] ?? []
    }

    @Test(arguments: Backend.allCases) func anExportAtTheCentreIsShownAtTheKioskAndTheKiosksReachesTheCentre(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let (centre, server, kiosk) = try SyncCLITests.servedKiosk(cli, backend, tenants: 8)
        defer { server.stop() }
        let held = try Subprocess.run("/usr/bin/sqlite3", [kiosk, "SELECT ref FROM tenant ORDER BY ref LIMIT 1"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!held.isEmpty, "the kiosk holds a tenant after its first sync")
        #expect(try Self.shown(cli, kiosk, held).isEmpty, "nothing sent out yet")
        let user = try Subprocess.run("/usr/bin/id", ["-un"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let out = cli.dir.appendingPathComponent("centre.csv").path
        let export = try cli.run(["export", "--purpose", "tenancy-management", "--out", out, "--json"] + centre.arguments)
        #expect(export.status == 0, "\(export.stderr)")
        let exportID = try #require((try export.json() as? [String: Any])?["exportID"] as? String)
        let sync = try cli.run(["sync", "--db", kiosk, "--json"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect((try sync.json() as? [String: Any])?["disclosures"] as? Int ?? 0 > 0, "\(sync.stdout)")
        let shown = try Self.shown(cli, kiosk, held)
        #expect(shown.map { $0["exportID"] as? String } == [exportID], "\(shown)")
        #expect(shown.first?["madeBy"] as? String == user && shown.first?["origin"] as? String == "centre", "\(shown)")
        let text = try cli.run(["tenant", "show", held, "--db", kiosk]).stdout
        #expect(text.contains("tenancy-management → landlord-staff;repair-contractors: ") && text.contains("(by \(user) at centre)"), "\(text)")

        // The kiosk's own export reaches the centre, with who ran it and where.
        let own = cli.dir.appendingPathComponent("kiosk.csv").path
        let made = try cli.run(["export", "--purpose", "tenancy-management", "--out", own, "--db", kiosk, "--json"])
        #expect(made.status == 0, "\(made.stderr)")
        let ownID = try #require((try made.json() as? [String: Any])?["exportID"] as? String)
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0)
        let query = "SELECT origin || '|' || operator || '|' || (SELECT count(*) FROM disclosure d WHERE d.export_no = e.no) FROM export e WHERE id = '\(ownID)'"
        let atCentre = backend == .sqlite
            ? try Subprocess.run("/usr/bin/sqlite3", [centre.sqlite, query])
            : try Subprocess.run("/usr/bin/psql", [try #require(centre.url), "-Atc", query])
        let rows = try Subprocess.run("/usr/bin/python3", ["-c", "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8-sig'))) - 1)", own])
        #expect(atCentre.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "kiosk-a|\(user)|\(rows.stdout.trimmingCharacters(in: .whitespacesAndNewlines))",
                "\(backend): \(atCentre.stdout) \(atCentre.stderr)")
    }
}

import Foundation
import Testing
import TestSupport

/// `consent retention run --database`: a PostgreSQL centre finds what its SQLite centre would, and erases it by
/// events of its own, which `audit verify --database` then checks, chains and projection against the ledger.
@Suite(.ownThreads) struct PostgresRetentionCLITests {
    @Test func aPostgresCentreRunsRetentionAsItsSQLiteCentreWould() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let central = cli.dir.appendingPathComponent("central.sqlite").path
        #expect(try cli.run(["init", "--centre", "--db", central]).status == 0)
        let imported = try cli.run(["import", try cli.write("r.csv", Data(RetentionCLITests.register.utf8)), "--db", central])
        #expect(imported.status == 0, "\(imported.stderr)")
        let supervisor = Data("supervisor password 1\n".utf8)
        #expect(try cli.run(["staff", "add", "S200", "--role", "supervisor", "--name", "Sue", "--password-stdin", "--db", central],
                            stdin: supervisor).status == 0)
        for (ref, marker) in [("RT-1", "vulnerable"), ("RT-3", "safe-address")] {
            let mark = try cli.run(["staff", "mark", "--password-stdin", ref, marker, "--staff", "S200", "--db", central], stdin: supervisor)
            #expect(mark.status == 0, "\(mark.stderr)")
        }
        let postgres = try ThrowawayPostgres.shared()
        let database = try postgres.createDatabase()
        let url = postgres.url(database: database)
        let migrate = try cli.run(["migrate", "--from", central, "--to", url, "--json"])
        #expect((try? migrate.json() as? [String: Any])?["matches"] as? Bool == true, "\(migrate.stdout) \(migrate.stderr)")
        let events = try postgres.query("SELECT count(*) FROM ledger", database: database)

        let fromSQLite = try cli.run(["retention", "run", "--dry-run", "--json", "--db", central])
        let dry = try cli.run(["retention", "run", "--dry-run", "--json", "--database", url])
        #expect(dry.status == 0, "\(dry.stderr)")
        let listing = try #require(try dry.json() as? [String: Any])
        let expected = try #require(try fromSQLite.json() as? [String: Any])
        let erasures = try #require(listing["erasures"] as? [[String: String]])
        let pairs = { (list: [[String: String]]) in Set(list.map { "\($0["tenant"] ?? "")|\($0["attribute"] ?? "")" }) }
        #expect(pairs(erasures) == pairs(try #require(expected["erasures"] as? [[String: String]])), "the same values as the SQLite centre finds")
        #expect(Set(erasures.map { $0["tenant"] ?? "" }) == ["RT-1", "RT-4"], "\(erasures)")
        #expect(listing["markersCleared"] as? [[String: String]] == [["tenant": "RT-1", "marker": "vulnerable"]])
        #expect(try postgres.query("SELECT count(*) FROM ledger", database: database) == events, "a dry run writes no event")

        let run = try cli.run(["retention", "run", "--database", url])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Erased or cleared \(erasures.count) values and 1 staff marker of 2 tenants"), "\(run.stdout)")
        let recorded = try postgres.query("""
            SELECT l.kind, count(*) FROM ledger l JOIN device d ON d.no = l.device_no
            WHERE d.id = 'centre-retention' AND l.actor = 'system' AND l.actor_id = 'retention' GROUP BY l.kind ORDER BY l.kind
            """, database: database)
        #expect(recorded == "erasure|\(erasures.count)\nmarker|1", "\(recorded)")
        let left = try postgres.query("""
            SELECT count(*) FROM value v JOIN tenant t ON t.id = v.tenant_id WHERE t.ref = 'RT-1' AND v.value IS NOT NULL AND v.attribute_id <> 'office'
            """, database: database)
        #expect(left == "0", "RT-1's erased values are gone from the database, not only hidden")
        let markers = try postgres.query("""
            SELECT t.ref, m.marker, m.active FROM tenant_marker m JOIN tenant t ON t.id = m.tenant_id ORDER BY t.ref
            """, database: database)
        #expect(markers == "RT-1|vulnerable|f\nRT-3|safe-address|t", "\(markers)")

        let verify = try cli.run(["audit", "verify", "--database", url, "--json"])
        #expect(verify.status == 0 && (try? verify.json() as? [String: Any])?["ok"] as? Bool == true, "\(verify.stdout)\(verify.stderr)")
        let again = try cli.run(["retention", "run", "--database", url])
        #expect(again.status == 0 && again.stdout.contains("Nothing is past its retention"), "\(again.stdout)\(again.stderr)")
        let audit = try postgres.query("SELECT what FROM sync_audit WHERE what LIKE 'retention %' ORDER BY at", database: database)
        #expect(audit.contains("retention dry run by") && audit.contains("of 2 tenants erased or cleared"), "\(audit)")
    }
}

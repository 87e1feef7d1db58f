import Foundation
import Testing
import TestSupport

/// `consent expiry --database`: a PostgreSQL centre lists the same lapsing grants as the SQLite centre it
/// was migrated from, and records the listing in its own audit log.
@Suite(.ownThreads) struct PostgresExpiryCLITests {
    @Test func aPostgresCentreListsTheGrantsThatLapseSoonAsItsSQLiteCentreDid() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let central = cli.dir.appendingPathComponent("central.sqlite").path
        let register = try cli.write("r.csv", Data(ExpiryCLITests.register.utf8))
        #expect(try cli.run(["init", "--centre", "--db", central]).status == 0)
        #expect(try cli.run(["import", register, "--db", central]).status == 0)
        let add = try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam", "--password-stdin", "--db", central],
                              stdin: ExpiryCLITests.password)
        #expect(add.status == 0, "\(add.stderr)")
        let soon = try ExpiryCLITests.signed(monthsAgo: 24, plusDays: 10)
        for (ref, signed) in [("EX-1", soon.text), ("EX-2", nil)] {
            let run = try cli.run(["record", "--password-stdin", ref, "grant", "--attribute", "email", "--purpose", "service-updates-email",
                                   "--staff", "S100", "--notice-version", "1", "--db", central] + (signed.map { ["--signed", $0] } ?? []),
                                  stdin: ExpiryCLITests.password)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let postgres = try ThrowawayPostgres.shared()
        let database = try postgres.createDatabase()
        let url = postgres.url(database: database)
        let migrate = try cli.run(["migrate", "--from", central, "--to", url, "--json"])
        #expect((try? migrate.json() as? [String: Any])?["matches"] as? Bool == true, "\(migrate.stdout) \(migrate.stderr)")

        let fromPostgres = try cli.run(["expiry", "--within", "30", "--json", "--database", url])
        #expect(fromPostgres.status == 0, "\(fromPostgres.stderr)")
        let listing = try #require(try fromPostgres.json() as? [String: Any])
        let grants = try #require(listing["grants"] as? [[String: Any]])
        #expect(grants.map { $0["tenant"] as? String } == ["EX-1"], "only the grant signed 24 months less 10 days ago: \(grants)")
        #expect(grants.first?["attributes"] as? [String] == ["email"])
        let fromSQLite = try cli.run(["expiry", "--within", "30", "--json", "--db", central])
        let sqliteGrants = try #require((try fromSQLite.json() as? [String: Any])?["grants"] as? [[String: Any]])
        #expect(sqliteGrants.map { $0["until"] as? String } == grants.map { $0["until"] as? String }, "the same end date at both centres")

        let audit = try postgres.query("SELECT what FROM sync_audit WHERE what LIKE 'expiry list by %'", database: database)
        #expect(audit.contains("1 grants of 1 tenants lapsing within 30 days"), "\(audit)")
    }
}

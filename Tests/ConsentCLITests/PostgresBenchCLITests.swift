import Foundation
import Testing
import TestSupport

/// `consent-bench pg-push`: a small run of every variant (in process, into SQLite, and end to end
/// through `consent serve` into both centres) stores every event and leaves no scratch database.
@Suite(.ownThreads) struct PostgresBenchCLITests {
    @Test func everyVariantStoresEveryEventAndDropsItsScratchDatabases() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let postgres = try ThrowawayPostgres.shared()
        let run = try cli.run(["pg-push", "--database", postgres.url(database: "postgres"), "--events", "1200", "--devices", "3",
                               "--tenants", "90", "--compare-sqlite", "--http", "--json"], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let report = try run.json() as? [String: Any] ?? [:]
        let result = report["result"] as? [String: Any] ?? [:]
        #expect(result["events"] as? Int == 1200 && result["devices"] as? Int == 3)
        for seconds in [result["pushSeconds"], result["otherSeconds"]] {
            #expect((seconds as? Double ?? 0) > 0)
        }
        // The variant through the servers: both centres timed (a push not fully stored fails the command).
        let http = report["http"] as? [String: Any] ?? [:]
        #expect((http["postgresSeconds"] as? Double ?? 0) > 0 && (http["sqliteSeconds"] as? Double ?? 0) > 0, "\(report)")
        try postgres.execute("""
            DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM pg_database WHERE datname LIKE 'consent_bench_%') THEN
                    RAISE EXCEPTION 'a scratch database was left behind';
                END IF;
            END $$
            """, database: "postgres")
    }

    /// A URL that reaches no server, or names a user the server does not know, is refused in a line that
    /// says what went wrong and what to check, in the words `consent serve --database` uses, not
    /// postgres-nio's "PSQLError" that says nothing.
    @Test func aBadURLSaysWhatWentWrongAndWhatToCheck() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let postgres = try ThrowawayPostgres.shared()
        let cases = [("postgres://consent@127.0.0.1:1/central", "at 127.0.0.1: "),
                     (postgres.url(database: "postgres", user: "no_such_role"), "no_such_role")]
        for (url, cause) in cases {
            let run = try cli.run(["pg-push", "--database", url, "--events", "10"], program: CLI.benchBinary)
            #expect(run.status != 0, "\(run.stdout)")
            #expect(!run.stderr.contains("PSQLError"), "\(run.stderr)")
            #expect(run.stderr.contains("cannot connect to database postgres") && run.stderr.contains(cause), "\(run.stderr)")
            #expect(run.stderr.contains("check the URL, that the server is running and that the database exists"), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count <= 2, "one or two lines: \(run.stderr)")
        }
    }
}

import Foundation
import Testing
import TestSupport

/// An import builds each new tenant's row of current values (`tenant_values`) once at its end, with the
/// insert trigger set aside for the transaction: a refused file must leave the register exactly as it
/// was (rows, triggers and all), and an accepted one must leave the same schema and rows `ledger verify`
/// proves (BulkBatchTests checks the trigger keeps rows again afterwards).
@Suite(.ownThreads) struct ImportAllOrNothingTests {
    static let header = "Tenancy Ref,First name,Surname,DOB,Address 1,Town,Postcode,Mobile,Email,Ethnicity,Religion\n"

    static func rows(_ first: Int, _ count: Int) -> String {
        (first..<first + count).map { n in
            "AB-\(n),Ann\(n),Smith,31/01/1980,\(n) High Street,Leeds,LS1 1AA,07700 900\(100 + n % 800),a\(n)@example.org,White Irish,Christian\n"
        }.joined()
    }

    /// The main file as SQL text (schema with its triggers, and every row), read by the sqlite3 shell.
    func dump(_ cli: CLI) throws -> String {
        let out = try Subprocess.run("/usr/bin/env", ["sqlite3", "-readonly", cli.db, ".dump"])
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout
    }

    func schema(_ cli: CLI) throws -> String {
        try Subprocess.run("/usr/bin/env", ["sqlite3", "-readonly", cli.db, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"]).stdout
    }

    @Test func aFileRefusedAtItsLastRowLeavesTheRegisterExactlyAsItWas() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["init", "--db", cli.db])
        let first = try cli.run(["import", try cli.write("first.csv", Data((Self.header + Self.rows(1, 3)).utf8)), "--db", cli.db])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try dump(cli)
        #expect(before.contains("CREATE TRIGGER current_value_row_insert"))

        // 40 good rows, then one whose postcode is not a postcode.
        let bad = Self.header + Self.rows(100, 40) + "AB-999,Bob,Jones,1975-06-30,x,Leeds,NOT A PC,,,,\n"
        let refused = try cli.run(["import", try cli.write("second.csv", Data(bad.utf8)), "--db", cli.db])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("row 42, column 7") && refused.stderr.contains("nothing was imported"), "\(refused.stderr)")
        let after = try dump(cli)
        #expect(after == before, "the refused import changed the register")
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }

    @Test func anAcceptedFileLeavesTheSameSchemaAndRowsVerifyProves() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["init", "--db", cli.db])
        let first = try cli.run(["import", try cli.write("first.csv", Data((Self.header + Self.rows(1, 3)).utf8)), "--db", cli.db])
        #expect(first.status == 0, "\(first.stderr)")
        let schema = try schema(cli)
        let second = try cli.run(["import", try cli.write("second.csv", Data((Self.header + Self.rows(100, 40)).utf8)), "--db", cli.db])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try self.schema(cli) == schema, "the import left the schema changed")
        let rows = try Subprocess.run("/usr/bin/env", ["sqlite3", "-readonly", cli.db,
                                                       "SELECT count(*) FROM tenant_values; SELECT count(DISTINCT tenant_id) FROM current_value"])
        #expect(rows.stdout == "43\n43\n", "\(rows.stdout)")
        let verify = try cli.run(["ledger", "verify", "--db", cli.db])
        #expect(verify.status == 0 && verify.stdout.contains("43 tenants"), "\(verify.stdout)")
    }
}

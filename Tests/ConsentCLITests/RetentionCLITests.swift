import Foundation
import Testing
import TestSupport

/// `consent retention run [--dry-run]`: what no purpose may keep any longer is erased, by the ledger,
/// and nothing else; a dry run writes nothing but its audit line.
@Suite(.ownThreads) struct RetentionCLITests {
    /// RT-1 left in 2012 (past every "after tenancy end" rule); RT-2 left a year before the run, so the
    /// tenancy purposes (6 years) still keep everything; RT-3 is a tenant; RT-4 left in 2012 and had agreed to
    /// email updates, which end with the tenancy; RT-5's end date is keyed by staff below.
    static let register = "Tenancy Ref,Name,Email,Postcode,Office,Tenancy End\n"
        + "RT-1,Amina Khan,amina@example.org,LS1 4AB,Leeds,01/03/2012\n"
        + "RT-2,Carol White,carol@example.org,B1 1AA,Leeds,\(Self.yearAgo)\n"
        + "RT-3,Piotr Nowak,piotr@example.org,M1 1AE,Leeds,\n"
        + "RT-4,Ștefan Popa,stefan@example.org,L1 8JQ,Leeds,2012-03-01\n"
        + "RT-5,Grace Obi,grace@example.org,LS2 7HZ,Leeds,\n"

    /// A year and a day before today, as `YYYY-MM-DD` (UTC).
    static var yearAgo: String {
        let day = Date().addingTimeInterval(-366 * 86_400)
        return day.formatted(Date.ISO8601FormatStyle().year().month().day())
    }

    static let password = Data("correct horse battery\n".utf8)

    func sqlite(_ db: String, _ sql: String) throws -> String {
        try Subprocess.run("/usr/bin/env", ["sqlite3", "-separator", "|", db, sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Each attribute of `ref` and its projected status, as sqlite3 reads the file.
    func statuses(_ db: String, _ ref: String) throws -> [String: String] {
        let rows = try sqlite(db, """
            SELECT c.attribute_id, c.status FROM current_value c JOIN tenant t ON t.id = c.tenant_id WHERE t.ref = '\(ref)'
            """)
        return Dictionary(rows.split(separator: "\n").map { line in
            let parts = line.split(separator: "|").map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { a, _ in a })
    }

    /// Review 5: a centre takes no erasure in the system's name from a device, so a device enrolled with one does not
    /// make them: the run says to run it at the centre, and nothing is erased or recorded.
    @Test func aDeviceEnrolledWithACentreLeavesTheRunToTheCentre() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [])
        defer { cli.remove() }
        _ = try sqlite(cli.db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_server', 'https://centre.example:8443'), ('sync_secret', 'x')")
        let before = try sqlite(cli.db, "SELECT count(*) FROM ledger")
        let run = try cli.run(["retention", "run", "--db", cli.db])
        #expect(run.status != 0)
        #expect(run.stderr.contains("runs at the central store"), "\(run.stderr)")
        #expect(try sqlite(cli.db, "SELECT count(*) FROM ledger") == before)
        #expect(try statuses(cli.db, "RT-1")["email"] == "value")
    }

    @Test func aDryRunListsWhatARealRunThenErasesInTheLedgerAndASecondRunFindsNothing() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [("RT-4", ["email"])])
        defer { cli.remove() }
        let staffEnd = try cli.run(["correct", "--password-stdin", "RT-5", "--attribute", "tenancy-end", "--value", "15/06/2011",
                                    "--staff", "S100", "--evidence", "end of tenancy form", "--db", cli.db], stdin: Self.password)
        #expect(staffEnd.status == 0, "\(staffEnd.stderr)")
        // Staff markers are held by safeguarding, "2 years after tenancy end": RT-1's goes, RT-2's and RT-3's stay.
        let supervisor = Data("supervisor password 1\n".utf8)
        #expect(try cli.run(["staff", "add", "S200", "--role", "supervisor", "--name", "Sue", "--password-stdin", "--db", cli.db],
                            stdin: supervisor).status == 0)
        for (ref, marker) in [("RT-1", "vulnerable"), ("RT-2", "vulnerable"), ("RT-3", "safe-address")] {
            let mark = try cli.run(["staff", "mark", "--password-stdin", ref, marker, "--staff", "S200", "--db", cli.db], stdin: supervisor)
            #expect(mark.status == 0, "\(mark.stderr)")
        }
        let before = try sqlite(cli.db, "SELECT count(*) FROM ledger")

        let dry = try cli.run(["retention", "run", "--dry-run", "--json", "--db", cli.db])
        #expect(dry.status == 0, "\(dry.stderr)")
        let listing = try #require(try dry.json() as? [String: Any])
        let due = try #require(listing["erasures"] as? [[String: String]])
        let byTenant = Dictionary(grouping: due, by: { $0["tenant"] ?? "" }).mapValues { Set($0.compactMap { $0["attribute"] }) }
        #expect(byTenant["RT-1"] == ["full-name", "email", "postcode", "tenancy-end"], "RT-1 left in 2012: all but the office")
        #expect(byTenant["RT-4"] == ["full-name", "email", "postcode", "tenancy-end"],
                "RT-4's grant of email updates ended with the tenancy, in force or not")
        #expect(byTenant["RT-5"] == ["full-name", "email", "postcode", "tenancy-end"], "the end date staff keyed counts")
        #expect(byTenant["RT-2"] == nil && byTenant["RT-3"] == nil, "a year after the end, and a tenant: nothing")
        let markers = try #require(listing["markersCleared"] as? [[String: String]])
        #expect(markers == [["tenant": "RT-1", "marker": "vulnerable"]], "only RT-1 left over two years ago")
        #expect(try sqlite(cli.db, "SELECT count(*) FROM ledger") == before, "a dry run writes no event")
        #expect(try statuses(cli.db, "RT-1")["email"] == "value")

        let run = try cli.run(["retention", "run", "--db", cli.db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Erased or cleared 12 values and 1 staff marker of 3 tenants"), "\(run.stdout)")
        #expect(run.stdout.contains("marker vulnerable\t1"), "\(run.stdout)")
        #expect(try sqlite(cli.db, "SELECT count(*) FROM ledger WHERE kind = 'erasure' AND actor = 'system' AND actor_id = 'retention'") == "12")
        #expect(try sqlite(cli.db, "SELECT count(*) FROM ledger WHERE kind = 'marker' AND actor = 'system' AND actor_id = 'retention'") == "1")
        let standing = try sqlite(cli.db, "SELECT t.ref, m.marker, m.active FROM tenant_marker m JOIN tenant t ON t.id = m.tenant_id ORDER BY t.ref")
        #expect(standing == "RT-1|vulnerable|0\nRT-2|vulnerable|1\nRT-3|safe-address|1", "\(standing)")
        let rt1 = try statuses(cli.db, "RT-1")
        for attribute in ["full-name", "email", "postcode", "tenancy-end"] { #expect(rt1[attribute] == "erased", "\(attribute)") }
        #expect(rt1["office"] == "value", "the office stays, so RT-1's history stays with one office")
        #expect(try statuses(cli.db, "RT-4")["email"] == "erased")
        #expect(try statuses(cli.db, "RT-2").values.allSatisfy { $0 == "value" })
        let names = try sqlite(cli.db, """
            SELECT count(*) FROM value v JOIN tenant t ON t.id = v.tenant_id WHERE t.ref = 'RT-1' AND v.value IS NOT NULL AND v.attribute_id != 'office'
            """)
        #expect(names == "0", "the erased values are gone from the file, not only hidden")

        let verify = try cli.run(["ledger", "verify", "--db", cli.db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let again = try cli.run(["retention", "run", "--db", cli.db])
        #expect(again.status == 0 && again.stdout.contains("Nothing is past its retention"), "\(again.stdout)")
        let log = try cli.run(["audit", "log", "--db", cli.db])
        #expect(log.stdout.contains("retention dry run by") && log.stdout.contains("12 values and 1 marker of 3 tenants erased or cleared"),
                "\(log.stdout)")
        let history = try cli.run(["tenant", "history", "RT-1", "--db", cli.db])
        #expect(history.stdout.contains("Alert 'vulnerable' cleared") && history.stdout.contains("by retention"), "\(history.stdout)")
    }
}

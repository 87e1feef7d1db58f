import ConsentStore
import Foundation
import Testing
import TestSupport

/// A rectification request keeps the value the tenant says is right (issue 22): stored with the request like any
/// value, sealed in the vault for a special category, applied when a supervisor carries the request out without
/// typing it again; bad values and misplaced ones are refused with nothing stored.
@Suite(.serialized, .ownThreads) struct RectificationValueCLITests {
    typealias Requests = RequestsCLITests

    func sqlite(_ db: String, _ sql: String) throws -> String {
        try Subprocess.run("/usr/bin/env", ["sqlite3", db, sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func ledgerCount(_ cli: CLI) throws -> String { try sqlite(cli.db, "SELECT count(*) FROM ledger") }

    @Test func aSpecialCategoryProposalIsSealedAndCarryingItOutAppliesIt() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let requests = Requests()
        try requests.setup(cli)
        func ethnicOrigin() throws -> String? {
            let shown = try cli.run(["tenant", "show", "T0000002", "--reveal-special", "--reason", "test of the rectification", "--json", "--db", cli.db])
            let items = ((try shown.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            return items.first { $0["attribute"] as? String == "ethnic-origin" }?["value"] as? String
        }
        // A value the tenant does not hold yet (shown by its label).
        let (proposal, label) = try ethnicOrigin() == "Roma" ? ("white-irish", "Irish") : ("white-roma", "Roma")
        let made = try requests.desk(cli, ["request", "make", "T0000002", "--kind", "rectification", "--attribute", "ethnic-origin",
                                          "--value", proposal, "--channel", "paper", "--verified-by", "signed form"], staff: "S100")
        #expect(made.status == 0, "\(made.stderr)")
        let event = try #require(try requests.queue(cli).first { $0["kind"] as? String == "rectification" })
        #expect(event["proposal"] as? String == "special" && event["proposed"] == nil, "the queue printed a special category's proposed value: \(event)")
        let id = try #require(event["event"] as? String)
        let seq = try #require(id.split(separator: "#").last.map(String.init))

        // Read with sqlite3: the main file holds no plain value for the request; the vault holds one sealed row.
        let plain = try sqlite(cli.db, """
            SELECT count(*) FROM value v JOIN ledger l ON l.device_no = v.device_no AND l.device_seq = v.device_seq
            WHERE l.kind = 'rectification-request' AND l.device_seq = \(seq)
            """)
        #expect(plain == "0")
        let vault = ConsentDatabase.vaultPath(for: cli.db)
        let sealed = try sqlite(vault, "SELECT count(*) FROM value WHERE device_seq = \(seq) AND attribute_id = 'ethnic-origin' AND sealed IS NOT NULL")
        #expect(sealed == "1", "no sealed proposed value in the vault")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: vault)) + Data(contentsOf: URL(fileURLWithPath: cli.db))
        #expect(bytes.range(of: Data(proposal.utf8)) == nil, "the proposed special-category value is stored in the clear")

        let decided = try requests.desk(cli, ["request", "decide", "T0000002", id, "--carry-out"])
        #expect(decided.status == 0, "\(decided.stderr)")
        #expect(try ethnicOrigin() == label)
        #expect(try requests.queue(cli, ["--reference", "T0000002"]).first?["outcome"] as? String == "carried-out")
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }

    @Test func aPlainProposalIsListedAndApplied() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let requests = Requests()
        try requests.setup(cli)
        let made = try requests.desk(cli, ["request", "make", "T0000003", "--kind", "rectification", "--attribute", "tenancy-end",
                                          "--value", "30/06/2024", "--channel", "phone", "--verified-by", "date-of-birth+postcode"], staff: "S100")
        #expect(made.status == 0, "\(made.stderr)")
        let line = try #require(try requests.queue(cli).first)
        #expect(line["proposed"] as? String == "2024-06-30" && line["proposal"] as? String == "text", "\(line)")
        let listed = try cli.run(["request", "list", "--db", cli.db])
        #expect(listed.stdout.contains("tenancy-end -> 2024-06-30"), "\(listed.stdout)")
        // A tenant's own text that reads like one of the list's markers is shown as their text, not as the marker.
        let named = try requests.desk(cli, ["request", "make", "T0000004", "--kind", "rectification", "--attribute", "preferred-name",
                                           "--value", "special", "--channel", "phone", "--verified-by", "date-of-birth+postcode"], staff: "S100")
        #expect(named.status == 0, "\(named.stderr)")
        let marker = try #require(try requests.queue(cli, ["--reference", "T0000004"]).first)
        #expect(marker["proposal"] as? String == "text" && marker["proposed"] as? String == "special", "\(marker)")
        let id = try #require(line["event"] as? String)
        #expect(try requests.desk(cli, ["request", "decide", "T0000003", id, "--carry-out"]).status == 0)
        let shown = try cli.run(["tenant", "show", "T0000003", "--json", "--db", cli.db])
        let items = ((try shown.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(items.first { $0["attribute"] as? String == "tenancy-end" }?["value"] as? String == "2024-06-30")
    }

    @Test func badProposalsAreRefusedClearlyAndNothingIsStored() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let requests = Requests()
        try requests.setup(cli)
        let before = try ledgerCount(cli)
        let wrongKind = try requests.desk(cli, ["request", "make", "T0000001", "--kind", "restriction", "--attribute", "mobile", "--value", "07700900123"],
                                          staff: "S100")
        #expect(wrongKind.status != 0 && wrongKind.stderr.contains("--value is for a rectification request"), "\(wrongKind.stderr)")
        let badChoice = try requests.desk(cli, ["request", "make", "T0000001", "--kind", "rectification", "--attribute", "ethnic-origin",
                                                "--value", "martian"], staff: "S100")
        #expect(badChoice.status != 0 && badChoice.stderr.contains("ethnic-origin"), "\(badChoice.stderr)")
        #expect(badChoice.stderr.split(separator: "\n").count <= 2, "\(badChoice.stderr)")
        let badDate = try requests.desk(cli, ["request", "make", "T0000001", "--kind", "rectification", "--attribute", "tenancy-end",
                                              "--value", "31/02/2030"], staff: "S100")
        #expect(badDate.status != 0 && badDate.stderr.contains("tenancy-end"), "\(badDate.stderr)")
        #expect(try ledgerCount(cli) == before, "a refused request left something in the ledger")

        // A rectification taken without a value: carrying it out asks for one, and changes nothing.
        #expect(try requests.desk(cli, ["request", "make", "T0000001", "--kind", "rectification", "--attribute", "tenancy-end"], staff: "S100").status == 0)
        let id = try #require(try requests.queue(cli).first?["event"] as? String)
        let noValue = try requests.desk(cli, ["request", "decide", "T0000001", id, "--carry-out"])
        #expect(noValue.status != 0 && noValue.stderr.contains("give the corrected value of 'tenancy-end'"), "\(noValue.stderr)")
        #expect(try requests.queue(cli).first?["outcome"] as? String == "open")
    }
}

import Foundation
import Testing
import TestSupport

/// Equality rows in which fewer than five people share an age band, sex and language would pick a person out of the
/// file by what a neighbour knows of them, pseudonym or not (issue 22: "equality monitoring leaves identified rows
/// only through keyed pseudonyms and statistics"): those cells are suppressed until every group is five or more,
/// and a person still alone keeps no sensitive answer.
@Suite(.ownThreads) struct SmallGroupsCLITests {
    @Test func noOneIsPickedOutByAgeSexAndLanguageAndTheOnlyWelshSpeakerKeepsNoAnswerAlone() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "300", "--db", cli.db]).status == 0)
        let password = Data("correct horse battery\n".utf8)
        for (id, role) in [("S100", "support"), ("S200", "supervisor")] {
            try cli.run(["staff", "add", id, "--role", role, "--name", id, "--password-stdin", "--db", cli.db], stdin: password)
        }
        // T0000001 is the register's only Welsh speaker (no demo tenant speaks it), and grants their ethnic origin.
        for (attribute, value) in [("preferred-language", "cy"), ("ethnic-origin", "white-roma")] {
            let corrected = try cli.run(["correct", "T0000001", "--attribute", attribute, "--value", value, "--staff", "S100", "--password-stdin",
                                         "--db", cli.db], stdin: password)
            #expect(corrected.status == 0, "\(corrected.stderr)")
        }
        let grant = try cli.run(["record", "--password-stdin", "T0000001", "grant", "--purpose", "equality-monitoring", "--attribute", "ethnic-origin",
                                 "--staff", "S100", "--notice-version", "5", "--db", cli.db], stdin: password)
        let held = try #require(grant.stdout.firstMatch(of: /held-grant (\S+#[0-9]+)/)?.1, "\(grant.stdout)\(grant.stderr)")
        let confirmed = try cli.run(["staff", "confirm", "T0000001", String(held), "--staff", "S200", "--how", "call-back", "--reason", "call-back",
                                     "--password-stdin", "--db", cli.db], stdin: password)
        #expect(confirmed.status == 0, "\(confirmed.stderr)")

        let out = cli.dir.appendingPathComponent("q.csv").path
        let export = try cli.run(["export", "--purpose", "equality-monitoring", "--out", out, "--db", cli.db, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        let rows = try PseudonymisedExportCLITests.table(out)
        let header = try #require(rows.first)
        #expect(rows.count == 301, "every tenant keeps a row: \(rows.count - 1)")
        let index = { (name: String) throws -> Int in try #require(header.firstIndex(of: name), "\(header)") }
        let identifying = try ["age-band", "sex", "preferred-language"].map(index)
        let sensitive = try ["gender-identity", "gender-identity-write-in-given", "health-needs-given", "ethnic-origin", "religion",
                             "sexual-orientation"].map(index)
        let marker = PseudonymisedExportCLITests.suppressed
        // Counted here from the file: every row shares what identifies it with four others, or leaves no sensitive answer.
        var groups: [[String]: Int] = [:]
        for row in rows.dropFirst() { groups[identifying.map { row[$0] }, default: 0] += 1 }
        let alone = rows.dropFirst().filter { row in
            (groups[identifying.map { row[$0] }] ?? 0) < 5 && sensitive.contains { !row[$0].isEmpty && row[$0] != marker }
        }
        #expect(alone.isEmpty, "rows picked out by age band, sex and language with a sensitive answer: \(alone)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!text.contains(",cy,"), "the only Welsh speaker's language left")
        // The manifest counts each suppressed cell (counted independently from the file).
        let cells = rows.dropFirst().reduce(0) { $0 + $1.filter { $0 == marker }.count }
        let manifest = try #require(try export.json() as? [String: Any])
        #expect(cells > 0 && (manifest["withheld"] as? [String: Int])?["small-group"] == cells, "\(manifest["withheld"] ?? "") against \(cells)")
        // A suppressed cell did not leave, so no disclosure names its column: for each identifying column (bit i - 1 of a
        // disclosure for header column i), as many tenants are recorded as rows of the file that hold a cell there.
        let exportID = try #require(manifest["exportID"] as? String)
        for column in identifying {
            let held = rows.dropFirst().filter { !$0[column].isEmpty && $0[column] != marker }.count
            let recorded = try Subprocess.run("/usr/bin/sqlite3", [cli.db, """
                SELECT count(*) FROM disclosure d JOIN export e ON e.no = d.export_no WHERE e.id = '\(exportID)' AND (d.columns >> \(column - 1)) & 1
                """]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(recorded == "\(held)", "\(header[column]): \(recorded) tenants recorded as sent it, \(held) rows hold it")
        }
    }
}

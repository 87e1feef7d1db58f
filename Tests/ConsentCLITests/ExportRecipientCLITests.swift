import Foundation
import Testing
import TestSupport

/// `consent export --recipient`: the export names who receives it, within what the purpose allows, and the
/// tenants' disclosures say so.
@Suite(.ownThreads) struct ExportRecipientCLITests {
    @Test func anExportToOneRecipientRecordsOnlyThemAndAnotherRecipientIsRefusedWithNoFileLeft() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "20", "--db", cli.db]).status == 0)
        let out = cli.dir.appendingPathComponent("contractors.csv").path
        let export = try cli.run(["export", "--purpose", "tenancy-management", "--recipient", "repair-contractors", "--out", out,
                                  "--db", cli.db])
        #expect(export.status == 0, "\(export.stderr)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + ".manifest.json"))) as? [String: Any])
        #expect(manifest["recipients"] as? [String] == ["repair-contractors"])
        let stored = try Subprocess.run("/usr/bin/env", ["sqlite3", cli.db, "SELECT recipient FROM export"]).stdout
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == "repair-contractors", "the disclosure names one recipient: \(stored)")
        let show = try cli.run(["tenant", "show", "T0000001", "--db", cli.db])
        #expect(show.stdout.contains("tenancy-management → repair-contractors"), "\(show.stdout)")

        let refused = cli.dir.appendingPathComponent("equality.csv").path
        let wrong = try cli.run(["export", "--purpose", "tenancy-management", "--recipient", "equality-team", "--out", refused, "--db", cli.db])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("'equality-team' is not a recipient of purpose 'tenancy-management'")
                && wrong.stderr.contains("landlord-staff, repair-contractors"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refused) && !FileManager.default.fileExists(atPath: refused + ".manifest.json"))
        let count = try Subprocess.run("/usr/bin/env", ["sqlite3", cli.db, "SELECT count(*) FROM export"]).stdout
        #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "nothing recorded for the refused export")
    }
}

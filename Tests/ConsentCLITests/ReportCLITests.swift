import Foundation
import Testing
import TestSupport

/// `consent report`: the data-protection lead's figures, checked against the ledger and the export
/// file by independent counts (sqlite3 over the database file, lines of the CSV), not by our own code.
@Suite(.ownThreads) struct ReportCLITests {
    func sqlite(_ db: String, _ sql: String) throws -> [[String]] {
        let result = try Subprocess.run("/usr/bin/env", ["sqlite3", "-separator", "|", db, sql])
        guard result.status == 0 else { throw TestFailure("sqlite3: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func theFiguresMatchIndependentCountsOfTheLedgerAndTheExport() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "300", "--db", cli.db]).status == 0)
        let password = Data("dee-password-1\n".utf8)
        #expect(try cli.run(["staff", "add", "dee", "--role", "dp-lead", "--name", "Dee", "--password-stdin", "--db", cli.db], stdin: password).status == 0)
        // A paper grant of a special category, held for a second person: one item in the queue.
        let held = try cli.run(["record", "--password-stdin", "T0000003", "grant", "--attribute", "health-needs", "--purpose", "tailoring-services",
                                "--notice-version", "1", "--language", "en", "--staff", "dee", "--reason", "caller-request",
                                "--evidence", "form 2026-114, signed", "--db", cli.db], stdin: password)
        #expect(held.status == 0, "\(held.stderr)")
        let csv = cli.dir.appendingPathComponent("updates.csv").path
        let export = try cli.run(["export", "--purpose", "service-updates-email", "--out", csv, "--no-bom", "--db", cli.db])
        #expect(export.status == 0, "\(export.stderr)")

        let run = try cli.run(["report", "--from", "2000-01-01", "--to", "2099-12-31", "--json", "--html", cli.dir.appendingPathComponent("r.html").path,
                               "--db", cli.db])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])

        // Decisions per purpose and state: sqlite3 counts the ledger's decision events.
        var ours: [String: Int] = [:]
        for row in try #require(report["decisions"] as? [[String: Any]]) {
            ours["\(row["purpose"] ?? "")|\(row["state"] ?? "")", default: 0] += row["count"] as? Int ?? 0
        }
        var theirs: [String: Int] = [:]
        for row in try sqlite(cli.db, "SELECT purpose_id, state, count(*) FROM ledger WHERE kind = 'decision' GROUP BY 1, 2") {
            theirs["\(row[0])|\(row[1])"] = Int(row[2])
        }
        #expect(!theirs.isEmpty && ours == theirs)

        // Staff actions by person and kind.
        var staff: [String: Int] = [:]
        for row in try #require(report["staffActions"] as? [[String: Any]]) { staff["\(row["staff"] ?? "")|\(row["kind"] ?? "")"] = row["count"] as? Int }
        var counted: [String: Int] = [:]
        for row in try sqlite(cli.db, "SELECT actor_id, kind, count(*) FROM ledger WHERE actor = 'staff' GROUP BY 1, 2") { counted["\(row[0])|\(row[1])"] = Int(row[2]) }
        #expect(staff == counted && staff["dee|held-grant"] == 1)

        // The export: as many tenants as the CSV has rows under its header.
        let exports = try #require(report["exports"] as? [[String: Any]])
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\r\n").count - 1
        #expect(exports.count == 1 && exports.first?["tenants"] as? Int == rows && rows > 0, "\(exports) vs \(rows) rows")
        #expect(exports.first?["purpose"] as? String == "service-updates-email")

        let queue = try #require(report["queue"] as? [String: Any])
        #expect(queue["waiting"] as? Int == 1 && queue["oldestDays"] as? Int == 0)

        let page = try String(contentsOfFile: cli.dir.appendingPathComponent("r.html").path, encoding: .utf8)
        #expect(page.contains("<svg role=\"img\"") && page.contains("service-updates-email") && !page.contains("<script"))
        let mode = try FileManager.default.attributesOfItem(atPath: cli.dir.appendingPathComponent("r.html").path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the page names tenants: its owner alone reads it")
    }

    @Test func aPeriodThatIsNotOneIsRefusedWithWhatToType() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["init", "--db", cli.db]).status == 0)
        let backwards = try cli.run(["report", "--from", "2026-12-01", "--to", "2026-11-01", "--db", cli.db])
        #expect(backwards.status != 0 && backwards.stderr.contains("give the earlier day first"), "\(backwards.stderr)")
        let notADay = try cli.run(["report", "--from", "1/12/2026", "--to", "2026-12-31", "--db", cli.db])
        #expect(notADay.status != 0 && notADay.stderr.contains("YYYY-MM-DD"), "\(notADay.stderr)")
    }
}

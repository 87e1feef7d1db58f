import Foundation
import Testing
import TestSupport

/// `consent-bench import` compares `consent import` of a register file with `sqlite3 .import` of the same file
/// (issue 20), and the register it imported holds the file's rows.
@Suite(.ownThreads) struct BenchImportCLITests {
    @Test func importIsTimedAgainstSqliteImportAndHoldsEveryRowOfTheFile() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let run = try cli.run(["import", "--rows", "150", "--runs", "2", "--dir", cli.dir.path, "--keep", "--json"], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.isEmpty, "no progress in a pipe: \(run.stderr)")
        let report = try run.json() as? [String: Any] ?? [:]
        #expect(report["rows"] as? Int == 150 && (report["runs"] as? [Any])?.count == 2, "\(report)")
        for field in ["importMedianSeconds", "baselineMedianSeconds", "ratio", "importMaxRSSMegabytes", "baselineMaxRSSMegabytes"] {
            #expect((report[field] as? Double ?? 0) > 0, "\(field): \(report)")
        }
        #expect(report["goal"] as? Double == 10, "\(report)")
        guard let file = report["registerFile"] as? String, let database = report["database"] as? String else {
            Issue.record("nothing kept: \(report)")
            return
        }
        // Counted here, independently of the bench: the file's data rows, the register's tenants and values.
        let rows = try Subprocess.run("/usr/bin/env", ["python3", "-c", "import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline='')))) - 1)", file])
        #expect(rows.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "150", "\(rows.stdout) \(rows.stderr)")
        let counted = try Subprocess.run("/usr/bin/env", ["sqlite3", "-readonly", database,
                                                          "SELECT count(*), (SELECT count(DISTINCT tenant_id) FROM value) FROM tenant"])
        #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "150|150", "\(counted.stdout) \(counted.stderr)")
        let verify = try cli.run(["ledger", "verify", "--db", database])
        #expect(verify.status == 0 && verify.stdout.contains("150 tenants"), "\(verify.stdout) \(verify.stderr)")

        // Storage: the register's and the vault's files, per tenant, against the flat table's file per row.
        let storage = report["storage"] as? [String: Any] ?? [:]
        let perTenant = storage["bytesPerTenant"] as? Double ?? 0
        let sizes = try [database, database.replacingOccurrences(of: ".sqlite", with: ".special.sqlite")].map {
            (try FileManager.default.attributesOfItem(atPath: $0)[.size] as? NSNumber)?.doubleValue ?? 0
        }
        #expect(storage["tenants"] as? Int == 150 && abs(perTenant - sizes.reduce(0, +) / 150) < 1, "\(storage) against files of \(sizes) bytes")
        let tables = (storage["tables"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(tables.contains("value") && tables.contains("ledger") && tables.contains("tenant_values"), "\(tables)")
        let csvPerRow = Double((try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0) / 150
        let flat = report["flatBytesPerRow"] as? Double ?? 0
        // An SQLite file of 150 rows is mostly its pages' slack; it holds at least the cells and at most a few pages a row.
        #expect(flat >= csvPerRow * 0.5 && flat < 4096, "flat \(flat) bytes a row against the file's \(csvPerRow)")
        #expect(abs((report["storageRatio"] as? Double ?? 0) - perTenant / flat) < 0.01, "\(report)")
    }

    @Test func theTextReportGivesTheRatioAndGoalAndLeavesNoFiles() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let run = try cli.run(["import", "--rows", "40", "--runs", "1", "--dir", cli.dir.path], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("goal <= 10x") && run.stdout.contains("40 tenants imported, 40 rows"), "\(run.stdout)")
        #expect(run.stdout.contains("storage: ") && run.stdout.contains("bytes per tenant over 40 tenants")
                && run.stdout.contains("the flat table sqlite3 .import made of the same file") && run.stdout.contains("register value: "),
                "\(run.stdout)")
        let left = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path).filter { $0.hasPrefix("consent-bench-import") }
        #expect(left.isEmpty, "\(left)")
    }
}

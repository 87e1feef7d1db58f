import ConsentStore
import Foundation
import Testing
import TestSupport

/// `consent-bench export` compares `consent export` with `sqlite3` dumping a flat table of exactly the exported
/// cells (issue 20: the earlier baseline pivoted our own normalised tables, which measured our schema, not the job).
@Suite(.ownThreads) struct BenchExportCLITests {
    /// Reads two CSV files back with Python's csv module and prints "same" when they hold the same cells, row by row.
    static let sameCells = """
        import csv, sys
        def cells(path):
            with open(path, newline='', encoding='utf-8-sig') as f:
                return list(csv.reader(f))
        a, b = cells(sys.argv[1]), cells(sys.argv[2])
        print('same' if a == b and len(a) > 1 else 'different: %d rows against %d; first difference %r' % (
            len(a), len(b), next(((x, y) for x, y in zip(a, b) if x != y), None)))
        """

    @Test func everyPurposeIsTimedAgainstAFlatDumpOfTheSameCells() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "200", "--centre", "--db", cli.db]).status == 0)
        let kept = cli.dir.appendingPathComponent("kept").path
        let run = try cli.run(["export", "--db", cli.db, "--runs", "1", "--keep", kept, "--json"], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.isEmpty, "no progress in a pipe: \(run.stderr)")
        let report = try run.json() as? [String: Any] ?? [:]
        let purposes = report["purposes"] as? [[String: Any]] ?? []
        #expect(purposes.count >= 10, "every purpose of Forms/purposes.yaml: \(report)")
        #expect(purposes.contains { $0["purpose"] as? String == "tenancy-management" })
        for p in purposes {
            let name = p["purpose"] as? String ?? "?"
            for field in ["exportMedianSeconds", "baselineMedianSeconds", "ratio", "exportMaxRSSMegabytes", "baselineMaxRSSMegabytes"] {
                #expect((p[field] as? Double ?? 0) > 0, "\(name) \(field): \(p)")
            }
            #expect((p["runs"] as? [Any])?.count == 1, "\(p)")
            #expect((p["columns"] as? Int ?? 0) > 0, "\(p)")
            guard let export = p["exportFile"] as? String, let baseline = p["baselineFile"] as? String else {
                Issue.record("\(name): no files kept: \(p)")
                continue
            }
            let compared = try Subprocess.run("/usr/bin/env", ["python3", "-c", Self.sameCells, export, baseline])
            #expect(compared.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "same", "\(name): \(compared.stdout) \(compared.stderr)")
        }
        let tenancy = purposes.first { $0["purpose"] as? String == "tenancy-management" } ?? [:]
        #expect((tenancy["rows"] as? Int ?? 0) > 100, "most of the 200 tenants: \(tenancy)")

        let storage = report["storage"] as? [String: Any] ?? [:]
        #expect(storage["tenants"] as? Int == 200, "\(storage)")
        #expect((storage["bytesPerTenant"] as? Double ?? 0) > 0, "\(storage)")
        let tables = storage["tables"] as? [[String: Any]] ?? []
        let named = Set(tables.map { "\($0["file"] as? String ?? "") \($0["name"] as? String ?? "")" })
        for table in ["register ledger", "register tenant", "vault value"] {
            #expect(named.contains(table), "\(table) in \(named)")
        }
        let disclosures = tables.first { $0["file"] as? String == "register" && $0["name"] as? String == "disclosure" }
        #expect((disclosures?["bytes"] as? Int ?? 0) <= 4096, "measured before the exports record disclosures: \(disclosures ?? [:])")
        let sum = tables.reduce(0.0) { $0 + ($1["bytesPerTenant"] as? Double ?? 0) }
        #expect(abs(sum - (storage["bytesPerTenant"] as? Double ?? 0)) < 1, "the tables add up to the whole: \(storage)")
    }

    @Test func aPurposeCanBeChosenAndTheFilesAreRemoved() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "50", "--centre", "--db", cli.db]).status == 0)
        let run = try cli.run(["export", "--db", cli.db, "--purpose", "service-updates-email", "--runs", "2"], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("service-updates-email:") && !run.stdout.contains("tenancy-management:"), "\(run.stdout)")
        #expect(run.stdout.contains("bytes per tenant"), "\(run.stdout)")
        let left = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path).filter { $0.hasPrefix(".consent-bench") }
        #expect(left.isEmpty, "\(left)")
        let unknown = try cli.run(["export", "--db", cli.db, "--purpose", "no-such-purpose", "--runs", "1"], program: CLI.benchBinary)
        #expect(unknown.status != 0 && unknown.stderr.contains("no-such-purpose"), "\(unknown.stdout) \(unknown.stderr)")
    }
}

/// `consent-bench export --database`: the export from a PostgreSQL centre against `psql \copy` of a flat table there
/// holding the same cells.
@Suite(.ownThreads) struct BenchExportPostgresCLITests {
    @Test func anExportFromPostgresIsTimedAgainstPsqlCopyOfTheSameCells() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let central = cli.dir.appendingPathComponent("central.sqlite").path
        #expect(try cli.run(["demo", "--centre", "--tenants", "120", "--db", central]).status == 0)
        let postgres = try ThrowawayPostgres.shared()
        let database = try postgres.createDatabase()
        let url = postgres.url(database: database)
        let migrate = try cli.run(["migrate", "--from", central, "--to", url, "--json"])
        #expect((try? migrate.json() as? [String: Any])?["matches"] as? Bool == true, "\(migrate.stdout) \(migrate.stderr)")
        let kept = cli.dir.appendingPathComponent("kept").path
        let run = try cli.run(["export", "--database", url, "--key-file", KeyLocation.defaultPath(for: central), "--purpose", "tenancy-management",
                               "--runs", "2", "--keep", kept, "--json"], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let report = try run.json() as? [String: Any] ?? [:]
        #expect(report["storage"] == nil, "no bytes per table for a PostgreSQL centre: \(report)")
        let purposes = report["purposes"] as? [[String: Any]] ?? []
        #expect(purposes.count == 1, "\(report)")
        let p = purposes.first ?? [:]
        #expect((p["baseline"] as? String ?? "").contains("psql"), "\(p)")
        for field in ["exportMedianSeconds", "baselineMedianSeconds", "ratio", "exportMaxRSSMegabytes", "baselineMaxRSSMegabytes"] {
            #expect((p[field] as? Double ?? 0) > 0, "\(field): \(p)")
        }
        #expect((p["rows"] as? Int ?? 0) > 60 && (p["columns"] as? Int ?? 0) > 5, "\(p)")
        if let export = p["exportFile"] as? String, let baseline = p["baselineFile"] as? String {
            let compared = try Subprocess.run("/usr/bin/env", ["python3", "-c", BenchExportCLITests.sameCells, export, baseline])
            #expect(compared.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "same", "\(compared.stdout) \(compared.stderr)")
        } else {
            Issue.record("no files kept: \(p)")
        }
        // A pseudonymised purpose: a PostgreSQL centre keeps no pseudonym key, so the bench makes one in its folder.
        let equality = try cli.run(["export", "--database", url, "--key-file", KeyLocation.defaultPath(for: central), "--purpose", "equality-monitoring",
                                    "--runs", "1", "--json"], program: CLI.benchBinary)
        #expect(equality.status == 0, "\(equality.stdout) \(equality.stderr)")
        let equalityRows = ((try? equality.json() as? [String: Any])?["purposes"] as? [[String: Any]])?.first?["rows"] as? Int ?? 0
        #expect(equalityRows > 60, "\(equality.stdout)")
        let left = try postgres.query("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'consent_bench_flat%'", database: database)
        #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the flat table is dropped: \(left)")
    }
}

import ArgumentParser
import ConsentBench
import ConsentCommandLine
import Foundation

extension Bench {
    struct ExportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "`consent export` vs `sqlite3 -csv` (or `psql \\copy`) dumping a flat table of the same cells, per purpose (goal: ratio ≤ 1.0, ≤ 64 MB); bytes per tenant per table (goal ≤ 1.2 KB).",
            discussion: """
                For each purpose (or --purpose): runs `consent export --purpose P` (the `consent` beside this program) as a
                whole process on the register; builds a flat SQLite table from that export's own file with `sqlite3 .import`,
                so it holds exactly the exported cells; then runs --runs pairs, alternating which goes first, of the export
                and of `sqlite3 -csv -header flat.sqlite "SELECT * FROM flat"` writing a file. Reports the medians, their
                ratio and each process's peak memory (from wait4). And the register's bytes per tenant per table, vault
                included (SQLite's dbstat), measured before the exports. Each export records its disclosures in the
                register: give a copy of a demo register. Files go to a temporary folder beside the register, removed afterwards (kept with --keep).
                With --database, the register is that PostgreSQL centre (special categories with --key-file, the
                organisation's key): the export is `consent export --database URL`, and the baseline is `psql` running
                `\\copy (SELECT * FROM flat) TO FILE csv header` on a flat table made in that database by `\\copy flat FROM` the
                export's own file (dropped afterwards); files go to a temporary folder, and no bytes per table are measured.
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("Export from this PostgreSQL centre instead of --db, against psql \\copy of a flat table there.", valueName: "url"))
        var database: String?

        @Option(help: ArgumentHelp("Only this purpose (default: every purpose in Forms/purposes.yaml).", valueName: "id"))
        var purpose: String?

        @Option(help: "Pairs of runs per purpose; medians are reported.")
        var runs = 3

        @Option(help: ArgumentHelp("Keep the last export and the baseline's dump (P.csv, P.baseline.csv) in this folder.", valueName: "dir"),
                completion: .directory)
        var keep: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        struct Report: Encodable {
            var runs: Int
            var purposes: [ExportComparison.Result]
            var storage: StorageReport?
        }

        func run() throws {
            guard database != nil || FileManager.default.fileExists(atPath: store.path) else { throw CLIError("no register at \(store.path) (--db)") }
            let purposes = try purpose.map { [$0] } ?? store.content.load().catalogue.purposes.map(\.id.rawValue)
            let scratch = database == nil ? URL(fileURLWithPath: store.path).deletingLastPathComponent() : FileManager.default.temporaryDirectory
            let dir = keep.map { URL(fileURLWithPath: $0) } ?? scratch.appendingPathComponent(".consent-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { if keep == nil { try? FileManager.default.removeItem(at: dir) } }
            // A PostgreSQL centre keeps no pseudonym key beside it: the pseudonymised purposes get one made in the bench's folder.
            let storeArguments = (database.map { ["--database", $0, "--pseudonym-key", dir.appendingPathComponent("pseudonym.key").path] }
                                  ?? ["--db", store.path])
                + (store.keyFile.map { ["--key-file", $0] } ?? []) + store.content.arguments
            let baseline: FlatBaseline = database.map { .postgres(url: $0) } ?? .sqlite

            // Before the exports add their disclosures; a PostgreSQL centre's bytes are not measured.
            let storage = try database == nil ? StorageReport.measure(register: store.path) : nil
            var progress = ProgressLine("export bench", quiet: json)
            let steps = purposes.count * runs * 2
            var done = 0
            var results: [ExportComparison.Result] = []
            for id in purposes {
                results.append(try ExportComparison.run(purpose: id, consent: ServerProcess.consent.path, store: storeArguments, baseline: baseline, runs: runs,
                                                        directory: dir, keep: keep != nil) {
                    done += 1
                    progress.update(done, of: steps)
                })
            }
            progress.finish()
            if json { return try printJSON(Report(runs: runs, purposes: results, storage: storage)) }
            let tool = database == nil ? "sqlite3" : "psql"
            print("consent export vs \(baseline.command) of a flat table of the same cells; medians of \(runs) paired runs (goal <= 1.0x, <= 64 MB)")
            for r in results {
                print("\(r.purpose): " + String(format: "%d rows x %d columns, %.1f MB: export %.3f s, %.0f MB | \(tool) %.3f s, %.0f MB | %.2fx",
                                                   r.rows, r.columns, Double(r.exportBytes) / 1_000_000, r.exportMedianSeconds,
                                                   r.exportMaxRSSMegabytes, r.baselineMedianSeconds, r.baselineMaxRSSMegabytes, r.ratio))
            }
            if let storage { printStorage(storage) }
        }
    }
}

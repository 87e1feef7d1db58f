import ArgumentParser
import ConsentBench
import ConsentCommandLine
import ConsentRegister
import Foundation

extension Bench {
    struct ImportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "`consent import` of a register file vs `sqlite3 .import` of the same file into a flat table (goal: ratio ≤ 10).",
            discussion: """
                Writes a register file of --rows tenants (the demo's registrations, --seed: a tenancy reference and one
                column per attribute of Forms/), then runs --runs pairs, alternating which goes first, of whole processes:
                `consent import` of the file into a new register (made by `consent init` beforehand, not timed) and
                `sqlite3 flat.sqlite ".import --csv FILE flat"` into a new file. Reports the medians, their ratio, rows
                per second and each process's peak memory (from wait4); both databases are counted with sqlite3 and must
                hold every row, and the last register's bytes per tenant, by table, are set against the flat file's per
                row. Uses the `consent` beside this program. Files go to a temporary folder in --dir, removed afterwards
                (kept with --keep).
                """)

        @OptionGroup var content: ContentOptions

        @Option(help: "Rows (tenants) in the register file.")
        var rows = 100_000

        @Option(help: "Pairs of runs; medians are reported.")
        var runs = 3

        @Option(help: "Seed of the demo register the file is written from.")
        var seed: UInt64 = 2020

        @Option(help: ArgumentHelp("Where the temporary folder goes (default: the system's temporary folder).", valueName: "dir"),
                completion: .directory)
        var dir: String?

        @Flag(help: "Keep the register file and the last imported register (register.csv, imported.sqlite) and print where.")
        var keep = false

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            guard (1...10_000_000).contains(rows) else { throw ValidationError("--rows must be from 1 to 10,000,000") }
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        }

        func run() throws {
            let loaded = try content.load()
            let register = DemoRegister(seed: seed, now: Date(), shippedLanguages: Set(loaded.localizer.languages.map(\.code)),
                                        catalogue: loaded.catalogue)
            let parent = dir.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
            let folder = parent.appendingPathComponent("consent-bench-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
            var progress = ProgressLine("import bench", quiet: json)
            let steps = 1 + runs * 2
            var done = 0
            let r = try ImportComparison.run(register: register, rows: rows, consent: ServerProcess.consent.path, content: content.arguments,
                                             runs: runs, directory: folder, keep: keep) {
                done += 1
                progress.update(done, of: steps)
            }
            progress.finish()
            if json { return try printJSON(r) }
            print("consent import vs \(r.baseline) of the same file; medians of \(runs) paired runs (goal <= \(Int(r.goal))x)")
            print(String(format: "register file: %d rows x %d columns, %.1f MB (written in %.1f s)",
                         r.rows, r.columns, Double(r.fileBytes) / 1_000_000, r.generateSeconds))
            print(String(format: "consent import: %.2f s (%.0f rows/s), %.0f MB | sqlite3 .import: %.3f s (%.0f rows/s), %.0f MB | %.1fx",
                         r.importMedianSeconds, r.importRowsPerSecond, r.importMaxRSSMegabytes,
                         r.baselineMedianSeconds, r.baselineRowsPerSecond, r.baselineMaxRSSMegabytes, r.ratio))
            print("counted with sqlite3: \(r.importedTenants) tenants imported, \(r.flatRows) rows in the flat table")
            printStorage(r.storage, against: (r.flatBytesPerRow, r.storageRatio))
            if keep { print("kept in \(folder.path): register.csv, imported.sqlite") }
        }
    }
}

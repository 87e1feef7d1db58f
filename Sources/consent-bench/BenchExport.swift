import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentExport
import ConsentStore
import Foundation

extension Bench {
    struct ExportBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export every attribute of every tenant to CSV vs `sqlite3 -csv` dumping the same columns unfiltered (goal: ratio ≤ 1.0, RSS ≤ 64 MB).",
            discussion: """
                Runs, in one go on the same database: (1) the baseline, the sqlite3 shell writing one CSV row per tenant with
                all 16 attributes' current values (a pivot of current_value joined to the value tables; special categories
                as their sealed bytes in hex, since the shell cannot open them), no policy; (2) the
                export through the gate for a purpose listing all 16 attributes (legitimate interests with an Art. 9
                condition, pseudonymised, so special categories leave where the tenant has not objected) — every cell
                decided by the policy, disclosures recorded; (3) the same without the 4 special categories, to show what
                reading the vault costs. Files go to a temporary folder, removed afterwards. Give a copy of a demo database
                (disclosures are recorded in it).
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        struct Result: Encodable {
            var tenants: Int
            var baselineSeconds: Double
            var baselineMaxRSSMegabytes: Double
            var exportSeconds: Double
            var exportWithoutSpecialSeconds: Double
            var exportMaxRSSMegabytes: Double
            var ratio: Double
            var specialOverhead: Double
        }

        func run() async throws {
            let (content, db) = try store.openWithContent(cacheMegabytes: 2) // forward scans: a small page cache keeps memory low
            let all = content.catalogue.attributes.map(\.id)
            let ordinary = content.catalogue.attributes.filter { !$0.isSpecial }.map(\.id)
            let purpose = PurposeDefinition(id: PurposeID("bench-all-attributes"), legalBasis: .legitimateInterests,
                                            specialCondition: "dpa-2018-sch1-para6", attributes: all, recipients: ["bench"])
            let catalogue = Catalogue(attributes: content.catalogue.attributes, purposes: content.catalogue.purposes + [purpose])
            let dir = URL(fileURLWithPath: store.path).deletingLastPathComponent().appendingPathComponent(".consent-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: dir) }

            let pivot = all.map { "max(CASE WHEN x.attribute_id = '\($0.rawValue)' THEN COALESCE(v.value, hex(s.sealed)) END)" }.joined(separator: ", ")
            let query = """
                ATTACH '\(store.path.replacingOccurrences(of: ".sqlite", with: ".special.sqlite"))' AS vault;
                SELECT t.ref, \(pivot) FROM tenant t
                LEFT JOIN current_value x ON x.tenant_id = t.id
                LEFT JOIN value v ON v.device_no = x.source_device AND v.device_seq = x.source_seq AND v.attribute_id = x.attribute_id
                LEFT JOIN vault.value s ON s.device_no = x.source_device AND s.device_seq = x.source_seq AND s.attribute_id = x.attribute_id
                GROUP BY t.id ORDER BY t.id;
                """
            let queryFile = dir.appendingPathComponent("baseline.sql")
            try Data(query.utf8).write(to: queryFile)
            if !json { print("baseline: sqlite3 -csv, \(all.count) columns …") }
            let baseline = try ChildProcess.run("/usr/bin/env", ["sqlite3", "-csv", "-readonly", store.path],
                                                stdin: queryFile.path, stdout: dir.appendingPathComponent("baseline.csv").path)
            guard baseline.status == 0 else { throw CLIError("the sqlite3 baseline failed (exit \(baseline.status)); see its message above (is the sqlite3 command installed?)") }

            func export(_ attributes: [AttributeID], _ name: String) async throws -> (Double, ExportManifest) {
                let gate = try ExportGate(purpose: purpose.id.rawValue, catalogue: catalogue, at: Date(), columns: attributes.map(\.rawValue), pseudonymised: true)
                let started = Date()
                let manifest = try await Exporter(gate: gate, format: .csv).run(to: dir.appendingPathComponent(name), from: SQLiteRows(database: db))
                return (Date().timeIntervalSince(started), manifest)
            }
            if !json { print("export through the gate, \(all.count) columns …") }
            let (seconds, manifest) = try await export(all, "all.csv")
            if !json { print("export through the gate, \(ordinary.count) ordinary columns …") }
            let (withoutSpecial, _) = try await export(ordinary, "ordinary.csv")
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let result = Result(
                tenants: manifest.rows + manifest.tenantsLeftOut, baselineSeconds: baseline.seconds,
                baselineMaxRSSMegabytes: Double(baseline.maxRSSKilobytes) / 1024, exportSeconds: seconds,
                exportWithoutSpecialSeconds: withoutSpecial, exportMaxRSSMegabytes: Double(usage.ru_maxrss) / 1024,
                ratio: seconds / baseline.seconds, specialOverhead: seconds / withoutSpecial - 1)
            if json { return try printJSON(result) }
            print(String(format: "sqlite3 -csv:          %.2f s, %.0f MB max RSS", result.baselineSeconds, result.baselineMaxRSSMegabytes))
            print(String(format: "consent export:        %.2f s, %.0f MB max RSS (%d rows)", seconds, result.exportMaxRSSMegabytes, manifest.rows))
            print(String(format: "ratio export / sqlite3: %.2fx (goal <= 1.0x, RSS <= 64 MB)", result.ratio))
            print(String(format: "without special categories: %.2f s; the special categories add %.1f%%", withoutSpecial, result.specialOverhead * 100))
        }
    }
}

/// Runs a program with files for standard input and output and reports its time and peak memory.
enum ChildProcess {
    struct Outcome {
        var status: Int32
        var seconds: Double
        var maxRSSKilobytes: Int
    }

    static func run(_ path: String, _ arguments: [String], stdin: String, stdout: String) throws -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let started = Date()
        let code = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard code == 0 else { throw CLIError("cannot start \(path): \(String(cString: strerror(code)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exit, seconds: Date().timeIntervalSince(started), maxRSSKilobytes: usage.ru_maxrss)
    }
}

import Foundation

/// `consent export --purpose P` against the plainest tool doing the same job on the plainest data: the `sqlite3`
/// shell dumping, as CSV, a flat table that holds exactly the cells that export wrote. Both are timed as whole
/// processes, paired and alternating, so the ratio measures our export against the job, not against our schema.
public enum ExportComparison {
    /// One pair of runs.
    public struct Run: Codable, Sendable {
        /// `consent export` wall seconds and peak memory.
        public var exportSeconds: Double
        public var exportMaxRSSMegabytes: Double
        /// `sqlite3 -csv -header flat.sqlite "SELECT * FROM flat"` wall seconds and peak memory.
        public var baselineSeconds: Double
        public var baselineMaxRSSMegabytes: Double
    }

    /// One purpose's figures.
    public struct Result: Codable, Sendable {
        public var purpose: String
        /// Data rows and columns of the export (the header not counted).
        public var rows: Int
        public var columns: Int
        public var exportBytes: Int
        public var baselineBytes: Int
        /// Seconds `sqlite3 .import` took to build the flat table from the export (not part of the ratio).
        public var flatTableSeconds: Double
        public var runs: [Run]
        public var exportMedianSeconds: Double
        public var baselineMedianSeconds: Double
        /// Median export over median baseline (goal ≤ 1.0).
        public var ratio: Double
        /// The largest peak memory over the runs.
        public var exportMaxRSSMegabytes: Double
        public var baselineMaxRSSMegabytes: Double
        /// The files compared, kept only when asked (`keep`).
        public var exportFile: String?
        public var baselineFile: String?
    }

    /// Compares for `purpose`: exports once with `consent` (arguments `store` name the register, as `--db FILE` and
    /// any `--key-file`, `--forms`), builds `flat.sqlite` from that file with `sqlite3 .import`, then runs `runs`
    /// pairs, alternating which goes first. Files go in `directory`; with `keep` the last export and the baseline's
    /// dump stay there as `P.csv` and `P.baseline.csv`. `step` is called after each timed process.
    public static func run(purpose: String, consent: String, store: [String], runs: Int, directory: URL, keep: Bool,
                           step: () -> Void = {}) throws -> Result {
        let sqlite3 = try program("sqlite3")
        let exportFile = directory.appendingPathComponent("\(purpose).csv").path
        let baselineFile = directory.appendingPathComponent("\(purpose).baseline.csv").path
        let flat = directory.appendingPathComponent("\(purpose).flat.sqlite").path
        let errors = directory.appendingPathComponent("\(purpose).stderr").path

        func export() throws -> ChildProcess.Outcome {
            for file in [exportFile, exportFile + ".manifest.json"] { try? FileManager.default.removeItem(atPath: file) }
            let outcome = try ChildProcess.run(consent, ["export", "--purpose", purpose, "--out", exportFile] + store, stderr: errors)
            try check(outcome, "consent export --purpose \(purpose)", errors)
            return outcome
        }
        func baseline() throws -> ChildProcess.Outcome {
            let outcome = try ChildProcess.run(sqlite3, ["-csv", "-header", "-readonly", flat, "SELECT * FROM flat"],
                                               stdout: baselineFile, stderr: errors)
            try check(outcome, "sqlite3 -csv (baseline)", errors)
            return outcome
        }

        _ = try export() // also warms the page cache; its file is what the flat table holds
        try? FileManager.default.removeItem(atPath: flat)
        let imported = try ChildProcess.run(sqlite3, [flat, ".import --csv '\(exportFile)' flat"], stderr: errors)
        try check(imported, "sqlite3 .import (building the flat table)", errors)
        _ = try baseline()

        var pairs: [Run] = []
        for index in 0..<max(runs, 1) {
            let first = try index % 2 == 0 ? export() : baseline()
            step()
            let second = try index % 2 == 0 ? baseline() : export()
            step()
            let (ours, theirs) = index % 2 == 0 ? (first, second) : (second, first)
            pairs.append(Run(exportSeconds: ours.seconds, exportMaxRSSMegabytes: megabytes(ours),
                             baselineSeconds: theirs.seconds, baselineMaxRSSMegabytes: megabytes(theirs)))
        }
        let (rows, columns) = try shape(flat: flat, sqlite3: sqlite3, errors: errors)
        let exportMedian = median(pairs.map(\.exportSeconds)), baselineMedian = median(pairs.map(\.baselineSeconds))
        let result = Result(
            purpose: purpose, rows: rows, columns: columns,
            exportBytes: size(exportFile), baselineBytes: size(baselineFile), flatTableSeconds: imported.seconds, runs: pairs,
            exportMedianSeconds: exportMedian, baselineMedianSeconds: baselineMedian, ratio: exportMedian / baselineMedian,
            exportMaxRSSMegabytes: pairs.map(\.exportMaxRSSMegabytes).max() ?? 0,
            baselineMaxRSSMegabytes: pairs.map(\.baselineMaxRSSMegabytes).max() ?? 0,
            exportFile: keep ? exportFile : nil, baselineFile: keep ? baselineFile : nil)
        for file in [flat, errors] + (keep ? [] : [exportFile, exportFile + ".manifest.json", baselineFile]) {
            try? FileManager.default.removeItem(atPath: file)
        }
        return result
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The full path of `name` on `$PATH`, so the baseline is timed without a shell or `env` in front of it.
    static func program(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        throw ChildProcessError(description: "no \(name) on PATH: the baseline needs the \(name) command (apt install \(name))")
    }

    private static func check(_ outcome: ChildProcess.Outcome, _ what: String, _ errors: String) throws {
        guard outcome.status != 0 else { return }
        let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        throw ChildProcessError(description: "\(what) failed (exit \(outcome.status)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// Rows and columns of the flat table.
    private static func shape(flat: String, sqlite3: String, errors: String) throws -> (rows: Int, columns: Int) {
        let out = flat + ".shape"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let query = "SELECT (SELECT count(*) FROM flat), (SELECT count(*) FROM pragma_table_info('flat'))"
        let outcome = try ChildProcess.run(sqlite3, ["-readonly", flat, query], stdout: out, stderr: errors)
        try check(outcome, "sqlite3 (counting the flat table)", errors)
        let numbers = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (0, 0)
    }

    private static func megabytes(_ outcome: ChildProcess.Outcome) -> Double { Double(outcome.maxRSSKilobytes) / 1024 }

    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}

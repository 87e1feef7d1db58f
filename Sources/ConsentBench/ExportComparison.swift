import Foundation

/// `consent export --purpose P` against the plainest tool doing the same job on the plainest data: the `sqlite3`
/// shell (or, for a PostgreSQL centre, `psql \copy`) dumping, as CSV, a flat table that holds exactly the cells that
/// export wrote. Both are timed as whole processes, paired and alternating, so the ratio measures our export against
/// the job, not against our schema.
public enum ExportComparison {
    /// One pair of runs.
    public struct Run: Codable, Sendable {
        /// `consent export` wall seconds and peak memory.
        public var exportSeconds: Double
        public var exportMaxRSSMegabytes: Double
        /// The baseline's wall seconds and peak memory (``FlatBaseline``).
        public var baselineSeconds: Double
        public var baselineMaxRSSMegabytes: Double
    }

    /// One purpose's figures.
    public struct Result: Codable, Sendable {
        public var purpose: String
        /// The baseline's command.
        public var baseline: String
        /// Data rows and columns of the export (the header not counted).
        public var rows: Int
        public var columns: Int
        public var exportBytes: Int
        public var baselineBytes: Int
        /// Seconds `sqlite3 .import` or `psql \copy FROM` took to build the flat table from the export (not part of the ratio).
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

    /// Compares for `purpose`: exports once with `consent` (arguments `store` name the register, as `--db FILE` or
    /// `--database URL`, and any `--key-file`, `--forms`), builds the `baseline`'s flat table from that file, then
    /// runs `runs` pairs, alternating which goes first. Files go in `directory`; with `keep` the last export and the
    /// baseline's dump stay there as `P.csv` and `P.baseline.csv`. `step` is called after each timed process.
    public static func run(purpose: String, consent: String, store: [String], baseline: FlatBaseline = .sqlite, runs: Int,
                           directory: URL, keep: Bool, step: () -> Void = {}) throws -> Result {
        let exportFile = directory.appendingPathComponent("\(purpose).csv").path
        let baselineFile = directory.appendingPathComponent("\(purpose).baseline.csv").path
        let errors = directory.appendingPathComponent("\(purpose).stderr").path
        var flat = try FlatTable(baseline, purpose: purpose, directory: directory, errors: errors)
        defer {
            flat.remove()
            for file in [errors] + (keep ? [] : [exportFile, exportFile + ".manifest.json", baselineFile]) {
                try? FileManager.default.removeItem(atPath: file)
            }
        }

        func export() throws -> ChildProcess.Outcome {
            for file in [exportFile, exportFile + ".manifest.json"] { try? FileManager.default.removeItem(atPath: file) }
            return try ChildProcess.checked("consent export --purpose \(purpose)", consent,
                                            ["export", "--purpose", purpose, "--out", exportFile] + store, errors: errors)
        }
        func dump() throws -> ChildProcess.Outcome { try flat.dump(to: baselineFile) }

        _ = try export() // also warms the page cache; its file is what the flat table holds
        let built = try flat.build(from: exportFile)
        _ = try dump()

        var pairs: [Run] = []
        for index in 0..<max(runs, 1) {
            let first = try index % 2 == 0 ? export() : dump()
            step()
            let second = try index % 2 == 0 ? dump() : export()
            step()
            let (ours, theirs) = index % 2 == 0 ? (first, second) : (second, first)
            pairs.append(Run(exportSeconds: ours.seconds, exportMaxRSSMegabytes: ours.maxRSSMegabytes,
                             baselineSeconds: theirs.seconds, baselineMaxRSSMegabytes: theirs.maxRSSMegabytes))
        }
        let (rows, columns) = try flat.shape()
        let exportMedian = ChildProcess.median(pairs.map(\.exportSeconds)), baselineMedian = ChildProcess.median(pairs.map(\.baselineSeconds))
        return Result(
            purpose: purpose, baseline: baseline.command, rows: rows, columns: columns,
            exportBytes: ChildProcess.size(exportFile), baselineBytes: ChildProcess.size(baselineFile), flatTableSeconds: built.seconds,
            runs: pairs, exportMedianSeconds: exportMedian, baselineMedianSeconds: baselineMedian, ratio: exportMedian / baselineMedian,
            exportMaxRSSMegabytes: pairs.map(\.exportMaxRSSMegabytes).max() ?? 0,
            baselineMaxRSSMegabytes: pairs.map(\.baselineMaxRSSMegabytes).max() ?? 0,
            exportFile: keep ? exportFile : nil, baselineFile: keep ? baselineFile : nil)
    }
}

import ConsentRegister
import ConsentStore
import Foundation

/// `consent import` of a register file against the plainest tool doing the same job on the plainest data: the
/// `sqlite3` shell's `.import` of the same file into a new flat table. Both are timed as whole processes, each into
/// a fresh database, paired and alternating; afterwards both databases are counted with `sqlite3` and must hold
/// every row of the file, and the last register's bytes per tenant (``StorageReport``) are set against the flat file's
/// per row.
public enum ImportComparison {
    /// The goal of issue 20: an import at most ten times `sqlite3 .import`.
    public static let goal = 10.0

    /// One pair of runs.
    public struct Run: Codable, Sendable {
        /// `consent import` wall seconds and peak memory.
        public var importSeconds: Double
        public var importMaxRSSMegabytes: Double
        /// `sqlite3 flat.sqlite ".import --csv FILE flat"` wall seconds and peak memory.
        public var baselineSeconds: Double
        public var baselineMaxRSSMegabytes: Double
    }

    /// The figures of one comparison.
    public struct Result: Codable, Sendable {
        /// Data rows (tenants) and columns of the register file, and its size.
        public var rows: Int
        public var columns: Int
        public var fileBytes: Int
        /// Seconds taken to write the register file (not part of the ratio).
        public var generateSeconds: Double
        /// The baseline's command.
        public var baseline: String
        public var runs: [Run]
        public var importMedianSeconds: Double
        public var baselineMedianSeconds: Double
        /// Median import over median baseline.
        public var ratio: Double
        public var goal: Double
        /// Rows per second at the medians.
        public var importRowsPerSecond: Double
        public var baselineRowsPerSecond: Double
        /// The largest peak memory over the runs.
        public var importMaxRSSMegabytes: Double
        public var baselineMaxRSSMegabytes: Double
        /// Tenants in the last imported register and rows in the last flat table, counted with `sqlite3`.
        public var importedTenants: Int
        public var flatRows: Int
        /// Where the last imported register's bytes go (its vault included), against the goal.
        public var storage: StorageReport
        /// The last flat table's file, in bytes per row: the plainest storage of the same cells.
        public var flatBytesPerRow: Double
        /// The register's bytes per tenant over the flat file's per row.
        public var storageRatio: Double
        /// The register file and the last imported register, kept only when asked (`keep`).
        public var registerFile: String?
        public var database: String?
    }

    /// Writes tenants `0..<rows` of `register` as a register file, then runs `runs` pairs, alternating which goes
    /// first: `consent init` (not timed) and `consent import` of the file into a new register, and `sqlite3 .import`
    /// of the file into a new flat table. `consent` is the program, `content` its `--forms`/`--localization`
    /// arguments. Files go in `directory`, removed afterwards unless `keep`. `step` is called after writing the file
    /// and after each timed process. Throws when either database does not hold every row of the file.
    public static func run(register: DemoRegister, rows: Int, consent: String, content: [String], runs: Int, directory: URL,
                           keep: Bool, step: () -> Void = {}) throws -> Result {
        let sqlite3 = try ChildProcess.program("sqlite3")
        let file = directory.appendingPathComponent("register.csv")
        let database = directory.appendingPathComponent("imported.sqlite").path
        let flat = directory.appendingPathComponent("register.flat.sqlite").path
        let errors = directory.appendingPathComponent("import.stderr").path
        let ours = ConsentDatabase.files(at: database) + [KeyLocation.defaultPath(for: database)]
        defer {
            for path in [errors, flat] + (keep ? [] : [file.path] + ours) { try? FileManager.default.removeItem(atPath: path) }
        }

        try? FileManager.default.removeItem(at: file)
        let started = Date()
        let bytes = try register.writeRegisterFile(count: rows, to: file)
        let generateSeconds = Date().timeIntervalSince(started)
        step()

        func importing() throws -> ChildProcess.Outcome {
            for path in ConsentDatabase.files(at: database) { try? FileManager.default.removeItem(atPath: path) }
            _ = try ChildProcess.checked("consent init", consent, ["init", "--db", database] + content, errors: errors)
            return try ChildProcess.checked("consent import", consent, ["import", "--db", database, file.path] + content, errors: errors)
        }
        func baseline() throws -> ChildProcess.Outcome {
            try? FileManager.default.removeItem(atPath: flat)
            return try ChildProcess.checked("sqlite3 .import (baseline)", sqlite3, [flat, ".import --csv '\(file.path)' flat"], errors: errors)
        }

        var pairs: [Run] = []
        for index in 0..<max(runs, 1) {
            let first = try index % 2 == 0 ? importing() : baseline()
            step()
            let second = try index % 2 == 0 ? baseline() : importing()
            step()
            let (mine, theirs) = index % 2 == 0 ? (first, second) : (second, first)
            pairs.append(Run(importSeconds: mine.seconds, importMaxRSSMegabytes: mine.maxRSSMegabytes,
                             baselineSeconds: theirs.seconds, baselineMaxRSSMegabytes: theirs.maxRSSMegabytes))
        }
        let tenants = try ChildProcess.sqliteNumbers(sqlite3, database, "SELECT count(*) FROM tenant", errors: errors).first ?? 0
        let flatRows = try ChildProcess.sqliteNumbers(sqlite3, flat, "SELECT count(*) FROM flat", errors: errors).first ?? 0
        guard tenants == rows, flatRows == rows else {
            throw ChildProcessError(description: "the register file has \(rows) rows but consent import stored \(tenants) tenants and sqlite3 .import \(flatRows) rows")
        }
        let storage = try StorageReport.measure(register: database)
        let flatBytes = (try FileManager.default.attributesOfItem(atPath: flat)[.size] as? NSNumber)?.doubleValue ?? 0
        let flatBytesPerRow = flatBytes / Double(max(rows, 1))
        let importMedian = ChildProcess.median(pairs.map(\.importSeconds)), baselineMedian = ChildProcess.median(pairs.map(\.baselineSeconds))
        return Result(
            rows: rows, columns: register.registerFileHeader.count, fileBytes: bytes, generateSeconds: generateSeconds,
            baseline: "sqlite3 flat.sqlite \".import --csv register.csv flat\"", runs: pairs,
            importMedianSeconds: importMedian, baselineMedianSeconds: baselineMedian, ratio: importMedian / baselineMedian, goal: goal,
            importRowsPerSecond: Double(rows) / importMedian, baselineRowsPerSecond: Double(rows) / baselineMedian,
            importMaxRSSMegabytes: pairs.map(\.importMaxRSSMegabytes).max() ?? 0,
            baselineMaxRSSMegabytes: pairs.map(\.baselineMaxRSSMegabytes).max() ?? 0,
            importedTenants: tenants, flatRows: flatRows,
            storage: storage, flatBytesPerRow: flatBytesPerRow, storageRatio: flatBytesPerRow > 0 ? storage.bytesPerTenant / flatBytesPerRow : 0,
            registerFile: keep ? file.path : nil, database: keep ? database : nil)
    }
}

import ConsentRegister
import Foundation

/// The plainest tool dumping, as CSV, a flat table that holds exactly the cells of an exported file: the baseline
/// of ``ExportComparison``.
public enum FlatBaseline: Sendable, Equatable {
    /// `sqlite3 -csv -header flat.sqlite "SELECT * FROM flat"`, the table made by `sqlite3 .import` of the export.
    case sqlite
    /// `psql -c "\copy (SELECT * FROM flat) TO FILE csv header"` on the PostgreSQL server of `url` (a libpq URL, as
    /// `consent export --database` takes), the table made in that database by `\copy flat FROM` the export.
    case postgres(url: String)

    /// The baseline's command, for reports.
    public var command: String {
        switch self {
        case .sqlite: "sqlite3 -csv -header flat.sqlite \"SELECT * FROM flat\""
        case .postgres: "psql -c \"\\copy (SELECT * FROM flat) TO FILE csv header\""
        }
    }
}

/// One flat table of an exported file's cells: built from the file, dumped as a whole process, counted, removed.
struct FlatTable {
    let baseline: FlatBaseline
    /// `sqlite3` or `psql`.
    let tool: String
    /// The SQLite file, or the PostgreSQL table (in the database of the URL, dropped by ``remove()``).
    let name: String
    /// Where the tools' standard error goes.
    let errors: String
    private var columns = 0

    /// A flat table for the export `purpose`, files in `directory`.
    init(_ baseline: FlatBaseline, purpose: String, directory: URL, errors: String) throws {
        self.baseline = baseline
        self.errors = errors
        switch baseline {
        case .sqlite:
            tool = try ChildProcess.program("sqlite3")
            name = directory.appendingPathComponent("\(purpose).flat.sqlite").path
        case .postgres:
            tool = try ChildProcess.program("psql", package: "postgresql-client")
            name = "consent_bench_flat_" + String(purpose.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : "_" }).prefix(40)
        }
    }

    /// Makes the table from `csv` (its header row names the columns); returns the loading process.
    mutating func build(from csv: String) throws -> ChildProcess.Outcome {
        switch baseline {
        case .sqlite:
            try? FileManager.default.removeItem(atPath: name)
            columns = 0
            return try ChildProcess.checked("sqlite3 .import (building the flat table)", tool, [name, ".import --csv \(Self.literal(csv)) flat"], errors: errors)
        case .postgres:
            var reader = try CSVReader(url: URL(fileURLWithPath: csv))
            let header = try reader.next() ?? []
            guard !header.isEmpty else { throw ChildProcessError(description: "the export \(csv) has no header row to name the flat table's columns") }
            columns = header.count
            let definition = header.map { "\(Self.identifier($0)) text" }.joined(separator: ", ")
            _ = try psql("psql (creating the flat table)", "DROP TABLE IF EXISTS \(name); CREATE TABLE \(name) (\(definition))")
            return try psql("psql \\copy FROM (building the flat table)", "\\copy \(name) FROM \(Self.literal(csv)) WITH (FORMAT csv, HEADER true)")
        }
    }

    /// Dumps the whole table as CSV with a header row into `file`: the timed baseline.
    func dump(to file: String) throws -> ChildProcess.Outcome {
        switch baseline {
        case .sqlite:
            try ChildProcess.checked("sqlite3 -csv (baseline)", tool, ["-csv", "-header", "-readonly", name, "SELECT * FROM flat"], stdout: file, errors: errors)
        case .postgres:
            try psql("psql \\copy TO (baseline)", "\\copy (SELECT * FROM \(name)) TO \(Self.literal(file)) WITH (FORMAT csv, HEADER true)")
        }
    }

    /// Rows and columns of the table.
    func shape() throws -> (rows: Int, columns: Int) {
        switch baseline {
        case .sqlite:
            let numbers = try ChildProcess.sqliteNumbers(tool, name, "SELECT (SELECT count(*) FROM flat), (SELECT count(*) FROM pragma_table_info('flat'))", errors: errors)
            return numbers.count == 2 ? (numbers[0], numbers[1]) : (0, 0)
        case .postgres(let url):
            let out = errors + ".out"
            defer { try? FileManager.default.removeItem(atPath: out) }
            _ = try ChildProcess.checked("psql (counting the flat table)", tool, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                                                                                 "-c", "SELECT count(*) FROM \(name)"], stdout: out, errors: errors)
            let rows = Int(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            return (rows, columns)
        }
    }

    /// Removes the file, or drops the table.
    func remove() {
        switch baseline {
        case .sqlite: try? FileManager.default.removeItem(atPath: name)
        case .postgres: _ = try? psql("psql (dropping the flat table)", "DROP TABLE IF EXISTS \(name)")
        }
    }

    private func psql(_ what: String, _ command: String) throws -> ChildProcess.Outcome {
        guard case .postgres(let url) = baseline else { throw ChildProcessError(description: "\(what): not a PostgreSQL baseline") }
        return try ChildProcess.checked(what, tool, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command], errors: errors)
    }

    /// A file name in single quotes (inner quotes doubled), as both `sqlite3` dot-commands and `psql \copy` read it.
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A column name in double quotes (inner quotes doubled).
    static func identifier(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

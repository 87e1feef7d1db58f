import Foundation
import ProgramRunner
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program as a whole process with files for its standard streams and reports its wall time and peak
/// memory (the child's own `ru_maxrss`, from `wait4`), so a benchmark times what a user's shell would.
public enum ChildProcess {
    /// How a child process ended.
    public struct Outcome: Sendable {
        /// Its exit status (128 + the signal's number when a signal ended it).
        public var status: Int32
        /// Wall-clock seconds from start to exit.
        public var seconds: Double
        /// Its peak resident memory in kilobytes.
        public var maxRSSKilobytes: Int
    }

    /// Runs `path` with `arguments`; standard input from `stdin` (or /dev/null), standard output and error into the
    /// files named (created or truncated, owner-only), or /dev/null.
    public static func run(_ path: String, _ arguments: [String], stdin: String? = nil, stdout: String? = nil,
                           stderr: String? = nil) throws -> Outcome {
        let started = Date()
        let child = try spawn(path, arguments, stdin: stdin, stdout: stdout, stderr: stderr)
        return reap(child, since: started)
    }

    /// Starts `path` with `arguments` (through ``ProgramRunner``); standard input from `stdin` (or /dev/null), standard
    /// output and error into the files named (created or truncated, owner-only), or /dev/null.
    static func spawn(_ path: String, _ arguments: [String], stdin: String? = nil, stdout: String? = nil, stderr: String? = nil) throws -> RunningProgram {
        try Program(path, arguments).start(stdin: stdin.map { .file($0) } ?? .null, stdout: stdout.map { .file($0) } ?? .null,
                                           stderr: stderr.map { .file($0) } ?? .null)
    }

    /// Waits for `child` to end and reports how: its status, the seconds since `since`, its peak memory.
    static func reap(_ child: RunningProgram, since started: Date) -> Outcome {
        let ended = child.waitForExit()
        return Outcome(status: ended.shellStatus, seconds: Date().timeIntervalSince(started), maxRSSKilobytes: ended.peakMemoryKilobytes)
    }
}

/// A child process could not be started, or failed.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
}

extension ChildProcess {
    /// Runs `path` as ``run(_:_:stdin:stdout:stderr:)`` does, with standard error into the file `errors`, and throws
    /// what it wrote there when it exits other than 0; `what` names the step in that error.
    static func checked(_ what: String, _ path: String, _ arguments: [String], stdout: String? = nil, errors: String) throws -> Outcome {
        let outcome = try run(path, arguments, stdout: stdout, stderr: errors)
        guard outcome.status != 0 else { return outcome }
        let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        throw ChildProcessError(description: "\(what) failed (exit \(outcome.status)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// The full path of `name` on `$PATH`, so a baseline is timed without a shell or `env` in front of it.
    static func program(_ name: String, package: String? = nil) throws -> String {
        if let found = Program.find(name) { return found }
        throw ChildProcessError(description: "no \(name) on PATH: the baseline needs the \(name) command (apt install \(package ?? name))")
    }

    /// Runs `sql` with `sqlite3` on `database` (read-only) and returns the numbers of its one output row.
    static func sqliteNumbers(_ sqlite3: String, _ database: String, _ sql: String, errors: String) throws -> [Int] {
        let out = errors + ".out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = try checked("sqlite3 (counting rows of \(database))", sqlite3, ["-readonly", database, sql], stdout: out, errors: errors)
        return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").compactMap { Int($0) }
    }

    /// A file's size in bytes (0 when it is missing).
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

extension ChildProcess.Outcome {
    /// Peak resident memory in megabytes.
    public var maxRSSMegabytes: Double { Double(maxRSSKilobytes) / 1024 }
}

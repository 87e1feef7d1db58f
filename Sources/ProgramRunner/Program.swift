import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program to start: its file, arguments, environment and folder. Every program this project starts (the
/// read-aloud voice, receipt printers, `pdftotext`, WeasyPrint, benchmark baselines, and the tests' servers and
/// tools) is started through it, with `posix_spawn`, so each child gets only the descriptors it is given.
///
/// Not Foundation's `Process`: on Linux (swift-corelibs-foundation before #5472) its `run()` copies 256 bytes of
/// each `/proc/self/fd` entry and now and then reads past an unmapped page, killing the whole program with SIGSEGV;
/// a kiosk that speaks a page or prints a receipt would crash mid-session.
///
/// ```swift
/// let sqlite = try Program("sqlite3", ["-readonly", "copy.sqlite", "SELECT count(*) FROM tenant"])
/// let counted = try sqlite.run()
/// guard counted.termination.succeeded else { throw ... }
/// print(counted.standardOutputText)
/// ```
public struct Program: Sendable, Equatable {
    /// The file to run, a full path.
    public var path: String
    /// The arguments after the program's name.
    public var arguments: [String]
    /// The whole environment of the child; nil: this process's own.
    public var environment: [String: String]?
    /// The folder the child starts in; nil: this process's.
    public var directory: String?

    /// `program` with `arguments`: a name with a slash is used as given, a bare name is looked up on the `PATH`
    /// (of `environment` when it has one, else this process's). Throws ``ProgramError/notInstalled(_:package:)``
    /// when there is no such executable; `package` names the Debian package to install in that error.
    public init(_ program: String, _ arguments: [String] = [], environment: [String: String]? = nil, directory: String? = nil,
                package: String? = nil) throws(ProgramError) {
        guard let path = Self.find(program, path: environment?["PATH"]) else {
            throw .notInstalled(program, package: package)
        }
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
    }

    /// The executable `program` names: as given when it has a slash, else the first on `path` (a colon-separated
    /// list; nil: this process's `PATH`, else `/usr/bin:/bin`); nil when there is none.
    public static func find(_ program: String, path: String? = nil) -> String? {
        guard !program.isEmpty else { return nil }
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let folders = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return folders.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the program and returns at once. Standard input, output and error are connected as given; the child
    /// inherits no other descriptor of this process, has every signal at its default action and none blocked.
    /// Wait for it (``RunningProgram/waitForExit()``) or it stays a zombie until this process ends.
    public func start(stdin: Input = .null, stdout: Output = .null, stderr: Output = .null) throws(ProgramError) -> RunningProgram {
        try Spawner.start(self, stdin: stdin, stdout: stdout, stderr: stderr)
    }

    /// A pipe to connect two children (one's ``Output/descriptor(_:)``, the other's ``Input/descriptor(_:)``): both
    /// ends close-on-exec, so only the children given them hold them; close both here once they have started.
    public static func pipe() throws(ProgramError) -> (read: Int32, write: Int32) {
        guard let ends = Spawner.closeOnExecPipe() else { throw .noStreams("a pipe", errno: errno) }
        return ends
    }

    /// Runs the program to its end: `input` written to its standard input (nothing: it reads an empty input),
    /// its standard output and error collected. Both are drained as they come, so a child that writes a lot
    /// before reading all its input cannot block. Check ``Finished/termination``: a program that fails is
    /// not an error here.
    public func run(input: Data = Data()) throws(ProgramError) -> Finished {
        let running = try start(stdin: .pipe, stdout: .pipe, stderr: .pipe)
        let group = DispatchGroup()
        let errors = Collected(), output = Collected()
        // A child that ends without reading all its input is its own business: what it printed and its status say.
        DispatchQueue.global().async(group: group) { running.feed(input) }
        if let reader = running.standardError {
            DispatchQueue.global().async(group: group) { errors.data = reader.readDataToEndOfFile() }
        }
        if let reader = running.standardOutput { output.data = reader.readDataToEndOfFile() }
        group.wait()
        let termination = running.waitForExit()
        return Finished(termination: termination, standardOutput: output.data, standardError: errors.data)
    }

    /// What a program run to its end left.
    public struct Finished: Sendable {
        /// How it ended.
        public var termination: Termination
        /// Everything it wrote on standard output.
        public var standardOutput: Data
        /// Everything it wrote on standard error.
        public var standardError: Data

        /// Standard output as UTF-8 text.
        public var standardOutputText: String { String(decoding: standardOutput, as: UTF8.self) }
        /// Standard error as UTF-8 text.
        public var standardErrorText: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Bytes one thread reads and another takes once it has finished (the dispatch group orders the two).
    private final class Collected: @unchecked Sendable {
        var data = Data()
    }
}

/// Where a child's standard input comes from.
public enum Input: Sendable, Equatable {
    /// `/dev/null`: the child reads an empty input.
    case null
    /// A pipe whose writing end is ``RunningProgram/standardInput``.
    case pipe
    /// A file, read from its start.
    case file(String)
    /// A descriptor of this process (a pipe's reading end, say); the caller keeps it and closes it after the start.
    case descriptor(Int32)
}

/// Where a child's standard output or error goes.
public enum Output: Sendable, Equatable {
    /// `/dev/null`: thrown away.
    case null
    /// A pipe whose reading end is ``RunningProgram/standardOutput`` (or ``RunningProgram/standardError``).
    case pipe
    /// A file, created readable by its owner only, emptied first unless `append`.
    case file(String, append: Bool = false)
    /// A descriptor of this process (a pipe's writing end, say); the caller keeps it and closes it after the start.
    case descriptor(Int32)
    /// Where this process's own goes (a terminal, the test runner's log).
    case inherit
    /// For standard error only: wherever standard output goes.
    case standardOutput
}

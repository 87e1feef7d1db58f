import Foundation
import ProgramRunner
import Testing
import TestSupport

/// Runs the built `consent` binary, as a user or a script would.
struct CLI {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The process was ended by a signal (`status` is then the signal's number).
        var killedBySignal = false
    }

    static let repo = Shipped.root

    /// The `consent` built beside this test bundle.
    static let binary: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("consent")

    /// The `consent-bench` built beside it.
    static let benchBinary: URL = binary.deletingLastPathComponent().appendingPathComponent("consent-bench")

    /// A scratch folder the commands run in, removed at the end.
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            throw CLIMissing(path: Self.binary.path)
        }
    }

    struct CLIMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "the consent binary is not built at \(path); run `swift build` first" }
    }

    var db: String { dir.appendingPathComponent("consent.sqlite").path }

    /// Runs `consent ARGS` (or another of the built programs) in the scratch folder with the repository's Forms/ and
    /// Localization/; with `umask` (octal, as `"022"`), under that file-creation mask whatever the test runner's.
    @discardableResult
    func run(_ arguments: [String], program: URL = CLI.binary, stdin: Data? = nil, environment: [String: String?] = [:],
             umask: String? = nil) throws -> Output {
        var env = ProcessInfo.processInfo.environment
        env["CONSENT_FORMS"] = Self.repo.appendingPathComponent("Forms").path
        env["CONSENT_LOCALIZATION"] = Self.repo.appendingPathComponent("Localization").path
        env["CONSENT_DB"] = nil
        for (k, v) in environment { env[k] = v }
        guard let umask else { return try Subprocess.run(program.path, arguments, in: dir, stdin: stdin, fullEnvironment: env) }
        return try Subprocess.run("/bin/sh", ["-c", "umask \(umask) && exec \"$0\" \"$@\"", program.path] + arguments,
                                  in: dir, stdin: stdin, fullEnvironment: env)
    }

    /// Starts `consent ARGS` without waiting for it, its output discarded, with the repository's
    /// Forms/ and Localization/ (a server, or a client a test will kill).
    static func start(_ arguments: [String]) throws -> RunningProgram {
        var env = ProcessInfo.processInfo.environment
        env["CONSENT_FORMS"] = repo.appendingPathComponent("Forms").path
        env["CONSENT_LOCALIZATION"] = repo.appendingPathComponent("Localization").path
        return try Program(binary.path, arguments, environment: env).start()
    }

    /// Writes a file in the scratch folder and returns its path.
    func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

extension CLI.Output {
    /// Standard output decoded as JSON.
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

/// Runs another program (python3, sqlite3, the consent binary) and collects what it printed.
enum Subprocess {
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
                    environment: [String: String] = [:], fullEnvironment: [String: String]? = nil) throws -> CLI.Output {
        var env = fullEnvironment ?? ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let ran = try Spawn.run(executable, arguments, in: directory?.path, stdin: stdin, environment: env)
        return CLI.Output(status: ran.status, stdout: String(decoding: ran.stdout, as: UTF8.self),
                          stderr: String(decoding: ran.stderr, as: UTF8.self), killedBySignal: ran.killedBySignal)
    }
}

/// A test's precondition that could not be met, with what to do about it.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

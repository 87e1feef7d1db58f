import Foundation
import ProgramRunner

/// Runs a program to its end and collects what it printed, through ``ProgramRunner`` (posix_spawn, no inherited
/// descriptors), as the product does: never Foundation's `Process`, whose `run()` on Linux can kill the whole
/// test process (see ``Program``).
public enum Spawn {
    /// What a finished program left: its exit status (the signal's number when a signal ended it), its output.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var killedBySignal: Bool

        /// Standard output and error as text, one after the other (for a failing test's message).
        public var output: String { String(decoding: stdout + stderr, as: UTF8.self) }
    }

    /// Runs `executable` (a path, or a name on the `PATH`) with `arguments` in `directory`, `stdin` written to it,
    /// under exactly `environment` (nil: this process's).
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil, stdin: Data? = nil,
                           environment: [String: String]? = nil) throws -> Result {
        let ran = try Program(executable, arguments, environment: environment, directory: directory).run(input: stdin ?? Data())
        return Result(status: ran.termination.exitStatus ?? ran.termination.signal ?? 0, stdout: ran.standardOutput,
                      stderr: ran.standardError, killedBySignal: ran.termination.signal != nil)
    }

    /// Runs it as ``run(_:_:in:stdin:environment:)`` does without blocking a thread of Swift's cooperative pool
    /// (a server in the same test process may need those threads to answer the program).
    public static func runDetached(_ executable: String, _ arguments: [String], in directory: String? = nil,
                                   environment: [String: String]? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Swift.Result { try run(executable, arguments, in: directory, environment: environment) })
            }
        }
    }
}

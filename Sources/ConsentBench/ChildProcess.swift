import Foundation
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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let started = Date()
        let code = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard code == 0 else { throw ChildProcessError(description: "cannot start \(path): \(String(cString: strerror(code)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exit, seconds: Date().timeIntervalSince(started), maxRSSKilobytes: usage.ru_maxrss)
    }
}

/// A child process could not be started, or failed.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
}

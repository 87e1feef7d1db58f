import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A started program: its process id, the pipes asked for, and its end. Signals go to it only until it has been
/// reaped (``waitForExit()``), so they never reach another process given the same id later.
///
/// ```swift
/// let server = try Program("/usr/bin/consent", ["serve", "--listen", "127.0.0.1:8443"]).start()
/// defer { server.terminate(); server.waitForExit() }
/// ```
public final class RunningProgram: @unchecked Sendable {
    /// Its process id.
    public let pid: pid_t
    /// The writing end of its standard input, when started with ``Input/pipe``; close it to end its input.
    public let standardInput: FileHandle?
    /// The reading end of its standard output, when started with ``Output/pipe``.
    public let standardOutput: FileHandle?
    /// The reading end of its standard error, when started with ``Output/pipe``.
    public let standardError: FileHandle?

    private let lock = NSLock()
    private var ended: Termination?

    init(pid: pid_t, standardInput: FileHandle?, standardOutput: FileHandle?, standardError: FileHandle?) {
        self.pid = pid
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Writes `data` to its standard input (started with ``Input/pipe``) and closes it, so it sees the end of its
    /// input; blocks until the child has taken it all. Returns false when it stopped reading first (it ended, or
    /// closed its input): that write fails with EPIPE instead of ending this process with SIGPIPE.
    @discardableResult
    public func feed(_ data: Data) -> Bool {
        guard let input = standardInput else { return false }
        defer { try? input.close() }
        return Spawner.writeAll(data, to: input.fileDescriptor)
    }

    /// Whether it has not ended yet (an ended child is not reaped here: ``waitForExit()`` does that).
    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard ended == nil else { return false }
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == 0
    }

    /// How it ended, once ``waitForExit()`` has seen it end; nil before.
    public var termination: Termination? {
        lock.lock()
        defer { lock.unlock() }
        return ended
    }

    /// Sends `signal` (SIGKILL, SIGTERM, ...) unless it has been reaped already.
    public func send(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if ended == nil { _ = kill(pid, signal) }
    }

    /// Asks it to stop (SIGTERM); a program may handle that and take its time, or ignore it.
    public func terminate() { send(SIGTERM) }

    /// Ends it at once (SIGKILL), whatever it does with other signals.
    public func stop() { send(SIGKILL) }

    /// Blocks until it has ended, reaps it, and says how it ended (its peak memory too). Safe from several threads
    /// and to call again: each gets the same answer.
    @discardableResult
    public func waitForExit() -> Termination {
        if let ended = termination { return ended }
        // Wait for the end without reaping, so the id stays this child's while `send` may still use it.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        lock.lock()
        defer { lock.unlock() }
        if let ended { return ended }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        let signal = status & 0x7F
        let termination = Termination(exitStatus: signal == 0 ? (status >> 8) & 0xFF : nil, signal: signal == 0 ? nil : signal,
                                      peakMemoryKilobytes: usage.ru_maxrss)
        ended = termination
        return termination
    }
}

/// How a program ended: by exiting with a status, or by a signal.
public struct Termination: Sendable, Equatable, CustomStringConvertible {
    /// Its exit status when it exited; nil when a signal ended it.
    public var exitStatus: Int32?
    /// The signal that ended it; nil when it exited.
    public var signal: Int32?
    /// Its peak resident memory in kilobytes (its own, not its children's).
    public var peakMemoryKilobytes: Int

    public init(exitStatus: Int32?, signal: Int32?, peakMemoryKilobytes: Int = 0) {
        self.exitStatus = exitStatus
        self.signal = signal
        self.peakMemoryKilobytes = peakMemoryKilobytes
    }

    /// Whether it exited with status 0.
    public var succeeded: Bool { exitStatus == 0 }

    /// The status a shell reports: the exit status, or 128 + the signal's number.
    public var shellStatus: Int32 { exitStatus ?? 128 + (signal ?? 0) }

    /// "exit 3", "signal 9".
    public var description: String { exitStatus.map { "exit \($0)" } ?? "signal \(signal ?? 0)" }
}

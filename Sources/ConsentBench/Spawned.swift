import Foundation
import ProgramRunner
#if canImport(Glibc)
import Glibc
#endif

/// A child process left running (a server, a browser driver) and ended with SIGTERM, its exit and peak memory
/// then read with `wait4`, as ``ChildProcess`` does for a process run to its end.
struct Spawned {
    let child: RunningProgram

    /// Starts `path` with `arguments` (``ChildProcess/spawn(_:_:stdin:stdout:stderr:)``), standard error into the
    /// file `stderr` (or /dev/null).
    init(_ path: String, _ arguments: [String], stderr: String?) throws {
        child = try ChildProcess.spawn(path, arguments, stderr: stderr)
    }

    /// Its process id.
    var pid: pid_t { child.pid }

    /// Whether it has not exited yet (it is not reaped here: ``stop()`` does that).
    var isRunning: Bool { child.isRunning }

    /// Sends SIGTERM (if it still runs) and waits for its end.
    func stop() -> ChildProcess.Outcome {
        let started = Date()
        child.terminate()
        return ChildProcess.reap(child, since: started)
    }
}

/// Loopback ports for child servers.
enum LoopbackPort {
    /// A port the kernel has just given out and taken back (free unless another process takes it at once).
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcessError(description: "no socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ChildProcessError(description: "no free loopback port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until `GET path` on the port answers 200, as long as `process` runs (two minutes at most).
    static func await(_ port: Int, path: String, while process: Spawned) throws {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            guard process.isRunning else { throw ChildProcessError(description: "the program on port \(port) ended before it answered") }
            if LoopbackHTTP.status(port, path: path) == 200 { return }
            usleep(20_000) // a poll: the condition is the answer, checked again
        }
        throw ChildProcessError(description: "nothing answered GET \(path) on 127.0.0.1:\(port) within two minutes")
    }
}

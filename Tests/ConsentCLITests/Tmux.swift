import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A terminal app under tmux, driven as a person would: keys in, screen (and scrollback) out.
final class Tmux {
    let socket = "consent-test-\(UUID().uuidString.prefix(8))"
    let session = "kiosk"

    /// Starts `command` in a detached session of `width`×`height`.
    init(_ command: String, width: Int = 100, height: Int = 30) throws {
        // The first command starts the tmux server, which keeps whatever output it was given: give
        // it none, or reading our pipe would never end.
        try run(["new-session", "-d", "-s", session, "-x", String(width), "-y", String(height), command + "; sleep 600"], capture: false)
        _ = serverPID
    }

    /// The tmux server's process id, read once it runs, so it can be stopped for certain.
    private lazy var serverPID: Int32 = Int32((try? run(["display-message", "-p", "#{pid}"]))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0

    deinit {
        let server = serverPID
        _ = try? run(["kill-server"], capture: false)
        if server > 0 { kill(server, SIGKILL) }
    }

    @discardableResult
    func run(_ arguments: [String], capture: Bool = true) throws -> String {
        guard capture else {
            // Foundation's Process never sees the end of a command that daemonizes (tmux's first
            // command forks the server), so spawn and wait for it directly.
            try Self.spawnAndWait(["tmux", "-L", socket] + arguments)
            return ""
        }
        // Not Foundation's Process: its run() can crash the test process on Linux (see `Spawn`).
        let ran = try Spawn.run("/usr/bin/env", ["tmux", "-L", socket] + arguments, environment: ProcessInfo.processInfo.environment)
        return String(decoding: ran.stdout, as: UTF8.self)
    }

    /// Presses keys by tmux name (Enter, Down, Tab, Escape, C-c, ...).
    func keys(_ names: String...) throws {
        for name in names { try run(["send-keys", "-t", session, name]) }
    }

    /// Types text literally.
    func type(_ text: String) throws { try run(["send-keys", "-t", session, "-l", text]) }

    /// What the screen shows now.
    func screen() throws -> String { try run(["capture-pane", "-t", session, "-p"]) }

    /// The screen and all scrollback history.
    func history() throws -> String { try run(["capture-pane", "-t", session, "-p", "-S", "-", "-E", "-"]) }

    /// The process id of the program in the pane.
    func pid() throws -> Int32 {
        Int32(try run(["display-message", "-t", session, "-p", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Waits until the screen contains `text`; fails the test with the screen after `seconds`.
    @discardableResult
    func waitFor(_ text: String, seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if last.contains(text) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("screen never showed \"\(text)\":\n\(last)", sourceLocation: sourceLocation)
        throw TimedOut()
    }

    struct TimedOut: Error {}
}

extension Tmux {
    static func spawnAndWait(_ arguments: [String]) throws {
        var pid: pid_t = 0
        // The tmux server outlives the test, so it must hold none of the test's other descriptors:
        // another test's output pipe (whose reader would then never see its end) or a build lock.
        let closeOthers = #"for f in /proc/self/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@""#
        var cArguments: [UnsafeMutablePointer<CChar>?] = (["bash", "-c", closeOthers, "bash"] + arguments).map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        guard posix_spawnp(&pid, "bash", &actions, nil, &cArguments, environ) == 0 else { throw SpawnFailed() }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    struct SpawnFailed: Error {}
}

/// Tests that need tmux say so clearly instead of failing obscurely.
let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

import Foundation
import ProgramRunner
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
            // The first command forks the tmux server, which keeps its output open: read none, or the read
            // would never end.
            try Self.spawnAndWait(["tmux", "-L", socket] + arguments)
            return ""
        }
        let ran = try Spawn.run("tmux", ["-L", socket] + arguments)
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
    /// Runs tmux to its end with no output at all: the tmux server it may start outlives the test, so it must
    /// hold none of the test's descriptors (another test's output pipe, whose reader would then never see its
    /// end, or a build lock); ``Program`` passes a child none but the three it is given.
    static func spawnAndWait(_ arguments: [String]) throws {
        try Program(arguments[0], Array(arguments.dropFirst())).start().waitForExit()
    }
}

/// Tests that need tmux say so clearly instead of failing obscurely.
let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

import Foundation
import ProgramRunner

/// Reads text aloud, offline, with espeak-ng: one utterance at a time, stopped at once by ``stop()`` or by
/// the next ``say(_:language:)``. The text goes to the synthesizer on its standard input, never on its
/// command line (where any user of the machine could read it in the process list).
///
/// By default espeak-ng plays the sound itself. With a player, espeak-ng writes WAV (`--stdout`) into the
/// player's standard input instead: `aplay -q` for a given sound card, or in tests a command that keeps
/// the audio in a file to measure.
///
/// ```swift
/// let speaker = try Speaker(SpeechCommand())
/// speaker.say("Sign in.", language: "ur")
/// speaker.stop()
/// ```
public final class Speaker: @unchecked Sendable {
    private let command: SpeechCommand
    private let synthesizer: String
    private let player: String?
    private let lock = NSLock()
    private var running: [RunningProgram] = []
    private var started = 0

    /// A speaker running `command`; throws when its programs are not installed.
    public init(_ command: SpeechCommand) throws {
        self.command = command
        synthesizer = try Self.find(command.synthesizer.first ?? "")
        player = try command.player.map { try Self.find($0.first ?? "") }
        // A synthesizer stopped while its text is still being written must not end this process: the write fails instead.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Says `text` in `language` (its espeak-ng voice), after stopping what was being said. Returns at once.
    public func say(_ text: String, language: String) {
        lock.lock()
        defer { lock.unlock() }
        stopLocked()
        let arguments = command.synthesizer.dropFirst().map { $0 == "{voice}" ? Self.voice(language) : $0 } + (player == nil ? [] : ["--stdout"])
        var processes: [RunningProgram] = []
        do {
            if let player, let playerArguments = command.player {
                // synthesizer | player: the sound pipe's ends go to the two children and are closed here.
                let sound = try Program.pipe()
                defer { [sound.read, sound.write].forEach { close($0) } }
                processes.append(try Program(player, Array(playerArguments.dropFirst())).start(stdin: .descriptor(sound.read)))
                processes.append(try Program(synthesizer, arguments).start(stdin: .pipe, stdout: .descriptor(sound.write)))
            } else {
                processes.append(try Program(synthesizer, arguments).start(stdin: .pipe))
            }
        } catch {
            // Nothing is said (the programs were there when this speaker was made); what did start is ended.
            for process in processes { Self.end(process) }
            return
        }
        // The synthesizer first, the player last (``processIDs`` lists them so).
        processes.reverse()
        running = processes
        started += 1
        // Written off the caller's thread: a long page could fill the pipe before the synthesizer reads it. The text
        // goes first, and each blocking wait runs on a thread of its own: on Dispatch's shared pool (a thread a core)
        // the waits of the children held its threads, and the text waited for Dispatch to add one (the first sound
        // came 370-1,040 ms after the press instead of about 200).
        if let synthesizer = processes.first {
            let data = Data(text.utf8)
            Thread.detachNewThread { synthesizer.feed(data) }
        }
        for process in processes {
            // Each child is reaped when it ends, said out or stopped.
            Thread.detachNewThread { process.waitForExit() }
        }
    }

    /// Stops what is being said, if anything: the synthesizer and the player are ended.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopLocked()
    }

    /// Whether something is still being said (the synthesizer or the player still runs).
    public var isSpeaking: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running.contains { $0.isRunning }
    }

    /// How many texts have started to be said since this speaker was made (tests check that nothing more
    /// was said, however quickly it ended).
    public var voicesStarted: Int {
        lock.lock()
        defer { lock.unlock() }
        return started
    }

    /// The process ids of what is saying the text now, the synthesizer's first and the player's last (tests check
    /// that ``stop()`` ends them).
    public var processIDs: [Int32] {
        lock.lock()
        defer { lock.unlock() }
        return running.filter(\.isRunning).map(\.pid)
    }

    /// SIGKILL, not SIGTERM: speech stops at once, and no program can handle or ignore it.
    private func stopLocked() {
        for process in running { process.stop() }
        running = []
    }

    /// Ends `process` and reaps it.
    private static func end(_ process: RunningProgram) {
        process.stop()
        Thread.detachNewThread { process.waitForExit() }
    }

    /// The espeak-ng voice of a kiosk language: British English for English, the language's own otherwise.
    public static func voice(_ language: String) -> String { language == "en" ? "en-gb" : language }

    /// `program` as given when it has a slash, else found on `PATH`; throws when it is not installed.
    public static func find(_ program: String) throws(SpeechError) -> String {
        guard let path = Program.find(program) else { throw .notInstalled(program) }
        return path
    }
}

/// The programs a ``Speaker`` runs.
public struct SpeechCommand: Sendable, Equatable {
    /// The synthesizer and its arguments, `{voice}` standing for the voice; it reads the text on standard input.
    public var synthesizer: [String]
    /// A player and its arguments, reading WAV on standard input; nil: the synthesizer plays the sound itself.
    public var player: [String]?

    /// espeak-ng, playing by itself unless a player is given.
    public init(synthesizer: [String] = ["espeak-ng", "-v", "{voice}", "--stdin"], player: [String]? = nil) {
        self.synthesizer = synthesizer
        self.player = player
    }
}

/// Why read-aloud cannot run.
public enum SpeechError: Error, CustomStringConvertible, Equatable {
    case notInstalled(String)

    public var description: String {
        switch self {
        case .notInstalled(let program): "cannot read aloud: \(program) is not installed (Debian: apt-get install espeak-ng)"
        }
    }
}

import Foundation
import ProgramRunner
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Starting programs as the kiosk, the scanner, the access pack and the tests do: real children, real pipes.
@Suite struct ProgramTests {
    /// A descriptor this process holds open without close-on-exec (as Foundation opens files) never reaches a
    /// child: a long-lived child would otherwise keep, say, a copied program open for writing ("Text file busy").
    @Test func aChildInheritsNoDescriptorButItsThreeStreams() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("runner-open-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("held".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let held = open(path, O_RDWR)  // no O_CLOEXEC
        try #require(held > 2)
        defer { close(held) }
        try #require(fcntl(held, F_GETFD) & FD_CLOEXEC == 0)

        // The shell lists where each of its own descriptors leads.
        let listed = try Program("/bin/sh", ["-c", #"for f in /proc/$$/fd/*; do printf '%s -> %s\n' "${f##*/}" "$(readlink "$f")"; done"#]).run()
        #expect(listed.termination.succeeded, "\(listed.standardErrorText)")
        let lines = listed.standardOutputText.split(separator: "\n").map(String.init)
        #expect(lines.count >= 3, "the child lists its descriptors: \(lines)")
        #expect(!lines.contains { $0.hasSuffix(path) }, "the child holds the parent's open file:\n\(lines.joined(separator: "\n"))")
        #expect(!lines.contains { $0.hasPrefix("\(held) ->") }, "the child has descriptor \(held):\n\(lines.joined(separator: "\n"))")
    }

    /// What is written to a child's standard input reaches it whole, however large, while its output is read.
    @Test func standardInputReachesTheChildWholeWhileItsOutputIsRead() throws {
        // 4 MB: far more than a pipe holds, so writing and reading must go on together.
        let input = Data((0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })
        let copied = try Program("/bin/cat").run(input: input)
        #expect(copied.termination.succeeded)
        #expect(copied.standardOutput == input, "cat gave back \(copied.standardOutput.count) of \(input.count) bytes")
    }

    @Test func standardErrorIsKeptApartAndTheExitStatusIsReported() throws {
        let ran = try Program("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]).run()
        #expect(ran.termination == Termination(exitStatus: 3, signal: nil, peakMemoryKilobytes: ran.termination.peakMemoryKilobytes))
        #expect(!ran.termination.succeeded)
        #expect(ran.standardOutputText == "out\n")
        #expect(ran.standardErrorText == "err\n")
    }

    @Test func aChildRunsInTheFolderAndEnvironmentGiven() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runner-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ran = try Program("/bin/sh", ["-c", #"pwd -P; echo "$ONLY"; env | wc -l"#], environment: ["ONLY": "this", "PATH": "/usr/bin:/bin"],
                              directory: folder.path).run()
        let lines = ran.standardOutputText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.first == folder.resolvingSymlinksInPath().path)
        #expect(lines.dropFirst().first == "this")
        // ONLY and PATH, and what sh adds itself (PWD, SHLVL, _): never this process's whole environment.
        #expect((Int(lines.last ?? "") ?? 99) <= 5, "\(ran.standardOutputText)")
    }

    /// A long-running child is ended at once by ``RunningProgram/stop()``, and reaped: its id is free again.
    @Test func aRunningChildIsStoppedAtOnceAndReaped() throws {
        let child = try Program("/bin/sleep", ["600"]).start()
        #expect(child.isRunning)
        child.stop()
        let ended = child.waitForExit()
        #expect(ended.signal == SIGKILL && ended.exitStatus == nil, "\(ended)")
        #expect(!child.isRunning)
        #expect(kill(child.pid, 0) != 0, "the child is still there (a zombie not reaped)")
        // A stopped child is not signalled again: its id may be someone else's now.
        child.terminate()
        #expect(child.waitForExit() == ended)
    }

    /// The child starts with default signal actions even when this process ignores one (the speaker ignores
    /// SIGPIPE): a player that vanishes must end the synthesizer writing to it.
    @Test func aSignalIgnoredHereIsNotIgnoredInTheChild() throws {
        let before = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, before) }
        let ran = try Program("/bin/sh", ["-c", "grep SigIgn /proc/$$/status"]).run()
        let mask = UInt64(ran.standardOutputText.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", radix: 16)
        let pipeBit = UInt64(1) << (SIGPIPE - 1)
        #expect(mask.map { $0 & pipeBit == 0 } == true, "SIGPIPE is ignored in the child: \(ran.standardOutputText)")
    }

    @Test func aMissingProgramSaysWhatToInstall() throws {
        let name = "no-such-program-\(UUID().uuidString.prefix(8))"
        #expect(throws: ProgramError.notInstalled(name, package: "espeak-ng")) { try Program(name, package: "espeak-ng") }
        #expect(ProgramError.notInstalled("espeak-ng", package: "espeak-ng").description == "espeak-ng is not installed: apt-get install espeak-ng")
        #expect(throws: ProgramError.notInstalled("/no/such/\(name)", package: nil)) { try Program("/no/such/\(name)") }
        #expect(ProgramError.notInstalled(name, package: nil).description.contains("install it, or give its full path"))
    }

    /// One child's output can be another's input (the voice: espeak-ng into a player), through descriptors given.
    @Test func oneChildFeedsAnotherThroughAPipeGiven() throws {
        let pipe = try Program.pipe()
        let ends = [pipe.read, pipe.write]
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("runner-pipe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let reader = try Program("/usr/bin/tr", ["a-z", "A-Z"]).start(stdin: .descriptor(ends[0]), stdout: .file(out))
        let writer = try Program("/bin/cat").start(stdin: .pipe, stdout: .descriptor(ends[1]))
        close(ends[0])
        close(ends[1])
        #expect(writer.feed(Data("said aloud\n".utf8)))
        #expect(writer.waitForExit().succeeded)
        #expect(reader.waitForExit().succeeded, "the reader saw the end of its input")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "SAID ALOUD\n")
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        #expect(mode == 0o600, "an output file is its owner's only")
    }
}

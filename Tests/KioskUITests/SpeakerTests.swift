import Foundation
import KioskUI
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// The read-aloud voice's programs as the kiosk runs them, with stand-ins for espeak-ng and the player
/// (`WebKioskSpeechTests` run the real espeak-ng).
@Suite(.ownThreads) struct SpeakerTests {
    static func scratch(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("speaker-\(name)-\(UUID().uuidString)").path
    }

    /// Waits for `condition` (checked every 20 ms, 30 s at most): whether it held.
    static func eventually(_ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// The text goes to the synthesizer on its standard input, and its sound through the player.
    @Test func theTextReachesTheSynthesizerAndItsOutputThePlayer() throws {
        let said = Self.scratch("said"), played = Self.scratch("played")
        defer { [said, played].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        // The "synthesizer" keeps its input and passes it on (`--stdout` is added for a player: `tee` takes it as a file).
        let speaker = try Speaker(SpeechCommand(synthesizer: ["/bin/sh", "-c", #"tee "$0""#, said], player: ["/bin/sh", "-c", #"cat > "$0""#, played]))
        let text = "Your receipt. Ionuț Ștefan, Michał, 482 Leeds Road.\n" + String(repeating: "A long page. ", count: 20_000)
        speaker.say(text, language: "en")
        #expect(speaker.voicesStarted == 1)
        #expect(Self.eventually { !speaker.isSpeaking }, "the voice never finished")
        #expect((try? String(contentsOfFile: said, encoding: .utf8)) == text, "the synthesizer did not get the whole text")
        #expect((try? String(contentsOfFile: played, encoding: .utf8)) == text, "the player did not get the synthesizer's output")
    }

    /// Any input stops speech at once: ``Speaker/stop()`` ends a voice that would go on for ten minutes, and
    /// the next page's ``Speaker/say(_:language:)`` ends the one before.
    @Test func stopEndsALongVoiceAtOnceAndTheNextPageEndsTheLast() throws {
        // The synthesizer is given `--stdout` (there is a player): the shell takes it as its $0.
        let speaker = try Speaker(SpeechCommand(synthesizer: ["/bin/sh", "-c", "exec sleep 600"], player: ["/bin/sleep", "600"]))
        speaker.say("A page that takes ten minutes to say.", language: "en")
        let first = speaker.processIDs
        #expect(first.count == 2, "the synthesizer and the player run: \(first)")
        speaker.say("The next page.", language: "en")
        #expect(Self.eventually { first.allSatisfy { kill($0, 0) != 0 } }, "the last page's voice still runs: \(first)")
        let second = speaker.processIDs
        #expect(second.count == 2 && Set(second).isDisjoint(with: first))
        let stopped = Date()
        speaker.stop()
        #expect(!speaker.isSpeaking)
        #expect(speaker.processIDs.isEmpty)
        #expect(Self.eventually { second.allSatisfy { kill($0, 0) != 0 } }, "the voice outlived stop(): \(second)")
        #expect(Date().timeIntervalSince(stopped) < 5, "stopping took \(Date().timeIntervalSince(stopped)) s")
    }

    @Test func aMissingSynthesizerOrPlayerSaysWhatToInstall() throws {
        let missing = "no-such-espeak-\(UUID().uuidString.prefix(8))"
        #expect(throws: SpeechError.notInstalled(missing)) { try Speaker(SpeechCommand(synthesizer: [missing, "--stdin"])) }
        #expect(throws: SpeechError.notInstalled("/no/such/aplay")) { try Speaker(SpeechCommand(synthesizer: ["/bin/cat"], player: ["/no/such/aplay", "-q"])) }
        #expect(SpeechError.notInstalled("espeak-ng").description == "cannot read aloud: espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    }
}

import Foundation
import HummingbirdTesting
import KioskUI
@testable import KioskWeb
import Testing
import TestSupport

/// Read-aloud through the web kiosk with the real espeak-ng (issue 21): "Read this page aloud" makes sound
/// in the page's language, any other input stops it at once, and no PIN reaches the synthesizer.
/// `.ci/setup` installs espeak-ng and sox; in CI (`TENANTCONSENT_CI=1`) a missing one fails the test.
@Suite(.ownThreads) struct WebKioskSpeechTests {
    static let player = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("speech/player.py").path
    static var missing: [String] { ["espeak-ng", "sox", "python3"].filter { (try? Speaker.find($0)) == nil } }
    static var runs: Bool { missing.isEmpty || WebKioskBrowserTests.inCI }
    /// Generous: a loaded CI machine (everything in parallel on 2 cores) may be slow to start a process.
    static let deadline: TimeInterval = 60

    @Test(.enabled(if: runs, "no espeak-ng or sox here (.ci/setup installs them; CI runs this test)"))
    func readingAloudMakesSoundInThePagesLanguageAndAnyInputStopsIt() async throws {
        try #require(Self.missing.isEmpty, "CI must run the speech test, but these are missing: \(Self.missing)")
        let wav = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-speech-\(UUID().uuidString).wav").path
        defer { try? FileManager.default.removeItem(atPath: wav) }
        let speaker = try Speaker(SpeechCommand(player: ["python3", Self.player, wav]))
        let fixture = try WebFixture(speaker: speaker)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            try await browser.post(client, [("language", "ur")])
            #expect(browser.page.contains("name=\"speech\" value=\"start\""), "the page offers read-aloud")
            let pressed = Date()
            try await browser.post(client, [("speech", "start")])
            let heard = try await Self.poll("the first sound") { Self.audioBytes(wav) >= 2205 }  // 50 ms of sound
            print("Read-aloud: press to first sound \(Int(heard.timeIntervalSince(pressed) * 1000)) ms (espeak-ng -v ur, router client)")
            #expect(browser.page.contains("name=\"speech\" value=\"stop\""), "while reading, the button stops it")
            let playing = speaker.processIDs
            #expect(!playing.isEmpty, "the synthesizer or the player still runs")

            // Any input stops it: here the Help button.
            try await browser.press(client, "help")
            _ = try await Self.poll("the synthesizer and the player to end") { playing.allSatisfy { kill($0, 0) != 0 } }
            let (seconds, rms) = try Self.measure(wav)
            #expect(seconds > 0.04 && rms > 0.001, "sound was made: \(seconds) s, RMS \(rms)")
            // The Urdu overview takes over a minute to say; what was played stops within moments of the press.
            #expect(seconds < 15, "not stopped: \(seconds) s played")
        }
    }

    @Test(.enabled(if: runs, "no espeak-ng here (.ci/setup installs it; CI runs this test)"))
    func thePINNeverReachesTheSynthesizerAndTheReferenceOnlyWithHeadphones() async throws {
        try #require(Self.missing.isEmpty, "CI must run the speech test, but these are missing: \(Self.missing)")
        let said = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-said-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: said) }
        // The synthesizer is `tee`: what it would have said is kept in a file.
        let speaker = try Speaker(SpeechCommand(synthesizer: ["tee", said]))
        let fixture = try WebFixture(speaker: speaker)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.get(client)
            try await browser.press(client, "lang:en")
            let typed = [("f.ref", WebFixture.ref.rawValue), ("f.dob", WebFixture.dateOfBirth), ("f.pin", WebFixture.pin)]
            for headphones in [false, true] {
                if headphones { try await browser.post(client, [("headphones", "on")] + typed) }
                try? FileManager.default.removeItem(atPath: said)
                try await browser.post(client, [("speech", "start")] + typed)
                _ = try await Self.poll("the page to be said") { !speaker.isSpeaking && FileManager.default.fileExists(atPath: said) }
                let text = try String(contentsOfFile: said, encoding: .utf8)
                #expect(text.contains("Sign in"), "the page is said:\n\(text)")
                #expect(!text.contains(WebFixture.pin), "the PIN was said:\n\(text)")
                #expect(text.contains(WebFixture.ref.rawValue) == headphones, "headphones \(headphones):\n\(text)")
            }
        }
    }

    @Test(.enabled(if: runs, "no espeak-ng here (.ci/setup installs it; CI runs this test)"))
    func whileReadAloudIsOnEachNewPageIsReadOnItsOwnUntilStopReading() async throws {
        try #require(Self.missing.isEmpty, "CI must run the speech test, but these are missing: \(Self.missing)")
        let said = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-said-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: said) }
        // The synthesizer is `tee -a`: every text said is added to the file, in order.
        let speaker = try Speaker(SpeechCommand(synthesizer: ["tee", "-a", said]))
        let fixture = try WebFixture(speaker: speaker)
        defer { fixture.remove() }
        let overview = "Choose a use to make your choice about it.", help = "Move with the Up and Down keys"
        @Sendable func count(_ text: String) -> Int { ((try? String(contentsOfFile: said, encoding: .utf8)) ?? "").components(separatedBy: text).count - 1 }
        @Sendable func heard(_ text: String, times: Int) async throws {
            _ = try await Self.poll("\(text) said \(times) times") { !speaker.isSpeaking && count(text) == times }
        }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            try await browser.post(client, [("speech", "start")])
            try await heard(overview, times: 1)
            // On: the page each press leads to is read without another press of "Read this page aloud".
            try await browser.press(client, "help")
            try await heard(help, times: 1)
            try await browser.press(client, "back")
            try await heard(overview, times: 2)
            // "Stop reading" turns it off: Help and Back again are not read; the next press of Read is.
            try await browser.post(client, [("speech", "stop")])
            try await browser.press(client, "help")
            try await browser.press(client, "back")
            try await browser.post(client, [("speech", "start")])
            try await heard(overview, times: 3)
            #expect(count(help) == 1, "Help was read with read-aloud off")
        }
    }

    /// The receipt a sign-out shows is read on its own while read-aloud is on (the sign-out ends the session, and
    /// with it read-aloud, so before this only its button read it); any input stops it, and the next tenant's
    /// welcome is not read. Real espeak-ng: the sound is measured with sox.
    @Test(.enabled(if: runs, "no espeak-ng or sox here (.ci/setup installs them; CI runs this test)"))
    func theReceiptIsReadOnItsOwnAfterSignOutAndAnyInputStopsIt() async throws {
        try #require(Self.missing.isEmpty, "CI must run the speech test, but these are missing: \(Self.missing)")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-receipt-\(UUID().uuidString)").path
        // Each voice writes its own WAV, named by the player's process id.
        let speaker = try Speaker(SpeechCommand(player: ["sh", "-c", #"exec python3 "$0" "$1-$$.wav""#, Self.player, base]))
        let fixture = try WebFixture(speaker: speaker)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            try await browser.post(client, [("speech", "start")])
            let overview = speaker.processIDs
            try #require(!overview.isEmpty, "the overview is read")
            let pressed = Date()
            try await browser.press(client, "sign-out")
            #expect(browser.page.contains("Your receipt"), "sign-out shows the receipt")
            let receipt = speaker.processIDs
            // The player is the last of the voice's processes (the synthesizer may have written everything already).
            let player = try #require(receipt.last, "the receipt is read, unasked")
            #expect(Set(receipt).isDisjoint(with: overview), "the receipt is read by a new voice")
            let wav = "\(base)-\(player).wav"
            defer { for pid in overview + receipt { try? FileManager.default.removeItem(atPath: "\(base)-\(pid).wav") } }
            let heard = try await Self.poll("the receipt's first sound") { Self.audioBytes(wav) >= 2205 }
            print("Read-aloud: sign-out to the receipt's first sound \(Int(heard.timeIntervalSince(pressed) * 1000)) ms (router client)")
            // Any input stops it: here Finish, which also shows the next tenant's welcome, not read.
            let voices = speaker.voicesStarted
            try await browser.press(client, "finish")
            _ = try await Self.poll("the receipt's voice to end") { receipt.allSatisfy { kill($0, 0) != 0 } }
            // Counted, not looked for among running processes: a short welcome could have been said already.
            #expect(speaker.voicesStarted == voices, "the welcome screen after Finish was read: read-aloud outlived the session")
            let (seconds, rms) = try Self.measure(wav)
            #expect(seconds > 0.04 && rms > 0.001, "the receipt made sound: \(seconds) s, RMS \(rms)")
        }
    }

    /// The receipt the session limit shows (a background tick, no form posted) is read on its own too, with the
    /// reason first, while read-aloud is on.
    @Test(.enabled(if: runs, "no espeak-ng here (.ci/setup installs it; CI runs this test)"))
    func theReceiptOfTheSessionLimitIsReadOnItsOwn() async throws {
        try #require(Self.missing.isEmpty, "CI must run the speech test, but these are missing: \(Self.missing)")
        let said = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-said-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: said) }
        let speaker = try Speaker(SpeechCommand(synthesizer: ["tee", "-a", said]))
        let fixture = try WebFixture(timing: KioskTiming(idleWarning: 60, idleTimeout: 90, sessionLimit: 120, sessionWarning: 30), speaker: speaker)
        defer { fixture.remove() }
        @Sendable func text() -> String { (try? String(contentsOfFile: said, encoding: .utf8)) ?? "" }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            try await browser.post(client, [("speech", "start")])
            _ = try await Self.poll("the overview to be said") { !speaker.isSpeaking && text().contains("Choose a use") }
            fixture.clock.advance(by: 80)
            try await browser.press(client, "help")
            _ = try await Self.poll("Help to be said") { !speaker.isSpeaking && text().contains("Move with the Up and Down keys") }
            fixture.clock.advance(by: 45)  // 125 s into a 120 s session, 45 s after the last input
            try? FileManager.default.removeItem(atPath: said)
            await fixture.kiosk.tick()
            _ = try await Self.poll("the receipt to be said") { !speaker.isSpeaking && text().contains("Your receipt") }
            let lines = text().split(separator: "\n")
            #expect(lines.count > 2 && lines[1].hasPrefix("This session reached its time limit"), "the reason comes first:\n\(text())")
            try await browser.get(client)
            #expect(browser.page.contains("Your receipt"), "the browser shows the receipt")
        }
    }

    /// An error is read on its own while read-aloud is on, right after the screen's title, before the rest of
    /// the screen; the PIN typed never reaches the synthesizer, nor the reference without headphones.
    @Test(.enabled(if: runs, "no espeak-ng here (.ci/setup installs it; CI runs this test)"))
    func anErrorIsReadOnItsOwnFirstAndNeverThePINTyped() async throws {
        try #require(Self.missing.isEmpty, "CI must run the speech test, but these are missing: \(Self.missing)")
        let said = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-said-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: said) }
        let speaker = try Speaker(SpeechCommand(synthesizer: ["tee", said]))
        let fixture = try WebFixture(speaker: speaker)
        defer { fixture.remove() }
        let failed = "Those details do not match our records.", wrong = "739184"
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.get(client)
            try await browser.press(client, "lang:en")
            try await browser.post(client, [("speech", "start")])
            _ = try await Self.poll("the sign-in page to be said") { !speaker.isSpeaking && FileManager.default.fileExists(atPath: said) }
            try FileManager.default.removeItem(atPath: said)
            try await browser.press(client, "sign-in", ["ref": WebFixture.ref.rawValue, "dob": WebFixture.dateOfBirth, "pin": wrong])
            #expect(browser.page.contains(failed), "the sign-in failed")
            _ = try await Self.poll("the error to be said") { !speaker.isSpeaking && FileManager.default.fileExists(atPath: said) }
            let lines = try String(contentsOfFile: said, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count > 2 && lines[1].hasPrefix(failed), "the error comes right after the title:\n\(lines.joined(separator: "\n"))")
            #expect(!lines.contains { $0.contains(wrong) || $0.contains(WebFixture.ref.rawValue) }, "the PIN or the reference was said")
        }
    }

    /// Waits for `condition`, checking every 20 ms until the deadline; the moment it held.
    static func poll(_ what: String, _ condition: () -> Bool) async throws -> Date {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            if condition() { return Date() }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("waited \(Int(deadline)) s for \(what)")
        throw CancellationError()
    }

    /// Bytes of sound after the WAV header.
    static func audioBytes(_ path: String) -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return max(0, size - 44)
    }

    /// Length in seconds and RMS amplitude of a WAV, by `sox FILE -n stat`.
    static func measure(_ path: String) throws -> (seconds: Double, rms: Double) {
        // The header of a stream written by espeak-ng has no length: `--ignore-length` reads what is there.
        let measured = try Spawn.run(try Speaker.find("sox"), ["--ignore-length", path, "-n", "stat"])
        #expect(measured.status == 0, "sox failed: \(measured.output)")
        let output = String(decoding: measured.stderr, as: UTF8.self)
        func value(_ name: String) -> Double {
            output.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap { $0.split(separator: ":").last }
                .flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        }
        return (value("Length (seconds)"), value("RMS     amplitude"))
    }
}

import Foundation
import HummingbirdTesting
import KioskUI
import Testing
import TestSupport

/// Whole sessions in a real headless Chromium driven by Selenium (`browser/session.py`), in English, Polish,
/// Romanian and Urdu, with axe-core run on every screen, screenshots of every screen in English and Urdu, and
/// the Urdu overview's address (a value starting with a digit) checked to be drawn in its own order. `.ci/setup` installs Chromium, chromedriver,
/// selenium and axe-selenium-python; `.ci/run` sets `TENANTCONSENT_CI=1`, and there a missing browser
/// fails the test instead of skipping it.
@Suite(.ownThreads) struct WebKioskBrowserTests {
    static let chromium = "/usr/bin/chromium", chromedriver = "/usr/bin/chromedriver"
    /// Where `.ci/setup` puts selenium and axe-selenium-python (PyPI), as it does textstat.
    static let packages = FileManager.default.temporaryDirectory.appendingPathComponent("tenantconsent-browser").path
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("browser/session.py").path

    static var missing: [String] {
        [chromium, chromedriver].filter { !FileManager.default.isExecutableFile(atPath: $0) } + WebKioskSpeechTests.missing
            + [packages + "/selenium", packages + "/axe_selenium_python"].filter { !FileManager.default.fileExists(atPath: $0) }
    }
    static var inCI: Bool { ProcessInfo.processInfo.environment["TENANTCONSENT_CI"] == "1" }

    @Test(.enabled(if: missing.isEmpty || inCI, "no headless Chromium, chromedriver or selenium here (.ci/setup installs them; CI runs this test)"))
    func wholeSessionsInEveryLanguageHaveNoAxeViolationKeepValuesInOrderAndLeaveNothing() async throws {
        guard Self.missing.isEmpty else {
            Issue.record("CI must run the browser test, but these are missing: \(Self.missing)")
            return
        }
        // Read-aloud on, so its buttons are on every page axe checks: espeak-ng into a player that plays in real
        // time into a file, so the page read shows "Stop reading" until it is pressed.
        let sound = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-browser-\(UUID().uuidString).wav").path
        defer { try? FileManager.default.removeItem(atPath: sound) }
        let fixture = try WebFixture(speaker: try Speaker(SpeechCommand(player: ["python3", WebKioskSpeechTests.player, sound])))
        defer { fixture.remove() }
        // The screenshots are kept for a person to look at: in KIOSK_SCREENSHOTS, or a folder the test prints.
        let shots = ProcessInfo.processInfo.environment["KIOSK_SCREENSHOTS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-screenshots-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        print("Web kiosk screenshots (every screen, English and Urdu): \(shots)")
        try await fixture.application().test(.live) { client in
            let port = try #require(client.port)
            let arguments = [Self.script, "http://127.0.0.1:\(port)/", shots, WebFixture.ref.rawValue, WebFixture.dateOfBirth, WebFixture.pin,
                             try #require(WebFixture.values["address"])]
                + WebFixture.traces
            let (status, output) = try await Self.run("/usr/bin/env", ["python3"] + arguments)
            #expect(status == 0, "\(output)")
        }
        let screens = ["welcome", "sign-in", "help", "code", "sign-in-note", "overview", "reading", "language", "use", "item", "notice",
                       "confirm", "correction", "large-contrast", "disclosures", "receipt"]
        for language in ["en", "ur"] {
            for screen in screens {
                #expect(FileManager.default.fileExists(atPath: "\(shots)/\(language)-\(screen).png"), "\(language)-\(screen).png")
            }
        }
    }

    /// Runs a program to its end without blocking a thread of the server it talks to.
    static func run(_ program: String, _ arguments: [String]) async throws -> (Int32, String) {
        var environment = ProcessInfo.processInfo.environment
        environment["KIOSK_BROWSER_PACKAGES"] = packages
        let ran = try await Spawn.runDetached(program, arguments, environment: environment)
        return (ran.status, ran.output)
    }
}

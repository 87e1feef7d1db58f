import Foundation
import HummingbirdTesting
import Testing

/// A whole session in a real headless Chromium driven by Selenium (`browser/session.py`), with axe-core
/// run on every screen and screenshots in English and Urdu. `.ci/setup` installs Chromium, chromedriver,
/// selenium and axe-selenium-python; `.ci/run` sets `TENANTCONSENT_CI=1`, and there a missing browser
/// fails the test instead of skipping it.
@Suite struct WebKioskBrowserTests {
    static let chromium = "/usr/bin/chromium", chromedriver = "/usr/bin/chromedriver"
    /// Where `.ci/setup` puts selenium and axe-selenium-python (PyPI), as it does textstat.
    static let packages = FileManager.default.temporaryDirectory.appendingPathComponent("tenantconsent-browser").path
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("browser/session.py").path

    static var missing: [String] {
        [chromium, chromedriver].filter { !FileManager.default.isExecutableFile(atPath: $0) }
            + [packages + "/selenium", packages + "/axe_selenium_python"].filter { !FileManager.default.fileExists(atPath: $0) }
    }
    static var inCI: Bool { ProcessInfo.processInfo.environment["TENANTCONSENT_CI"] == "1" }

    @Test(.enabled(if: missing.isEmpty || inCI, "no headless Chromium, chromedriver or selenium here (.ci/setup installs them; CI runs this test)"))
    func aWholeSessionInHeadlessChromiumHasNoAxeViolationAndLeavesNothing() async throws {
        guard Self.missing.isEmpty else {
            Issue.record("CI must run the browser test, but these are missing: \(Self.missing)")
            return
        }
        let fixture = try WebFixture()
        defer { fixture.remove() }
        // KIOSK_SCREENSHOTS keeps the screenshots for a person to look at.
        let shots = ProcessInfo.processInfo.environment["KIOSK_SCREENSHOTS"] ?? fixture.dir.appendingPathComponent("shots").path
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        try await fixture.application().test(.live) { client in
            let port = try #require(client.port)
            let arguments = [Self.script, "http://127.0.0.1:\(port)/", shots, WebFixture.ref.rawValue, WebFixture.dateOfBirth, WebFixture.pin]
                + WebFixture.traces
            let (status, output) = try await Self.run("/usr/bin/env", ["python3"] + arguments)
            #expect(status == 0, "\(output)")
        }
        for name in ["en-overview", "ur-overview", "en-sign-in", "ur-sign-in"] {
            #expect(FileManager.default.fileExists(atPath: "\(shots)/\(name).png"), "\(name).png")
        }
    }

    /// Runs a program to its end without blocking a thread of the server it talks to.
    static func run(_ program: String, _ arguments: [String]) async throws -> (Int32, String) {
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KIOSK_BROWSER_PACKAGES"] = packages
        process.environment = environment
        process.standardOutput = pipe
        process.standardError = pipe
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (status, output)
    }
}

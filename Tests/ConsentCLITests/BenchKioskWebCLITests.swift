import Foundation
import ProgramRunner
import Testing
import TestSupport

/// `consent-bench kiosk --web` (issue 21) runs whole sessions at the real web kiosk in headless Chromium; its figures
/// are checked here against measures taken apart from it: the pages' bytes fetched with curl, the memory of a web
/// kiosk read from /proc, and the register, which must hold the correction the session typed.
@Suite(.serialized, .ownThreads) struct BenchKioskWebCLITests {
    static var missing: [String] {
        ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/curl"].filter { !FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: missing.isEmpty || KioskWebStaffExitE2ETests.inCI, "no headless Chromium or chromedriver here (.ci/setup installs them)"))
    func theFiguresOfAWholeSessionAgreeWithCurlProcAndTheRegister() throws {
        guard Self.missing.isEmpty else {
            Issue.record("CI must run the bench test, but these are missing: \(Self.missing)")
            return
        }
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "20", "--db", cli.db]).status == 0)
        let run = try cli.run(["kiosk", "--web", "--db", cli.db, "--runs", "2", "--json"], program: CLI.benchBinary)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.isEmpty, "no progress in a pipe: \(run.stderr)")
        let report = try run.json() as? [String: Any] ?? [:]
        let screens = report["screens"] as? [[String: Any]] ?? []
        #expect(screens.compactMap { $0["screen"] as? String } == ["welcome", "sign-in", "overview", "use", "agree", "withdraw", "item",
                                                                   "correction box", "correct", "receipt", "sign-out"], "\(report)")
        for screen in screens {
            let server = screen["serverMilliseconds"] as? Double ?? 0, paint = screen["firstPaintMilliseconds"] as? Double ?? 0
            #expect(server > 0 && paint > 0, "\(screen)")
            // The first paint is counted from the press, so it comes after the server's answer.
            #expect(paint + 1 >= server, "first paint before the server answered: \(screen)")
            #expect((screen["runs"] as? [Any])?.count == 2, "\(screen)")
        }
        let goals = report["goals"] as? [String: Double] ?? [:]
        #expect(goals == ["serverMilliseconds": 50, "firstPaintMilliseconds": 300, "pageKilobytes": 30, "serverMegabytes": 60,
                          "firstSoundMilliseconds": 300], "\(goals)")
        // The sign-in's PIN check is timed apart, and is part of the overview's post; read-aloud made sound after its press.
        let pinCheck = report["pinCheckMedianMilliseconds"] as? Double ?? 0
        let overview = screens.first { $0["screen"] as? String == "overview" } ?? [:]
        #expect(pinCheck > 0 && (overview["pinCheckMilliseconds"] as? Double) == pinCheck, "\(report)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/espeak-ng") {
            let sounds = report["pressToFirstSoundMilliseconds"] as? [Double] ?? []
            #expect(sounds.count == 2 && sounds.allSatisfy { $0 > 0 }, "press to first sound: \(sounds)")
        }
        let reference = try #require(report["reference"] as? String)

        // The session happened: the register holds the last run's correction.
        let shown = try cli.run(["tenant", "show", reference, "--db", cli.db, "--json"])
        let items = ((try shown.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        let email = items.first { $0["attribute"] as? String == "email" }?["value"] as? String ?? ""
        #expect(email.hasPrefix("bench-1-") && email.hasSuffix("@example.org"), "\(email)")

        // The welcome page, style sheet and script, fetched with curl from a web kiosk on the same register, and
        // that kiosk's peak memory from /proc. Read-aloud as in the bench: on when espeak-ng is here (nothing is said
        // unasked), so the pages carry the same buttons.
        let (kiosk, port) = try KioskWebStaffExitE2ETests.startKiosk(["--db", cli.db])
        defer { kiosk.terminate() }
        func bytes(_ path: String) throws -> Int {
            Int(try Subprocess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{size_download}", "http://127.0.0.1:\(port)\(path)"]).stdout) ?? -1
        }
        let welcome = try #require(screens.first)
        #expect(welcome["documentBytes"] as? Int == (try bytes("/")), "\(welcome)")
        #expect(welcome["pageBytes"] as? Int == (try bytes("/")) + (try bytes("/kiosk.css")) + (try bytes("/kiosk.js")), "\(welcome)")
        let status = try String(contentsOfFile: "/proc/\(kiosk.pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let peak = (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        let measured = report["serverPeakMedianMegabytes"] as? Double ?? 0
        // The bench's server also signed a tenant in (scrypt's 16 MB) and recorded changes: at least this one's peak,
        // and not far above it.
        #expect(measured >= peak * 0.9 && measured <= peak + 64, "bench \(measured) MB, a kiosk serving the welcome page \(peak) MB")
    }
}

import Foundation
import ProgramRunner
import Testing
import TestSupport

/// Staff end the web kiosk from the browser as at the terminal (issue 21): F12 twice opens a staff sign-in no
/// button leads to; a staff id and password end the `consent kiosk --web` process cleanly (status 0, the tenant
/// signed in signed out and their receipt printed) and the exit is recorded; a tenant cannot reach it, and a wrong
/// password does nothing but count. Driven in headless Chromium (`KioskWebTests/browser/staff_exit.py`).
@Suite(.serialized, .ownThreads) struct KioskWebStaffExitE2ETests {
    static let script = CLI.repo.appendingPathComponent("Tests/KioskWebTests/browser/staff_exit.py").path
    /// Where `.ci/setup` puts selenium (as for `WebKioskBrowserTests`).
    static let packages = FileManager.default.temporaryDirectory.appendingPathComponent("tenantconsent-browser").path
    static var missing: [String] {
        ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/curl"].filter { !FileManager.default.isExecutableFile(atPath: $0) }
            + [packages + "/selenium"].filter { !FileManager.default.fileExists(atPath: $0) }
    }
    static var inCI: Bool { ProcessInfo.processInfo.environment["TENANTCONSENT_CI"] == "1" }

    @Test(.enabled(if: missing.isEmpty || inCI, "no headless Chromium, chromedriver or selenium here (.ci/setup installs them)"))
    func staffEndTheWebKioskWithTheirPasswordAndNobodyElseCan() throws {
        guard Self.missing.isEmpty else {
            Issue.record("CI must run the browser test, but these are missing: \(Self.missing)")
            return
        }
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "5", "--db", cli.db]).status == 0)
        let add = try cli.run(["staff", "add", "S100", "--name", "Sam Okafor", "--role", "support", "--password-stdin", "--db", cli.db],
                              stdin: Data("correct horse battery\n".utf8))
        #expect(add.status == 0, "\(add.stderr)")
        let shown = try cli.run(["tenant", "show", "T0000001", "--db", cli.db, "--json"])
        let items = ((try shown.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        func value(_ id: String) -> String { items.first { $0["attribute"] as? String == id }?["value"] as? String ?? "" }
        let receipts = cli.dir.appendingPathComponent("receipts.txt").path
        let (kiosk, port) = try Self.startKiosk(["--db", cli.db, "--receipt-file", receipts, "--no-speech"])
        defer { if kiosk.isRunning { kiosk.terminate() } }

        let run = try Subprocess.run("/usr/bin/env", ["python3", Self.script, "http://127.0.0.1:\(port)/", cli.db, String(kiosk.pid),
                                                      "T0000001", value("date-of-birth"), "482916", value("full-name"), "S100", "correct horse battery"],
                                     environment: ["KIOSK_BROWSER_PACKAGES": Self.packages])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        // The process ends by itself, cleanly, once the closing page is sent.
        let deadline = Date().addingTimeInterval(60)
        while kiosk.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!kiosk.isRunning, "the web kiosk still runs after the staff exit")
        let ended = kiosk.waitForExit()
        #expect(ended.succeeded, "\(ended)")
        let exits = try cli.run(["staff", "kiosk-exits", "--db", cli.db])
        #expect(exits.stdout.split(separator: "\n").filter { $0.contains("S100") }.count == 1, "one exit recorded: \(exits.stdout) \(exits.stderr)")
        let receipt = (try? String(contentsOfFile: receipts, encoding: .utf8)) ?? ""
        #expect(!receipt.isEmpty, "the tenant signed in was signed out and their receipt printed")
    }

    /// `consent kiosk --web ARGS` on a free loopback port, once it answers.
    static func startKiosk(_ arguments: [String]) throws -> (RunningProgram, Int) {
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...40_000)
            let kiosk = try CLI.start(["kiosk", "--web", "--listen", "127.0.0.1:\(port)"] + arguments)
            let deadline = Date().addingTimeInterval(60)
            while kiosk.isRunning && Date() < deadline {
                let probe = try Subprocess.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/kiosk.css"])
                if probe.stdout == "200" { return (kiosk, port) }
                usleep(50_000)
            }
            if kiosk.isRunning { kiosk.terminate() }
        }
        throw TestFailure("the web kiosk did not start on a loopback port")
    }
}

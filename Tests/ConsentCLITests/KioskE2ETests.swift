import Foundation
import Testing
import TestSupport

/// The built `consent kiosk`, driven through tmux: what a tenant at the office would do.
@Suite(.serialized, .ownThreads) struct KioskE2ETests {
    /// A demo register and a kiosk command line for it.
    struct Setup {
        let cli: CLI
        var receipts: String { cli.dir.appendingPathComponent("receipts.txt").path }

        init(tenants: Int = 12) throws {
            #expect(tmuxAvailable, "tmux is needed for the kiosk tests (apt-get install tmux; .ci/run installs it)")
            cli = try CLI()
            let demo = try cli.run(["demo", "--tenants", String(tenants), "--db", cli.db])
            #expect(demo.status == 0, "\(demo.stderr)")
            // The member of staff who issues sign-in codes at the desk.
            let desk = try cli.run(["staff", "add", "D1", "--role", "support", "--name", "Dana Desk", "--password-stdin", "--db", cli.db],
                                   stdin: Data("desk-password-1\n".utf8))
            #expect(desk.status == 0, "\(desk.stderr)")
        }

        func kiosk(_ extra: String = "") -> String {
            let forms = CLI.repo.appendingPathComponent("Forms").path, localization = CLI.repo.appendingPathComponent("Localization").path
            return "env CONSENT_FORMS='\(forms)' CONSENT_LOCALIZATION='\(localization)' '\(CLI.binary.path)' kiosk --db '\(cli.db)' --receipt-file '\(receipts)' \(extra)"
        }

        /// Date of birth and name of a tenant, from the Art. 15 view.
        func tenant(_ ref: String) throws -> (dob: String, name: String, mobile: String?) {
            let out = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
            let items = ((try out.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            func value(_ id: String) -> String? { items.first { $0["attribute"] as? String == id }?["value"] as? String }
            let parts = (value("date-of-birth") ?? "2000-01-01").split(separator: "-")
            return ("\(parts[2])/\(parts[1])/\(parts[0])", value("full-name") ?? "", value("mobile"))
        }

        func code(_ ref: String) throws -> String {
            let out = try cli.run(["staff", "issue-code", ref, "--staff", "D1", "--password-stdin", "--db", cli.db, "--json"],
                                  stdin: Data("desk-password-1\n".utf8))
            return (try out.json() as? [String: String])?["code"] ?? ""
        }

        func decisions(_ ref: String) throws -> [String: String] {
            let out = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
            let items = ((try out.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            var result: [String: String] = [:]
            for item in items {
                for use in item["uses"] as? [[String: Any]] ?? [] {
                    result["\(item["attribute"] ?? "")/\(use["purpose"] ?? "")"] = use["decision"] as? String
                }
            }
            return result
        }
    }

    /// Signs in T0000001 with a fresh code and PIN 482916; leaves the kiosk on the overview.
    func firstSignIn(_ tmux: Tmux, _ setup: Setup) throws {
        let tenant = try setup.tenant("T0000001")
        let code = try setup.code("T0000001")
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        try tmux.keys("Down", "Down", "Down", "Down", "Enter")
        try tmux.waitFor("Sign-in code")
        try tmux.type("T0000001")
        try tmux.keys("Tab")
        try tmux.type(tenant.dob)
        try tmux.keys("Tab")
        try tmux.type(code)
        try tmux.keys("Enter")
        try tmux.waitFor("New PIN again")
        try tmux.type("482916")
        try tmux.keys("Enter")
        try tmux.type("482916")
        try tmux.keys("Enter")
        try tmux.waitFor(tenant.name)
    }

    @Test func tenantCorrectsPhoneGrantsWithdrawsAndLeavesNothingOnScreen() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tenant = try setup.tenant("T0000001")
        let tmux = try Tmux(setup.kiosk())
        try firstSignIn(tmux, setup)
        // Mobile phone, under the uses: correct it.
        try tmux.focus("Mobile phone")
        try tmux.keys("Enter")
        try tmux.waitFor("Correct this value")
        let screen = try tmux.screen()
        let lines = screen.split(separator: "\n")
        let correct = lines.first { $0.contains("Correct this value") }.flatMap { $0.split(separator: ".").first?.last }.map(String.init) ?? "5"
        try tmux.type(correct)
        try tmux.waitFor("A UK mobile number")
        // The box starts with the number held; the tenant deletes it and types the new one.
        let held = try #require(tenant.mobile, "the demo's first tenant has a mobile number")
        try tmux.waitFor("[ \(held) ]")
        for _ in held { try tmux.keys("BSpace") }
        try tmux.waitFor("[  ]")
        try tmux.type("07700 900 777")
        try tmux.keys("Enter")
        try tmux.waitFor("07700900777")
        // Grant service updates by text message (notice first), then withdraw it: same screen, one key.
        let smsLine = try tmux.screen().split(separator: "\n").first { $0.contains("Service updates by text message") } ?? ""
        let sms = smsLine.split(separator: ".").first?.last.map(String.init) ?? "2"
        try tmux.type(sms)
        try tmux.waitFor("I agree")
        try tmux.focus("I agree") // the notice opens with Back focused
        try tmux.keys("Enter")
        try tmux.waitFor("Service updates by text message: You agreed")
        try tmux.type(sms)
        try tmux.waitFor("Service updates by text message: You withdrew")
        // Ctrl-C, Ctrl-Z and Ctrl-\ do not escape the kiosk: the key after them is still the kiosk's
        // (a kiosk that had stopped would leave the pane to `sleep`, and Escape would change nothing).
        try tmux.keys("C-c", "C-z", "C-\\")
        try tmux.keys("Escape")
        try tmux.waitFor("Choose a use")
        // Sign out: receipt, then Finish wipes everything.
        try tmux.focus("Sign out")
        try tmux.keys("Enter")
        try tmux.waitFor("Receipt number")
        try tmux.keys("Enter")
        try tmux.waitFor("Choose your language")
        let history = try tmux.history()
        for secret in [tenant.name, "07700900777", tenant.mobile ?? "-", "T0000001", "Receipt number"] {
            #expect(!history.contains(secret), "\(secret) left on screen or in scrollback")
        }
        // The ledger has it all, channel kiosk, actor the tenant.
        let decisions = try setup.decisions("T0000001")
        #expect(decisions["mobile/service-updates-sms"] == "withdrawn")
        #expect(try setup.tenant("T0000001").mobile == "07700900777")
        let receipt = try String(contentsOfFile: setup.receipts, encoding: .utf8)
        #expect(receipt.contains("Mobile phone: corrected"))
        #expect(receipt.contains("You withdrew your consent"))
        #expect(try setup.cli.run(["ledger", "verify", "--db", setup.cli.db]).status == 0)
    }

    @Test func idleSessionCountsDownThenSignsOut() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tenant = try setup.tenant("T0000001")
        let tmux = try Tmux(setup.kiosk("--idle-warning 2 --idle-timeout 5"))
        try firstSignIn(tmux, setup)
        try tmux.waitFor("Signing out in", seconds: 6)
        try tmux.waitFor("Choose your language", seconds: 8)
        #expect(!(try tmux.history()).contains(tenant.name))
        #expect(try String(contentsOfFile: setup.receipts, encoding: .utf8).contains("TenantConsent receipt"))
    }

    @Test func fiveFailuresLockSignInEvenAfterRestart() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tenant = try setup.tenant("T0000002")
        var tmux = try Tmux(setup.kiosk())
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        var answers: [String] = []
        for attempt in 1...5 {
            var answer = try KioskSignInE2ETests.attempt(tmux, "T0000002", tenant.dob, "90817\(attempt)")
            while answer.contains("Please wait") {
                // The increasing delay: the try was not checked; once the wait has run out, try again.
                try tmux.waitUntil("the wait ends", seconds: 20) { !$0.contains("Please wait") }
                answer = try KioskSignInE2ETests.attempt(tmux, "T0000002", tenant.dob, "90817\(attempt)")
            }
            answers.append(answer)
        }
        #expect(answers.prefix(4).allSatisfy { $0.contains("do not match") } && answers.last?.contains("locked") == true, "\(answers)")
        // The lock is stored: a restarted kiosk still refuses, with the same message.
        tmux = try Tmux(setup.kiosk())
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        #expect(try KioskSignInE2ETests.attempt(tmux, "T0000002", tenant.dob, "123456").contains("locked"))
    }

    @Test func sigtermWipesAndExits() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk() + "; echo KIOSK-EXITED-$?")
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try tmux.type("T0000001")
        let kiosk = try tmux.run(["list-panes", "-t", tmux.session, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let children = try CLIProcess.children(of: Int32(kiosk) ?? 0)
        for child in children { kill(child, SIGTERM) }
        try tmux.waitFor("KIOSK-EXITED-0")
        #expect(!(try tmux.history()).contains("T0000001"))
    }
}

enum CLIProcess {
    /// Process ids whose parent is `pid` (from /proc).
    static func children(of pid: Int32) throws -> [Int32] {
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init)
        return entries.filter { entry in
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid && stat.contains("(consent)")
        }
    }
}

@Suite(.ownThreads) struct KioskResizeTests {
    @Test func redrawsAtTheNewSizeAfterAResize() throws {
        let setup = try KioskE2ETests.Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try tmux.waitFor("Choose your language")
        try tmux.run(["resize-window", "-t", tmux.session, "-x", "132", "-y", "40"])
        let deadline = Date().addingTimeInterval(5)
        var lines: [Substring] = []
        repeat {
            Thread.sleep(forTimeInterval: 0.1)
            lines = try tmux.screen().split(separator: "\n", omittingEmptySubsequences: false)
        } while Date() < deadline && (lines.first?.count ?? 0) <= 100
        // The title bar now spans 132 columns, the language name at its right end; the footer is on the
        // last row, the hints above it.
        #expect((lines.first?.count ?? 0) > 100, "title bar not redrawn at the new width")
        #expect(lines.count > 39 && lines[39].contains("Help") && lines[38].contains("Enter"), "\(lines.suffix(3))")
    }
}

import ConsentStore
import Foundation
import Testing
import TestSupport

/// The built `consent staff`, driven through tmux: a whole phone call, then the supervisor.
@Suite(.serialized, .ownThreads) struct StaffE2ETests {
    struct Setup {
        let cli: CLI

        init() throws {
            #expect(tmuxAvailable, "tmux is needed for the staff terminal tests (apt-get install tmux)")
            cli = try CLI()
            let demo = try cli.run(["demo", "--tenants", "12", "--db", cli.db])
            #expect(demo.status == 0, "\(demo.stderr)")
            for (id, role) in [("sam", "support"), ("pat", "supervisor"), ("dee", "dp-lead")] {
                let added = try cli.run(["staff", "add", id, "--role", role, "--name", id.capitalized, "--password-stdin", "--db", cli.db],
                                        stdin: Data("\(id)-password-1\n".utf8))
                #expect(added.status == 0, "\(added.stderr)")
            }
        }

        func staff(_ extra: String = "") -> String {
            let forms = CLI.repo.appendingPathComponent("Forms").path, localization = CLI.repo.appendingPathComponent("Localization").path
            return "env CONSENT_FORMS='\(forms)' CONSENT_LOCALIZATION='\(localization)' '\(CLI.binary.path)' staff --db '\(cli.db)' \(extra)"
        }

        func report(_ ref: String) throws -> [[String: Any]] {
            let out = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
            return ((try out.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        }

        func value(_ items: [[String: Any]], _ id: String) -> String? {
            items.first { $0["attribute"] as? String == id }?["value"] as? String
        }

        func decision(_ items: [[String: Any]], _ attribute: String, _ purpose: String) -> String? {
            let uses = items.first { $0["attribute"] as? String == attribute }?["uses"] as? [[String: Any]] ?? []
            return uses.first { $0["purpose"] as? String == purpose }?["decision"] as? String
        }

        func history(_ ref: String) throws -> [[String: Any]] {
            let out = try cli.run(["tenant", "history", ref, "--db", cli.db, "--json"])
            return try out.json() as? [[String: Any]] ?? []
        }
    }

    func signIn(_ tmux: Tmux, _ id: String, password: String? = nil) throws {
        try tmux.waitFor("Staff sign-in")
        try tmux.type(id)
        try tmux.keys("Tab")
        try tmux.type(password ?? "\(id)-password-1")
        try tmux.keys("Enter")
    }

    /// Sends `password` in the focused password box and returns the screen with its answer: the box
    /// shows the password's dots, and empties when the answer comes.
    func answerTo(_ password: String, in tmux: Tmux) throws -> String {
        try tmux.type(password)
        try tmux.waitFor(String(repeating: "•", count: password.count))
        try tmux.keys("Enter")
        return try tmux.waitUntil("the password box to empty") { !$0.contains("•") }
    }

    /// The number printed before the line that contains `text`.
    func number(of text: String, in screen: String) -> String {
        let line = screen.split(separator: "\n").first { $0.contains(text) } ?? ""
        return line.split(separator: ".").first.map { String($0.filter(\.isNumber)) } ?? ""
    }

    @Test func fullCallFindVerifyWithdrawGrantThenSupervisorConfirms() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        // A tenant not yet signed up for email updates nor for tailoring services.
        var chosen: (ref: String, items: [[String: Any]])?
        for n in 1...12 {
            let ref = String(format: "T%07d", n)
            let items = try setup.report(ref)
            if setup.decision(items, "email", "service-updates-email") != "granted",
               setup.decision(items, "health-needs", "tailoring-services") != "granted", setup.value(items, "postcode") != nil {
                chosen = (ref, items)
                break
            }
        }
        let (ref, items) = try #require(chosen)
        let name = try #require(setup.value(items, "full-name"))
        let postcode = try #require(setup.value(items, "postcode"))
        let dob = try #require(setup.value(items, "date-of-birth")).split(separator: "-")

        let tmux = try Tmux(setup.staff(), width: 110, height: 45)
        try signIn(tmux, "sam")
        try tmux.waitFor("Find a tenant")
        try tmux.type("1")
        try tmux.waitFor("Name (any words, partial)")
        // Name words in another case and cut short, the postcode's start without its space.
        let words = name.split(separator: " ")
        try tmux.keys("Tab")
        try tmux.type("\(words[0].uppercased()) \(words.last!.prefix(3).lowercased())")
        try tmux.keys("Tab")
        try tmux.type(String(postcode.replacingOccurrences(of: " ", with: "").prefix(3)).lowercased())
        try tmux.keys("Enter")
        try tmux.waitFor(ref)
        try tmux.keys("Down", "Enter")
        try tmux.waitFor("Verify the caller")
        #expect(!(try tmux.screen()).contains(postcode), "the check never shows what is held")
        try tmux.type("\(dob[2])/\(dob[1])/\(dob[0])")
        try tmux.keys("Tab")
        try tmux.type(postcode.lowercased())
        try tmux.keys("Tab", "Tab", "Tab", "Enter")
        try tmux.waitFor("Caller verified by date-of-birth+postcode")

        // Grant email updates: the script first, then a reason; then withdraw them.
        try tmux.type(number(of: "Service updates by email", in: try tmux.screen()))
        try tmux.waitFor("Read this to the caller")
        try tmux.type("1")
        try tmux.waitFor("Choose the reason code")
        try tmux.type("1")
        try tmux.waitFor("Service updates by email: granted → withdraw")
        try tmux.type(number(of: "Service updates by email", in: try tmux.screen()))
        try tmux.waitFor("Choose the reason code")
        try tmux.type("2")
        try tmux.waitFor("Service updates by email: withdrawn")

        // Tailoring uses health needs: the grant is held for a second person.
        try tmux.type(number(of: "Tailoring services to your needs", in: try tmux.screen()))
        try tmux.waitFor("Notice script: Tailoring services to your needs")
        try tmux.type("1")
        try tmux.waitFor("Choose the reason code")
        try tmux.type("1")
        try tmux.waitFor("Held: a supervisor must confirm this grant")
        #expect(try tmux.screen().contains("Waiting for a second person: grant of Tailoring services"))
        #expect(setup.decision(try setup.report(ref), "health-needs", "tailoring-services") != "granted")

        // End the call, sign out: nothing of the tenant stays on screen.
        try tmux.keys("Escape")
        try tmux.waitFor("Changes waiting for a second person")
        try tmux.type("3")
        try tmux.waitFor("Staff sign-in")
        #expect(!(try tmux.history()).contains(name), "the tenant's name stayed on screen or in scrollback")

        // The supervisor confirms from the queue.
        try signIn(tmux, "pat")
        try tmux.waitFor("Conflicts to re-confirm")
        try tmux.type("2")
        try tmux.waitFor("\(ref) grant: Tailoring services to your needs")
        try tmux.type("1")
        try tmux.waitFor("Confirm as supervisor")
        try tmux.keys("Enter")
        try tmux.waitFor("Confirmed: it takes effect now.")

        // The ledger says who did what, how and why.
        #expect(setup.decision(try setup.report(ref), "health-needs", "tailoring-services") == "granted")
        #expect(setup.decision(try setup.report(ref), "email", "service-updates-email") == "withdrawn")
        let history = try setup.history(ref)
        let byStaff = history.filter { $0["staff"] as? String == "sam" }
        #expect(byStaff.count == 3)
        for line in byStaff {
            #expect(line["channel"] as? String == "phone")
            #expect(line["verification"] as? String == "date-of-birth+postcode")
        }
        let grant = byStaff.first { $0["kind"] as? String == "decision" && $0["state"] as? String == "granted" }
        #expect(grant?["purpose"] as? String == "service-updates-email")
        #expect(grant?["evidence"] as? String == "notice script read aloud to the caller")
        #expect(grant?["reason"] as? String == "caller-request")
        let withdrawal = byStaff.first { $0["state"] as? String == "withdrawn" }
        #expect(withdrawal?["reason"] as? String == "caller-withdraws")
        let held = try #require(byStaff.first { $0["kind"] as? String == "held-grant" })
        #expect(held["pending"] as? Bool == true && held["purpose"] as? String == "tailoring-services")
        let confirmation = try #require(history.first { $0["kind"] as? String == "verification" })
        #expect(confirmation["staff"] as? String == "pat")
        #expect(confirmation["verification"] as? String == "supervisor")
        #expect(confirmation["target"] as? String == held["event"] as? String)
        #expect(confirmation["state"] as? String == "approved")
        #expect((confirmation["what"] as? String)?.contains("confirmed, now in effect") == true)
        #expect(try setup.cli.run(["ledger", "verify", "--db", setup.cli.db]).status == 0)
    }

    @Test func idleStaffAreSignedOutAndTheScreenWiped() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.staff("--idle-warning 1 --idle-timeout 3"))
        try signIn(tmux, "sam")
        try tmux.waitFor("sam (support)")
        try tmux.waitFor("Signing out in", seconds: 5)
        try tmux.waitFor("Signed out after 3 s without input", seconds: 5)
        #expect(!(try tmux.history()).contains("Changes waiting for a second person"))
    }

    @Test func theHeaderSaysWhenBackgroundSyncFailsAndTheStatusSaysWhy() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        // Enrolled with a centre whose certificate authority file has since gone.
        let content = try #require(VaultCLITests.content)
        let gone = setup.cli.dir.appendingPathComponent("office-ca.pem").path
        let db = try ConsentDatabase.open(at: setup.cli.db, validator: content.validator,
                                          key: try KeyFile.read(KeyLocation.defaultPath(for: setup.cli.db)))
        try db.saveSyncSettings(SyncSettings(server: "https://127.0.0.1:9", secret: "s", caFile: gone))
        try db.close()
        let tmux = try Tmux(setup.staff("--sync-every 1"))
        try signIn(tmux, "sam")
        try tmux.waitFor("sam (support) · not synced yet · sync failing", seconds: 15)
        let status = try setup.cli.run(["sync", "--status", "--db", setup.cli.db])
        #expect(status.status == 0 && status.stdout.contains("The last sync failed") && status.stdout.contains(gone), "\(status.stdout)")
    }

    @Test func fiveWrongPasswordsLockTheStaffAccount() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.staff())
        try signIn(tmux, "sam", password: "wrong-1")
        try tmux.waitFor("Wrong staff id or password")
        // From the third failure on, the next try must wait 2, then 4 seconds: a try during a wait is
        // answered "wait" and not counted, so each wrong password is sent again until it is answered.
        var answers: [String] = []
        for attempt in 2...5 {
            let deadline = Date().addingTimeInterval(15)
            var answer = ""
            repeat {
                answer = try answerTo("wrong-\(attempt)", in: tmux)
            } while answer.contains("Too many failures: wait") && Date() < deadline
            answers.append(answer.contains("Locked after too many failures") ? "locked" : answer.contains("Wrong staff id") ? "wrong" : answer)
        }
        #expect(answers == ["wrong", "wrong", "wrong", "locked"], "\(answers)")
        let locked = try answerTo("sam-password-1", in: tmux)
        #expect(locked.contains("Locked after too many failures"), "the right password does not open a locked account:\n\(locked)")
        let unlock = try setup.cli.run(["staff", "unlock-staff", "sam", "--staff", "dee", "--password-stdin", "--db", setup.cli.db],
                                       stdin: Data("dee-password-1\n".utf8))
        #expect(unlock.status == 0, "\(unlock.stderr)")
        try tmux.type("sam-password-1")
        try tmux.keys("Enter")
        try tmux.waitFor("Find a tenant")
    }
}

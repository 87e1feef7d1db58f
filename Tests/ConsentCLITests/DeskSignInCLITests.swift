import ConsentStore
import Foundation
import Testing
import TestSupport

/// Issue 18, staff are who they say: every desk command needs the password of the member of staff it
/// names (or their session from `consent staff login`), failures count as at the staff terminal, and
/// nobody confirms their own held change by naming a colleague. Run as the built binary on a real database.
@Suite(.ownThreads) struct DeskSignInCLITests {
    typealias Desk = FourEyesCLITests.Desk

    func events(_ desk: Desk) throws -> Int {
        (try desk.run(["ledger", "verify", "--json"]).json() as? [String: Any])?["events"] as? Int ?? -1
    }

    /// The database opened in this process with a clock of our choosing (the commands' own code, no waiting).
    func database(_ desk: Desk, at now: Date) throws -> ConsentDatabase {
        let content = try #require(VaultCLITests.content)
        return try ConsentDatabase.open(at: desk.cli.db, validator: content.validator, clock: { now },
                                        key: try KeyFile.read(KeyLocation.defaultPath(for: desk.cli.db)))
    }

    func sql(_ desk: Desk, _ statement: String) throws -> String {
        let out = try Subprocess.run("/usr/bin/sqlite3", [desk.cli.db, statement])
        try #require(out.status == 0, "\(out.stderr)")
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func everyDeskCommandWithoutAPasswordIsRefusedAndDoesNothing() throws {
        let desk = try Desk()
        defer { desk.cli.remove() }
        let event = try desk.heldGrant("T0000003", by: "sam")
        let before = try events(desk)
        for arguments in [
            ["record", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "sam"],
            ["record", "--batch", try desk.cli.write("c.csv", Data("reference,attribute,purpose,decision,date signed,staff,form version\nT0000002,email,service-updates-email,withdraw,2026-11-20,sam,1\n".utf8)),
             "--staff", "sam"],
            ["correct", "T0000002", "--attribute", "email", "--value", "new@example.org", "--staff", "sam"],
            ["staff", "confirm", "T0000003", event, "--staff", "pat", "--how", "supervisor"],
            ["tenant", "reveal", "T0000003", "health-needs", "--staff", "dee", "--reason", "tenant-access-request"],
            ["staff", "mark", "T0000003", "vulnerable", "--staff", "pat"],
            ["staff", "unlock", "T0000003", "--staff", "sam"],
            ["staff", "issue-code", "T0000003", "--staff", "sam"],
            ["staff", "unlock-staff", "sam", "--staff", "dee"],
        ] {
            let out = try desk.run(arguments)
            #expect(out.status != 0, "\(arguments) ran without a password: \(out.stdout)")
            #expect(out.stderr.contains("--password-stdin") && out.stderr.contains("consent staff login"), "\(arguments): \(out.stderr)")
            #expect(out.stdout.isEmpty, "\(arguments) printed \(out.stdout)")
        }
        #expect(try events(desk) == before, "something was recorded")
        #expect(try desk.stillHeld(event))
    }

    @Test func aWrongPasswordIsRefusedCountedAndLocksAsAtTheTerminal() throws {
        let desk = try Desk()
        defer { desk.cli.remove() }
        let before = try events(desk)
        let withdraw = ["record", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "sam"]
        for attempt in 1...3 {
            let out = try desk.signed(withdraw, by: "sam", password: "wrong-password-\(attempt)")
            #expect(out.status != 0)
            #expect(out.stderr.contains("wrong staff id or password"), "\(out.stderr)")
        }
        #expect(try events(desk) == before)
        // Counted where the staff terminal counts them; the third failure makes the next try wait.
        let row = try sql(desk, "SELECT failures || ' ' || last_at FROM staff_sign_in_failure WHERE staff_id = 'sam'").split(separator: " ")
        #expect(row.first == "3", "\(row)")
        let last = try #require(row.last.flatMap { Double($0) })
        let justAfter = try database(desk, at: Date(timeIntervalSince1970: last / 1000 + 1))
        #expect(throws: DeskSignInError.wait(seconds: 1)) { try justAfter.deskSignIn("sam", password: "sam-password-1") }
        #expect(try justAfter.staffSignIn("sam", password: "sam-password-1") == .wait(seconds: 1), "the terminal's own check agrees")
        try justAfter.close()

        // Two more failures (each an hour after the last, so no wait stands between them) lock the account.
        for attempt in 4...5 {
            _ = try sql(desk, "UPDATE staff_sign_in_failure SET last_at = last_at - 3600000 WHERE staff_id = 'sam'")
            let out = try desk.signed(withdraw, by: "sam", password: "wrong-password-\(attempt)")
            #expect(out.status != 0)
            #expect(out.stderr.contains(attempt == 5 ? "sam is locked" : "wrong staff id or password"), "\(out.stderr)")
        }
        let locked = try desk.signed(withdraw, by: "sam")
        #expect(locked.status != 0 && locked.stderr.contains("consent staff unlock-staff sam"), "\(locked.stderr)")
        #expect(try events(desk) == before)

        let bySupervisor = try desk.signed(["staff", "unlock-staff", "sam", "--staff", "pat"], by: "pat")
        #expect(bySupervisor.status != 0 && bySupervisor.stderr.contains("data-protection lead"), "\(bySupervisor.stderr)")
        #expect(try desk.signed(["staff", "unlock-staff", "sam", "--staff", "dee"], by: "dee").status == 0)
        let after = try desk.signed(withdraw, by: "sam")
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try events(desk) == before + 1)
    }

    @Test func aLoginSessionStandsInForThePasswordUntilItEndsOrLogout() throws {
        let desk = try Desk()
        defer { desk.cli.remove() }
        let withdraw = { (staff: String) in
            ["record", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", staff]
        }
        #expect(try desk.run(["staff", "login", "sam", "--password-stdin"], stdin: Data("wrong-password\n".utf8)).status != 0)
        let login = try desk.run(["staff", "login", "sam", "--password-stdin"], stdin: Data("sam-password-1\n".utf8))
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("Signed in as sam (support) until"), "\(login.stdout)")
        let startedBy = Date()

        // The file holds a random token only, for its owner only; the database holds only the token's hash.
        let file = try #require(DeskSession.file(forDatabase: desk.cli.db, staff: "sam"))
        let folder = DeskSession.folder(forDatabase: desk.cli.db)
        #expect(try (FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)
        #expect(try (FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int) == 0o700)
        let token = try KeyFile.readSecret(file, bytes: 32)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains("sam-password-1"))
        for part in [desk.cli.db, desk.cli.db + "-wal"] {
            let bytes = FileManager.default.contents(atPath: part) ?? Data()
            #expect(bytes.range(of: token) == nil, "\(part) holds the session's token")
        }
        #expect(try sql(desk, "SELECT count(*) FROM staff_session WHERE staff_id = 'sam'") == "1")

        #expect(try desk.run(withdraw("sam")).status == 0, "the session stands in for sam's password")
        let sue = try desk.run(withdraw("sue"))
        #expect(sue.status != 0 && sue.stderr.contains("consent staff login sue"), "sue has no session: \(sue.stderr)")
        // A copy of sam's session under sue's name is not sue's.
        let sueFile = try #require(DeskSession.file(forDatabase: desk.cli.db, staff: "sue"))
        try FileManager.default.copyItem(atPath: file, toPath: sueFile)
        let copied = try desk.run(withdraw("sue"))
        #expect(copied.status != 0 && copied.stderr.contains("sue's desk session has ended"), "\(copied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sueFile), "a session that does not open is removed")

        // Fifteen minutes from login, not one more (the store's clock, moved: no waiting).
        let inTime = try database(desk, at: startedBy.addingTimeInterval(14 * 60))
        #expect(try inTime.deskSignIn("sam", password: nil).id == "sam")
        try inTime.close()
        let late = try database(desk, at: startedBy.addingTimeInterval(15 * 60 + 1))
        #expect(throws: DeskSignInError.sessionEnded(staff: "sam")) { try late.deskSignIn("sam", password: nil) }
        try late.close()
        #expect(!FileManager.default.fileExists(atPath: file), "an ended session's file is removed")

        // Log in again, then out: the next command needs the password.
        #expect(try desk.run(["staff", "login", "sam", "--password-stdin"], stdin: Data("sam-password-1\n".utf8)).status == 0)
        #expect(try desk.run(withdraw("sam")).status == 0)
        let logout = try desk.run(["staff", "logout", "sam"])
        #expect(logout.status == 0 && logout.stdout.contains("Signed out sam"), "\(logout.stderr)")
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try sql(desk, "SELECT count(*) FROM staff_session") == "0")
        let afterLogout = try desk.run(withdraw("sam"))
        #expect(afterLogout.status != 0 && afterLogout.stderr.contains("consent staff login sam"), "\(afterLogout.stderr)")
    }

    @Test func nobodyConfirmsTheirOwnHeldChangeByNamingAColleague() throws {
        let desk = try Desk()
        defer { desk.cli.remove() }
        // A phone grant and a paper one with the form scanned as evidence: both held for a second person.
        let phone = try desk.heldGrant("T0000003", by: "sam")
        let paper = try desk.signed(["record", "T0000006", "grant", "--attribute", "health-needs", "--purpose", "tailoring-services",
                                     "--staff", "sam", "--channel", "paper", "--notice-version", "1", "--signed", "2026-11-20",
                                     "--evidence", "form TS-2 scanned", "--json"], by: "sam")
        #expect(paper.status == 0, "\(paper.stderr)")
        #expect((try paper.json() as? [String: Any])?["pending"] as? Bool == true, "\(paper.stdout)")
        let held = try desk.run(["staff", "held", "--json"])
        let paperEvent = try #require((try held.json() as? [[String: Any]])?.first { $0["reference"] as? String == "T0000006" }?["event"] as? String)
        #expect(try desk.decision("T0000006") != "granted", "held, not in use")

        // sam names sue with sam's own password: refused, and counted against sue's account (a guess at her password).
        let withOwnPassword = try desk.signed(["staff", "confirm", "T0000003", phone, "--staff", "sue", "--how", "call-back", "--reason", "call-back"],
                                              by: "sam")
        #expect(withOwnPassword.status != 0 && withOwnPassword.stderr.contains("wrong staff id or password"), "\(withOwnPassword.stderr)")
        #expect(try sql(desk, "SELECT failures FROM staff_sign_in_failure WHERE staff_id = 'sue'") == "1")
        #expect(try desk.run(["staff", "login", "sam", "--password-stdin"], stdin: Data("sam-password-1\n".utf8)).status == 0)
        for (ref, event) in [("T0000003", phone), ("T0000006", paperEvent)] {
            for how in [["--how", "call-back", "--reason", "call-back"], ["--how", "evidence", "--evidence", "form seen", "--reason", "desk-evidence"]] {
                // sam names sue beside his own session (no password), or confirms as himself.
                let withOwnSession = try desk.run(["staff", "confirm", ref, event, "--staff", "sue"] + how)
                #expect(withOwnSession.status != 0 && withOwnSession.stderr.contains("consent staff login sue"), "\(withOwnSession.stderr)")
                let asThemselves = try desk.run(["staff", "confirm", ref, event, "--staff", "sam"] + how)
                #expect(asThemselves.status != 0 && asThemselves.stderr.contains("four eyes"), "\(asThemselves.stderr)")
            }
            #expect(try desk.stillHeld(event))
        }
        #expect(try desk.decision("T0000006") != "granted")
        let colleague = try desk.signed(["staff", "confirm", "T0000006", paperEvent, "--staff", "sue", "--how", "evidence",
                                         "--evidence", "form TS-2 scanned", "--reason", "desk-evidence"], by: "sue")
        #expect(colleague.status == 0, "\(colleague.stderr)")
        #expect(try desk.decision("T0000006") == "granted")
        #expect(try desk.run(["ledger", "verify"]).status == 0)
    }

    @Test func aDeskCommandClaimsNoChannelButPaperOrPhone() throws {
        let desk = try Desk()
        defer { desk.cli.remove() }
        let before = try events(desk)
        let withdraw = ["record", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "sam"]
        let correct = ["correct", "T0000002", "--attribute", "mobile", "--value", "07700900555", "--staff", "sam", "--evidence", "bill seen"]
        for arguments in [withdraw, correct] {
            let kiosk = try desk.signed(arguments + ["--channel", "kiosk"], by: "sam")
            #expect(kiosk.status != 0 && kiosk.stderr.contains("only the tenant signed in records at the kiosk"), "\(kiosk.stderr)")
            for channel in ["system", "import"] {
                let out = try desk.signed(arguments + ["--channel", channel], by: "sam")
                #expect(out.status != 0 && out.stderr.contains("use --channel paper or phone"), "\(channel): \(out.stderr)")
            }
        }
        #expect(try events(desk) == before, "something was recorded")
        #expect(!(try desk.run(["tenant", "history", "T0000002"]).stdout.contains("by staff member sam")))
    }
}

import Foundation
import Testing
import TestSupport

/// Requests of every kind made by the tenant at the real kiosk and decided at the real staff terminal, both
/// through tmux (issue 22): a rectification with the value the tenant says is right, a restriction and an access
/// request; the supervisor's queue lists each, carries out the rectification with the tenant's value (a correction
/// in the ledger naming the request), refuses the restriction with a reason, answers the access request, and the
/// tenant reads every outcome at the kiosk.
@Suite(.serialized, .ownThreads) struct KioskRequestKindsE2ETests {
    typealias Setup = KioskE2ETests.Setup

    func sqlite(_ db: String, _ sql: String) throws -> String {
        try Subprocess.run("/usr/bin/env", ["sqlite3", db, sql]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func staffTerminal(_ setup: Setup) -> String {
        let forms = CLI.repo.appendingPathComponent("Forms").path, localization = CLI.repo.appendingPathComponent("Localization").path
        return "env CONSENT_FORMS='\(forms)' CONSENT_LOCALIZATION='\(localization)' '\(CLI.binary.path)' staff --db '\(setup.cli.db)'"
    }

    @Test func aTenantAsksForEachKindAtTheKioskAndTheSupervisorDecidesEachAtTheStaffTerminal() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let cli = setup.cli
        #expect(try cli.run(["staff", "add", "P200", "--role", "supervisor", "--name", "Pat", "--password-stdin", "--db", cli.db],
                            stdin: RequestsCLITests.password).status == 0)
        // The tenancy's end, which only staff keep: the tenant sees it at the kiosk but cannot change it there.
        let keyed = try cli.run(["correct", "T0000001", "--attribute", "tenancy-end", "--value", "15/06/2024", "--evidence", "end of tenancy form",
                                 "--staff", "P200", "--password-stdin", "--db", cli.db], stdin: RequestsCLITests.password)
        #expect(keyed.status == 0, "\(keyed.stderr)")

        let kiosk = try Tmux(setup.kiosk(), width: 180, height: 120)
        try KioskE2ETests().firstSignIn(kiosk, setup)
        // Rectification: the tenant types the right date; it goes to staff, the value held stays.
        try kiosk.focus("Tenancy ended")
        try kiosk.keys("Enter")
        // Each page is waited for before moving the focus on it, so no Tab lands on the page being left.
        try kiosk.waitFor("Ask our staff to correct it")
        try kiosk.focus("Ask our staff to correct it")
        try kiosk.keys("Enter")
        try kiosk.waitFor("Only our staff can change this")
        try kiosk.waitFor("[ 15/06/2024 ]")
        for _ in "15/06/2024" { try kiosk.keys("BSpace") }
        try kiosk.waitFor("[  ]")
        try kiosk.type("30/06/2024")
        // Every typed key drawn before the focus moves: a Tab queued behind them would carry the focus past the button
        // after the screen showed it there, and Enter then left the page unsent (seen once under load).
        try kiosk.waitFor("[ 30/06/2024 ]")
        try kiosk.focus("Send to our staff")
        try kiosk.keys("Enter")
        var screen = try kiosk.waitFor("Your request has been sent to our staff")
        #expect(screen.contains("You have asked our staff to correct this") && screen.contains("15/06/2024"), "\(screen)")
        // Restriction of the mobile number.
        try kiosk.keys("Escape")
        try kiosk.waitFor("Ask for a copy of everything we hold about you")
        try kiosk.focus("Mobile phone")
        try kiosk.keys("Enter")
        try kiosk.waitFor("Ask us to stop using it")
        try kiosk.focus("Ask us to stop using it")
        try kiosk.keys("Enter")
        try kiosk.waitFor("While that is in force we keep it but send it to no one")
        try kiosk.focus("Send the request")
        try kiosk.keys("Enter")
        screen = try kiosk.waitFor("You have asked us to stop using this")
        // Access: a copy of everything held, asked from the overview.
        try kiosk.keys("Escape")
        try kiosk.waitFor("Ask for a copy of everything we hold about you")
        try kiosk.focus("Ask for a copy of everything we hold about you")
        try kiosk.keys("Enter")
        try kiosk.waitFor("Our staff will send it to you within one month")
        try kiosk.focus("Send the request")
        try kiosk.keys("Enter")
        screen = try kiosk.waitFor("Your requests to staff")
        #expect(screen.contains("Correct Tenancy ended") && !screen.contains("Ask for a copy of everything"), "\(screen)")
        try KioskSignInE2ETests.signOut(kiosk)

        // The requests as stored: three open, the proposed date beside the rectification (read with sqlite3).
        let open = try cli.run(["request", "list", "--json", "--db", cli.db]).json() as? [[String: Any]] ?? []
        #expect(Set(open.compactMap { $0["kind"] as? String }) == ["rectification", "restriction", "access"], "\(open)")
        let proposed = try sqlite(cli.db, """
            SELECT v.value FROM value v JOIN ledger l ON l.device_no = v.device_no AND l.device_seq = v.device_seq
            WHERE l.kind = 'rectification-request' AND l.actor = 'tenant' AND l.channel = 'kiosk'
            """)
        #expect(proposed == "2024-06-30")

        // The supervisor at the staff terminal: every kind in the queue, each decided there.
        let staff = try Tmux(staffTerminal(setup), width: 160, height: 50)
        try StaffE2ETests().signIn(staff, "P200", password: "correct horse battery")
        try staff.focus("Changes waiting for a second person")
        try staff.keys("Enter")
        screen = try staff.waitFor("access request")
        #expect(screen.contains("rectification request: Tenancy ended") && screen.contains("restriction request: Mobile phone"), "\(screen)")
        try staff.focus("rectification request")
        try staff.keys("Enter")
        screen = try staff.waitFor("The value the tenant says is right")
        #expect(screen.contains("30/06/2024") || screen.contains("2024-06-30"), "\(screen)")
        try staff.focus("Correct it")
        try staff.keys("Enter")
        try staff.waitFor("Carried out: the tenant sees it at the kiosk.")
        try staff.focus("restriction request")
        try staff.keys("Enter")
        try staff.waitFor("Or refuse it with the reason the tenant will read")
        try staff.focus("Refuse: We need it to manage your tenancy.")
        try staff.keys("Enter")
        try staff.waitFor("Refused: the tenant reads the reason at the kiosk, in their language.")
        try staff.focus("access request")
        try staff.keys("Enter")
        try staff.waitFor("Mark answered")
        try staff.focus("Mark answered")
        try staff.keys("Enter")
        try staff.waitFor("Nothing is waiting.")

        // The rectification went through the ordinary change path: the tenant's date now, a correction naming the request.
        let shown = try cli.run(["tenant", "show", "T0000001", "--json", "--db", cli.db])
        let items = ((try shown.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(items.first { $0["attribute"] as? String == "tenancy-end" }?["value"] as? String == "2024-06-30")
        let history = try cli.run(["tenant", "history", "T0000001", "--json", "--db", cli.db]).json() as? [[String: Any]] ?? []
        let correction = history.last { $0["kind"] as? String == "correction" }
        #expect(correction?["staff"] as? String == "P200" && (correction?["evidence"] as? String)?.hasPrefix("rectification request") == true,
                "\(String(describing: correction))")
        let decided = try cli.run(["request", "list", "--all", "--json", "--db", cli.db]).json() as? [[String: Any]] ?? []
        let outcomes = Dictionary(decided.map { ($0["kind"] as? String ?? "", $0["outcome"] as? String ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(outcomes == ["rectification": "carried-out", "restriction": "refused", "access": "carried-out"], "\(decided)")
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)

        // Back at the kiosk, the tenant reads every outcome and the refusal's reason.
        try kiosk.keys("Enter")
        try kiosk.waitFor("Tenancy reference")
        let tenant = try setup.tenant("T0000001")
        #expect(try KioskSignInE2ETests.attemptSucceeds(kiosk, "T0000001", tenant.dob, "482916", name: tenant.name))
        screen = try kiosk.waitFor("manage your tenancy") // the reason in the kiosk's language (it may wrap)
        #expect(screen.contains("Refused on"), "\(screen)")
    }
}

import Foundation
import Testing
import TestSupport

/// Key presses that must not hurt a tenant at the kiosk (issue 17), through tmux.
@Suite(.serialized, .ownThreads) struct KioskSafetyE2ETests {
    typealias Setup = KioskE2ETests.Setup

    /// A tenant's current value of an attribute, from the Art. 15 view.
    static func value(_ setup: Setup, _ ref: String, _ attribute: String) throws -> String? {
        let out = try setup.cli.run(["tenant", "show", ref, "--db", setup.cli.db, "--json"])
        let items = ((try out.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return items.first { $0["attribute"] as? String == attribute }?["value"] as? String
    }

    @Test func theDateOfBirthCannotBeErasedHereSoTheTenantCanStillSignIn() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tenant = try setup.tenant("T0000001")
        let tmux = try Tmux(setup.kiosk(), width: 100, height: 40)
        try KioskE2ETests().firstSignIn(tmux, setup)
        try tmux.focus("Date of birth")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("Correct this value")
        #expect(!screen.contains("Ask us to erase"), "the date of birth can be erased at the kiosk:\n\(screen)")
        #expect(screen.contains("cannot be erased here"), "the tenant is not told why it cannot be erased:\n\(screen)")
        try tmux.keys("Escape")
        try tmux.waitFor("Choose a use")
        try KioskSignInE2ETests.signOut(tmux)
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        #expect(try KioskSignInE2ETests.attemptSucceeds(tmux, "T0000001", tenant.dob, "482916", name: tenant.name))
    }

    @Test func aTenantAsksStaffToEraseTheirDateOfBirthAndStaffSeeTheRequest() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let dob = try Self.value(setup, "T0000001", "date-of-birth")
        let tmux = try Tmux(setup.kiosk(), width: 100, height: 40)
        try KioskE2ETests().firstSignIn(tmux, setup)
        try tmux.focus("Date of birth")
        try tmux.keys("Enter")
        try tmux.waitFor("cannot be erased here")
        try tmux.focus("Ask our staff to erase it")
        try tmux.keys("Enter")
        try tmux.waitFor("Send our staff a request to erase")
        try tmux.focus("Send the request")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("Your request has been sent to our staff")
        #expect(screen.contains("Correct this value"), "the tenant is not back on the item:\n\(screen)")
        // The request waits for staff at the desk; nothing was erased.
        let held = try setup.cli.run(["staff", "held", "--db", setup.cli.db])
        #expect(held.stdout.contains("T0000001") && held.stdout.contains("erasure-request") && held.stdout.contains("date-of-birth"),
                "staff do not see the request: \(held.stdout)")
        #expect(try Self.value(setup, "T0000001", "date-of-birth") == dob, "the date of birth was erased at the kiosk")
        // Asked again, now or in a later session: the kiosk says staff have it and sends no second request.
        try Self.askAgainIsAlreadyWithStaff(tmux)
        try tmux.keys("Escape")
        try tmux.waitFor("Choose a use")
        try KioskSignInE2ETests.signOut(tmux)
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        let tenant = try setup.tenant("T0000001")
        #expect(try KioskSignInE2ETests.attemptSucceeds(tmux, "T0000001", tenant.dob, "482916", name: tenant.name))
        try tmux.focus("Date of birth")
        try tmux.keys("Enter")
        try tmux.waitFor("cannot be erased here")
        try Self.askAgainIsAlreadyWithStaff(tmux)
        let queue = try setup.cli.run(["staff", "held", "--db", setup.cli.db]).stdout
        #expect(queue.components(separatedBy: "erasure-request").count - 1 == 1, "staff see the request more than once (or not at all):\n\(queue)")
    }

    /// On an item already asked to be erased: "Ask our staff to erase it" says the request is with staff,
    /// and asks nothing more.
    static func askAgainIsAlreadyWithStaff(_ tmux: Tmux) throws {
        try tmux.focus("Ask our staff to erase it")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("already with our staff")
        #expect(!screen.contains("Send our staff a request to erase"), "a second request is asked for:\n\(screen)")
    }

    @Test func doublePressesOnAgreeObjectAndPreferNotToSayChangeNothingTwice() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let sex = try Self.value(setup, "T0000001", "sex")
        let tmux = try Tmux(setup.kiosk(), width: 100, height: 40)
        try KioskE2ETests().firstSignIn(tmux, setup)
        // Mobile phone: agree to text-message updates with a double press of Enter on "I agree".
        try tmux.focus("Mobile phone")
        try tmux.keys("Enter")
        try tmux.waitFor("Correct this value")
        try tmux.focus("Service updates by text message")
        try tmux.keys("Enter")
        try tmux.waitFor("I agree")
        try tmux.focus("I agree")
        try tmux.keys("Enter", "Enter")
        try tmux.waitUntil("the overview or a withdrawal") { $0.contains("Choose a use") || $0.contains("You withdrew") }
        #expect(try setup.decisions("T0000001")["mobile/service-updates-sms"] == "granted", "the second press undid the agreement")
        // Sex: a double press on "Prefer not to say", then on "Object", records neither.
        try tmux.waitFor("Choose a use")
        try tmux.focus("Sex:")
        try tmux.keys("Enter")
        try tmux.waitFor("Correct this value")
        for label in ["Prefer not to say", "Object"] {
            try tmux.focus(label)
            try tmux.keys("Enter", "Enter")
            try tmux.waitUntil("the sex screen again") { screen in
                screen.contains("Correct this value") && !screen.contains("Record “Prefer") && !screen.contains("Object to")
            }
        }
        #expect(try Self.value(setup, "T0000001", "sex") == sex, "one press replaced the value")
        #expect(try setup.decisions("T0000001")["sex/equality-monitoring"] != "objected", "one press recorded an objection")
    }

    @Test func theKeyThatDismissesTheIdleWarningDoesNothingElse() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk("--idle-warning 2 --idle-timeout 60"), width: 80, height: 24)
        try KioskE2ETests().firstSignIn(tmux, setup)
        try tmux.waitFor("Signing out in", seconds: 10)
        try tmux.keys("Enter") // "Full name" is focused
        let screen = try tmux.waitUntil("the warning gone") { !$0.contains("Signing out in") }
        #expect(screen.contains("Choose a use"), "the key that dismissed the warning also opened an item:\n\(screen)")
    }
}

extension KioskSignInE2ETests {
    /// Signs in from an empty sign-in screen; true when the tenant's name is shown.
    static func attemptSucceeds(_ tmux: Tmux, _ ref: String, _ dob: String, _ pin: String, name: String) throws -> Bool {
        try tmux.type(ref)
        try tmux.keys("Tab")
        try tmux.type(dob)
        try tmux.keys("Tab")
        try tmux.type(pin)
        try tmux.keys("Enter")
        let screen = try tmux.waitUntil("a signed-in overview or an answer") { screen in
            screen.contains(name) || answers.contains(where: screen.contains)
        }
        return screen.contains(name)
    }
}

import Foundation
import Testing
import TestSupport

/// Joint tenants at the real kiosk, through tmux (issue 22): each signs in alone, sees only their own record
/// (the tenancy they share named, the other tenant never), and what one agrees to leaves the other's choices as
/// they were; the receipt is the signer's alone.
@Suite(.serialized, .ownThreads) struct JointTenancyKioskE2ETests {
    typealias Setup = KioskE2ETests.Setup

    /// Signs `ref` in with a fresh code and PIN 482916; leaves the kiosk on the overview.
    func signIn(_ kiosk: Tmux, _ setup: Setup, _ ref: String) throws {
        let tenant = try setup.tenant(ref)
        let code = try setup.code(ref)
        try kiosk.waitFor("Choose your language")
        try kiosk.keys("Enter")
        try kiosk.waitFor("Tenancy reference")
        try kiosk.keys("Down", "Down", "Down", "Down", "Enter")
        try kiosk.waitFor("Sign-in code")
        try kiosk.type(ref)
        try kiosk.keys("Tab")
        try kiosk.type(tenant.dob)
        try kiosk.keys("Tab")
        try kiosk.type(code)
        try kiosk.keys("Enter")
        try kiosk.waitFor("New PIN again")
        try kiosk.type("482916")
        try kiosk.keys("Enter")
        try kiosk.type("482916")
        try kiosk.keys("Enter")
        try kiosk.waitFor(tenant.name)
    }

    func signOut(_ kiosk: Tmux) throws -> String {
        try kiosk.focus("Sign out")
        try kiosk.keys("Enter")
        let receipt = try kiosk.waitFor("Receipt number")
        try kiosk.keys("Enter")
        try kiosk.waitFor("Choose your language")
        return receipt
    }

    func value(_ setup: Setup, _ ref: String, _ attribute: String) throws -> String {
        let out = try setup.cli.run(["tenant", "show", ref, "--db", setup.cli.db, "--json"])
        let items = ((try out.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return items.first { $0["attribute"] as? String == attribute }?["value"] as? String ?? ""
    }

    @Test func eachJointTenantSignsInAloneSeesOnlyTheirOwnAndChangesOnlyTheirOwn() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let cli = setup.cli
        #expect(try cli.run(["staff", "add", "P200", "--role", "supervisor", "--name", "Pat", "--password-stdin", "--db", cli.db],
                            stdin: RequestsCLITests.password).status == 0)
        // T0000002 moves in with T0000001 on a joint tenancy: the same tenancy, address and postcode.
        let (address, postcode) = (try value(setup, "T0000001", "address"), try value(setup, "T0000001", "postcode"))
        for (ref, attribute, text) in [("T0000001", "joint-tenancy", "TEN-7"), ("T0000002", "joint-tenancy", "TEN-7"),
                                       ("T0000002", "address", address), ("T0000002", "postcode", postcode)] {
            let keyed = try cli.run(["correct", ref, "--attribute", attribute, "--value", text, "--evidence", "joint tenancy agreement",
                                     "--staff", "P200", "--password-stdin", "--db", cli.db], stdin: RequestsCLITests.password)
            #expect(keyed.status == 0, "\(keyed.stderr)")
        }
        let first = try setup.tenant("T0000001"), second = try setup.tenant("T0000002")
        let secondsBefore = try setup.decisions("T0000002")
        let seconds = [second.name, second.mobile ?? second.name, "T0000002"]

        let kiosk = try Tmux(setup.kiosk(), width: 180, height: 120)
        try signIn(kiosk, setup, "T0000001")
        var screen = try kiosk.waitFor("TEN-7")
        #expect(screen.contains("Joint tenancy"), "\(screen)")
        for secret in seconds { #expect(!screen.contains(secret), "\(secret) on T0000001's overview:\n\(screen)") }
        // T0000001 agrees to service updates by text message.
        try kiosk.focus("Service updates by text message")
        try kiosk.keys("Enter")
        try kiosk.waitFor("Now: Not asked yet")
        try kiosk.focus("Agree")
        try kiosk.keys("Enter", "Enter")
        screen = try kiosk.waitFor("Service updates by text message: You agreed")
        for secret in seconds { #expect(!screen.contains(secret), "\(secret) on T0000001's screen:\n\(screen)") }
        let shown = try signOut(kiosk)
        for secret in seconds { #expect(!shown.contains(secret), "\(secret) on T0000001's receipt screen") }
        let receipt = try String(contentsOfFile: setup.receipts, encoding: .utf8)
        for secret in seconds { #expect(!receipt.contains(secret), "\(secret) on T0000001's receipt") }

        #expect(try setup.decisions("T0000001")["mobile/service-updates-sms"] == "granted")
        #expect(try setup.decisions("T0000002") == secondsBefore, "T0000001's agreement changed T0000002's choices")

        // T0000002 signs in alone at the same kiosk: their own record, nothing of T0000001's, their use not agreed.
        try signIn(kiosk, setup, "T0000002")
        screen = try kiosk.waitFor("TEN-7")
        for secret in [first.name, first.mobile ?? first.name, "T0000001"] {
            #expect(!screen.contains(secret), "\(secret) on T0000002's overview:\n\(screen)")
        }
        #expect(!screen.contains("Service updates by text message: You agreed"), "\(screen)")
        _ = try signOut(kiosk)
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }
}

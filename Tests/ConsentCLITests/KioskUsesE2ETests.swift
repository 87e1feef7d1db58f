import ConsentForms
import Foundation
import Testing
import TestSupport

/// Consent by use, and a language choice that plainly keeps the tenant signed in (issue 17).
@Suite(.serialized, .ownThreads) struct KioskUsesE2ETests {
    typealias Setup = KioskE2ETests.Setup

    @Test func agreeingToAUseCoversEveryItemItUsesOnOneScreen() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk(), width: 100, height: 40)
        try KioskE2ETests().firstSignIn(tmux, setup)
        try tmux.focus("Service updates by text message")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("Now: Not asked yet")
        #expect(screen.contains("uses your Preferred name, Mobile phone, Preferred language"), "\(screen)")
        try tmux.focus("Agree")
        try tmux.keys("Enter", "Enter") // a double press: agrees once, then leaves
        try tmux.waitFor("Choose a use")
        let decisions = try setup.decisions("T0000001")
        for attribute in ["preferred-name", "mobile", "preferred-language"] {
            #expect(decisions["\(attribute)/service-updates-sms"] == "granted", "\(attribute): \(decisions["\(attribute)/service-updates-sms"] ?? "-")")
        }
        #expect(try tmux.screen().contains("Service updates by text message: You agreed"))
    }

    @Test func theOverviewOpensWithTheUsesFirstAndSignOutAt80x24() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let content = try Shipped.load()
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try KioskE2ETests().firstSignIn(tmux, setup)
        let screen = try tmux.waitFor("Your choices, use by use")
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let heading = lines.firstIndex { $0.contains("Your choices, use by use") } ?? .max
        // Every use the tenant decides is on the first screen, in the order of Forms/purposes.yaml, above any item.
        var last = heading
        for use in content.catalogue.purposes where use.legalBasis.control != .fixed {
            let name = content.localizer.text("purpose.\(use.id).name", "en")
            let row = lines.firstIndex { $0.contains(name) }
            #expect(row.map { $0 > last } == true, "\(name) is not on the first screen after the uses before it:\n\(screen)")
            last = row ?? last
        }
        if let item = lines.firstIndex(where: { $0.contains("Full name:") }) {
            #expect(item > last, "an item comes before the uses:\n\(screen)")
        }
        #expect(lines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })?.contains("Sign out") == true, "Sign out is not on screen:\n\(screen)")
        // The first press opens the first use, not an item.
        try tmux.keys("Enter")
        try tmux.waitFor("Now: ")
    }

    @Test func choosingALanguageWhileSignedInDoesNotLookLikeSigningOut() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tenant = try setup.tenant("T0000001")
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try KioskE2ETests().firstSignIn(tmux, setup)
        try tmux.focus("Language")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("Polski")
        #expect(!screen.contains("Welcome. Choose your language to begin"), "the language choice looks like the signed-out welcome:\n\(screen)")
        #expect(screen.contains("You stay signed in") && screen.contains("Sign out"), "\(screen)")
        try tmux.focus("Polski")
        try tmux.keys("Enter")
        try tmux.waitFor(tenant.name)
        try tmux.waitFor("Wyloguj")
    }
}

extension KioskUsesE2ETests {
    @Test func theReceiptShowsEachUsesFinalStateInTheChosenLanguage() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk(), width: 100, height: 40)
        try KioskE2ETests().firstSignIn(tmux, setup)
        // Agree to text-message updates, then change one's mind: the receipt shows only where it ended.
        try tmux.focus("Service updates by text message")
        try tmux.keys("Enter")
        try tmux.waitFor("Now: Not asked yet")
        try tmux.focus("Agree")
        try tmux.keys("Enter")
        try tmux.waitFor("Now: You agreed")
        try tmux.focus("Do not agree")
        try tmux.keys("Enter")
        try tmux.waitFor("Now: You withdrew")
        try tmux.keys("Escape")
        try tmux.waitFor("Choose a use")
        try tmux.focus("Sign out")
        try tmux.keys("Enter")
        var screen = try tmux.waitFor("Receipt number")
        #expect(screen.contains("Service updates by text message: You withdrew your consent"), "\(screen)")
        #expect(!screen.contains("You agreed"), "the receipt lists a step, not the final state:\n\(screen)")
        // The receipt follows a language switch, every word of it.
        try tmux.focus("Language")
        try tmux.keys("Enter")
        try tmux.waitFor("Polski")
        try tmux.focus("Polski")
        try tmux.keys("Enter")
        screen = try tmux.waitFor("Numer potwierdzenia")
        #expect(!screen.contains("Service updates by text message") && !screen.contains("You withdrew"), "English left on a Polish receipt:\n\(screen)")
        // The printed copy: one line for the use, a local date and time, no ISO timestamp.
        let printed = try String(contentsOfFile: setup.receipts, encoding: .utf8)
        #expect(printed.contains("TenantConsent receipt") && printed.contains("Service updates by text message: You withdrew your consent"))
        #expect(!printed.contains("You agreed") && printed.range(of: #"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"#, options: .regularExpression) != nil, "\(printed)")
    }
}

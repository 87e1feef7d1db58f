import Foundation
import Testing
import TestSupport

/// The kiosk as the next person at the counter finds it (issue 17): whatever way the last person
/// left the sign-in screens, nothing of what they typed is shown again.
@Suite(.serialized, .ownThreads) struct KioskCounterE2ETests {
    typealias Setup = KioskE2ETests.Setup

    /// What a half-finished sign-in of T0000001 leaves behind, if anything.
    static func leftovers(_ screen: String, dob: String) -> [String] {
        ["T0000001", dob, "•"].filter { screen.contains($0) }
    }

    /// A kiosk at 80×24 on its sign-in screen, English chosen, with T0000001's details typed in (a
    /// wrong PIN), as the last person left it; and that tenant's date of birth.
    static func halfFinishedSignIn() throws -> (setup: Setup, tmux: Tmux, dob: String) {
        let setup = try Setup()
        let dob = try setup.tenant("T0000001").dob
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try typeDetails(tmux, dob: dob)
        return (setup, tmux, dob)
    }

    /// Types a reference, a date of birth and a PIN on the sign-in screen, as the last person did.
    static func typeDetails(_ tmux: Tmux, dob: String) throws {
        try tmux.waitFor("Tenancy reference")
        try tmux.type("T0000001")
        try tmux.keys("Tab")
        try tmux.type(dob)
        try tmux.keys("Tab")
        try tmux.type("907315") // not T0000001's PIN
        try tmux.waitFor("••••••")
    }

    @Test func escapeFromSignInLeavesNothingForTheNextPerson() throws {
        let (setup, tmux, dob) = try Self.halfFinishedSignIn()
        defer { setup.cli.remove() }
        try tmux.keys("Escape")
        try tmux.waitFor("Choose your language")
        // The next person chooses English and finds empty boxes.
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("Tenancy reference")
        #expect(Self.leftovers(screen, dob: dob).isEmpty, "the last person's details are still on screen:\n\(screen)")
    }

    @Test func languageFromSignInLeavesNothingForTheNextPerson() throws {
        let (setup, tmux, dob) = try Self.halfFinishedSignIn()
        defer { setup.cli.remove() }
        try tmux.focus("Language")
        try tmux.keys("Enter")
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("Tenancy reference")
        #expect(Self.leftovers(screen, dob: dob).isEmpty, "the last person's details are still on screen:\n\(screen)")
    }

    @Test func theSignInCodeScreenStartsEmptyAndSoDoesTheWayBack() throws {
        let (setup, tmux, dob) = try Self.halfFinishedSignIn()
        defer { setup.cli.remove() }
        try tmux.focus("Use a sign-in code")
        try tmux.keys("Enter")
        var screen = try tmux.waitFor("Sign-in code (8 digits")
        #expect(Self.leftovers(screen, dob: dob).isEmpty, "the sign-in screen's details were carried over:\n\(screen)")
        try tmux.type("T0000001")
        try tmux.keys("Tab")
        try tmux.type(dob)
        try tmux.keys("Escape")
        screen = try tmux.waitFor("PIN (6 digits)")
        #expect(Self.leftovers(screen, dob: dob).isEmpty, "the code screen's details were carried back:\n\(screen)")
    }

    @Test func aFailedTryClearsEveryBox() throws {
        let (setup, tmux, dob) = try Self.halfFinishedSignIn()
        defer { setup.cli.remove() }
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("do not match")
        #expect(Self.leftovers(screen, dob: dob).isEmpty, "a failed try left details on screen:\n\(screen)")
    }

    @Test func anAbandonedSignInIsClearedWhenIdle() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let dob = try setup.tenant("T0000001").dob
        let tmux = try Tmux(setup.kiosk("--idle-warning 2 --idle-timeout 4"), width: 80, height: 24)
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try Self.typeDetails(tmux, dob: dob)
        try tmux.waitFor("Choose your language", seconds: 10)
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("Tenancy reference")
        #expect(Self.leftovers(screen, dob: dob).isEmpty, "an abandoned sign-in was kept:\n\(screen)")
    }
}

extension Tmux {
    /// Moves the focus with Tab until the focused item (marked ▶) shows `label`.
    /// Wait for the page first (`waitFor` a text only it shows) after a key that changes page: a page change
    /// that lands after a Tab looks like that Tab's effect, and the Tab still queued then moves past `label`.
    func focus(_ label: String, presses: Int = 30, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var last = ""
        for _ in 0...presses {
            // The focused line is drawn after each key; wait for the marker before judging it.
            let screen = try waitFor("▶", sourceLocation: sourceLocation)
            last = screen
            if screen.split(separator: "\n").contains(where: { line in
                // What the marker points at: the rest of the line, or up to the footer's closing ◀.
                guard let marker = line.firstIndex(of: "▶") else { return false }
                return line[line.index(after: marker)...].split(separator: "◀").first?.contains(label) == true
            }) { return }
            let before = screen
            try keys("Tab")
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, try self.screen() == before { Thread.sleep(forTimeInterval: 0.02) }
        }
        Issue.record("never focused \"\(label)\":\n\(last)", sourceLocation: sourceLocation)
        throw TimedOut()
    }
}

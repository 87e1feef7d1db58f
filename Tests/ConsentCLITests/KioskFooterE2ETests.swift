import Foundation
import Testing
import TestSupport

/// Sign out, Language and Help are on screen at every step, down to 60×20 (issue 17): a tenant who
/// cannot find Sign out walks away signed in.
@Suite(.serialized, .ownThreads) struct KioskFooterE2ETests {
    typealias Setup = KioskE2ETests.Setup

    /// The screen's last row, where the footer is.
    static func lastRow(_ screen: String, height: Int) -> String {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return lines.count >= height ? lines[height - 1] : ""
    }

    func walk(width: Int, height: Int) throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk(), width: width, height: height)
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        var screen = try tmux.waitFor("Tenancy reference")
        #expect(Self.lastRow(screen, height: height).contains("Language") && Self.lastRow(screen, height: height).contains("Help"),
                "sign-in at \(width)×\(height): no footer:\n\(screen)")
        try tmux.keys("Escape")
        try tmux.waitFor("Choose your language")
        try KioskE2ETests().firstSignIn(tmux, setup)
        // The overview and a long item screen: Sign out, Language and Help on the last row of each.
        for (item, wait) in [("", "Choose a use"), ("Mobile phone", "Managing your tenancy")] {
            if !item.isEmpty {
                try tmux.focus(item)
                try tmux.keys("Enter")
            }
            screen = try tmux.waitFor(wait)
            let footer = Self.lastRow(screen, height: height)
            for label in ["Sign out", "Language", "Help"] {
                #expect(footer.contains(label), "\(width)×\(height): \(label) is not on the last row:\n\(screen)")
            }
            #expect(screen.split(separator: "\n").allSatisfy { $0.count <= width })
        }
        // Sign out from the footer works from wherever the focus is.
        try tmux.focus("Sign out")
        try tmux.keys("Enter")
        try tmux.waitFor("Receipt number")
    }

    @Test func theFooterIsAlwaysOnScreenAtEightyByTwentyFour() throws { try walk(width: 80, height: 24) }

    @Test func theFooterIsAlwaysOnScreenAtSixtyByTwenty() throws { try walk(width: 60, height: 20) }

    @Test func helpExplainsTheKeysAndGoesBack() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        try tmux.focus("Help")
        try tmux.keys("Enter")
        try tmux.waitFor("choose with Enter")
        try tmux.keys("Escape")
        try tmux.waitFor("Tenancy reference")
    }
}

import Foundation
import Testing
import TestSupport

/// A way out of the kiosk for staff, not for tenants (issue 17): F12 twice opens a staff sign-in;
/// a wrong password ends nothing, a staff password ends the kiosk and is recorded.
@Suite(.serialized, .ownThreads) struct KioskStaffExitE2ETests {
    @Test func staffEndTheKioskWithTheirPasswordAndItIsRecorded() throws {
        let setup = try KioskE2ETests.Setup()
        defer { setup.cli.remove() }
        let add = try setup.cli.run(["staff", "add", "S100", "--name", "Sam Okafor", "--role", "support", "--password-stdin", "--db", setup.cli.db],
                                    stdin: Data("correct horse battery\n".utf8))
        #expect(add.status == 0, "\(add.stderr)")
        let tmux = try Tmux(setup.kiosk() + "; echo KIOSK-EXITED-$?", width: 80, height: 24)
        try tmux.waitFor("Choose your language")
        // One F12 is nothing; Esc leaves the staff screen.
        try tmux.keys("F12", "F12")
        try tmux.waitFor("Staff only")
        try tmux.keys("Escape")
        try tmux.waitFor("Choose your language")
        // A wrong password ends nothing.
        try tmux.keys("F12", "F12")
        try tmux.waitFor("Staff only")
        try tmux.type("S100")
        try tmux.keys("Tab")
        try tmux.type("wrong horse")
        try tmux.keys("Enter")
        try tmux.waitFor("do not match")
        #expect(!(try tmux.screen()).contains("KIOSK-EXITED"))
        try tmux.type("S100")
        try tmux.keys("Tab")
        try tmux.type("correct horse battery")
        try tmux.keys("Enter")
        try tmux.waitFor("KIOSK-EXITED-0")
        #expect(!(try tmux.history()).contains("correct horse"), "the password was echoed")
        let exits = try setup.cli.run(["staff", "kiosk-exits", "--db", setup.cli.db])
        #expect(exits.stdout.contains("S100"), "the exit is not recorded: \(exits.stdout) \(exits.stderr)")
    }
}

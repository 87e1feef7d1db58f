import ConsentCore
import ConsentStore
import Foundation
import Testing

/// Desk commands sign in the member of staff they name: a password counted as at the staff terminal,
/// or a desk session that ends fifteen minutes after `consent staff login` or at logout.
@Suite struct DeskSignInTests {
    func desk() throws -> (TestClock, TempDatabase) {
        let clock = TestClock()
        let t = try TempDatabase(clock: { clock.now })
        try t.db.addStaff("sam", name: "Sam", role: .support, password: "correct horse battery")
        try t.db.addStaff("sue", name: "Sue", role: .support, password: "battery staple horse")
        return (clock, t)
    }

    @Test func aPasswordIsCheckedAndCountedByTheTerminalsOwnRule() throws {
        let (clock, t) = try desk()
        #expect(throws: DeskSignInError.passwordNeeded(staff: "sam")) { try t.db.deskSignIn("sam", password: nil) }
        #expect(try t.db.deskSignIn("sam", password: "correct horse battery").id == "sam")
        for attempt in 1...3 {
            clock.advance(60)
            #expect(throws: DeskSignInError.refused) { try t.db.deskSignIn("sam", password: "wrong \(attempt)") }
        }
        #expect(try t.db.staffSignIn("sam", password: "correct horse battery") == .wait(seconds: 2), "the terminal sees the desk's failures")
        #expect(throws: DeskSignInError.wait(seconds: 2)) { try t.db.deskSignIn("sam", password: "correct horse battery") }
        // The asked-for password (a prompt) is checked the same way.
        clock.advance(60)
        #expect(try t.db.deskSignIn("sam", password: nil, ask: { "correct horse battery" }).id == "sam")
    }

    @Test func aSessionStandsInForItsMemberUntilItEndsOrLogout() throws {
        let (clock, t) = try desk()
        #expect(throws: DeskSignInError.refused) { try t.db.startDeskSession("sam", password: "wrong") }
        let session = try t.db.startDeskSession("sam", password: "correct horse battery")
        #expect(session.ends == clock.now.addingTimeInterval(DeskSession.lifetime))
        let file = try #require(DeskSession.file(forDatabase: t.path, staff: "sam"))
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(DeskSession.file(forDatabase: t.path, staff: "../sam") == nil, "never a path outside the folder")

        clock.advance(DeskSession.lifetime - 1)
        #expect(try t.db.deskSignIn("sam", password: nil).id == "sam")
        #expect(throws: DeskSignInError.passwordNeeded(staff: "sue")) { try t.db.deskSignIn("sue", password: nil) }
        clock.advance(1)
        #expect(throws: DeskSignInError.sessionEnded(staff: "sam")) { try t.db.deskSignIn("sam", password: nil) }
        #expect(!FileManager.default.fileExists(atPath: file))

        _ = try t.db.startDeskSession("sam", password: "correct horse battery")
        #expect(try t.db.endDeskSession("sam"))
        #expect(throws: DeskSignInError.passwordNeeded(staff: "sam")) { try t.db.deskSignIn("sam", password: nil) }
        #expect(try t.db.endDeskSession("sam") == false)
    }

    @Test func aLockedMembersSessionStopsWorking() throws {
        let (clock, t) = try desk()
        _ = try t.db.startDeskSession("sam", password: "correct horse battery")
        for attempt in 1...5 {
            clock.advance(attempt <= 3 ? 1 : 10) // past each wait, well inside the session
            _ = try t.db.staffSignIn("sam", password: "wrong \(attempt)")
        }
        #expect(try t.db.staffSignIn("sam", password: "correct horse battery") == .locked)
        #expect(throws: DeskSignInError.sessionEnded(staff: "sam")) { try t.db.deskSignIn("sam", password: nil) }
        #expect(throws: DeskSignInError.locked(staff: "sam")) { try t.db.deskSignIn("sam", password: "correct horse battery") }
    }
}

import ConsentCore
import ConsentStore
import Foundation
import GRDB
import Testing

/// What a sign-in reads and writes: only the date of birth held (never one proposed and not yet confirmed), and
/// nothing changed in the file when it succeeds with no failure to clear (ending a streak there is none of deletes
/// no row, and SQLite then writes nothing).
extension SignInTests {
    @Test func aProposedDateOfBirthSignsNoOneInUntilStaffConfirmIt() throws {
        let (t, _) = try tenantWithPIN()
        // Someone at the kiosk proposes another date of birth: it waits for evidence (`needs-evidence`).
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .correction(Catalogue.signInAttribute, .value("1980-01-02"), pending: true),
                                      actor: .tenant, channel: .kiosk))
        #expect(try t.db.signIn("T0000001", dateOfBirth: "02/01/1980", secret: "482916") == .failed, "the proposed date signed in")
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"), "the held date did not")
    }

    @Test func aSignInWithNothingToClearCommitsNothing() throws {
        let (t, _) = try tenantWithPIN()
        // Another connection to the same file sees `data_version` change when anyone else commits.
        let watcher = try DatabaseQueue(path: t.path)
        defer { try? watcher.close() }
        let version = { try watcher.inDatabase { try Int.fetchOne($0, sql: "PRAGMA data_version") ?? 0 } }
        let before = try version()
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect(try version() == before, "a sign-in with no failures before it wrote to the register")
        // A failure is written; the success after it clears it, and that is written too.
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000000") == .failed)
        let afterFailure = try version()
        #expect(afterFailure != before)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect(try version() != afterFailure)
        #expect(try t.db.kioskStreak() == SignInTally() && t.db.signInFailures("T0000001") == 0)
    }
}

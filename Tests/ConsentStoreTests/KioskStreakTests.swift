import ConsentCore
import ConsentStore
import Foundation
import Testing

/// Someone walking through references at one kiosk (issue 17): each reference fails once, so no
/// reference's own count ever slows them, but the kiosk waits longer and longer, for any reference;
/// no reference is locked by it, and a success or a staff unlock at the kiosk ends it.
extension SignInTests {
    /// Tries `count` different references once each, each wrong, and returns what came back.
    func walk(_ db: ConsentDatabase, from first: Int, count: Int) throws -> [SignInOutcome] {
        try (first..<first + count).map { try db.signIn(TenantRef(String(format: "T%07d", $0)), dateOfBirth: "01/05/1970", secret: "000000") }
    }

    @Test func walkingThroughReferencesSlowsTheKioskMoreAndMoreButLocksNoOne() throws {
        let (t, clock) = try tenantWithPIN()
        let free = KioskThrottle.freeFailures + 1 // the tenth failure in a row is free, and so is the next try
        #expect(try walk(t.db, from: 100, count: free) == Array(repeating: .failed, count: free))
        var waits: [Int] = []
        for i in 0..<4 {
            let answer = try t.db.signIn(TenantRef("T000020\(i)"), dateOfBirth: "01/05/1970", secret: "000000")
            guard case .kioskWait(let seconds) = answer else { Issue.record("no wait at the kiosk: \(answer)"); return }
            #expect(try walk(t.db, from: 300 + i, count: 1) == [.kioskWait(seconds: seconds)], "a try during the wait is not even checked")
            waits.append(seconds)
            clock.advance(TimeInterval(seconds))
            #expect(try walk(t.db, from: 400 + i, count: 1) == [.failed])
        }
        #expect(waits == [2, 4, 8, 16], "the kiosk's wait did not grow: \(waits)")
        #expect(try t.db.signInFailures("T0000001") == 0, "the tenant's own reference was never tried")
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .kioskWait(seconds: 32), "the wait is for whoever is at the kiosk")
        clock.advance(32)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"), "no tenant is locked out")
        #expect(try t.db.kioskStreak() == SignInTally(), "a success at the kiosk ends its streak")
        #expect(try walk(t.db, from: 500, count: 1) == [.failed])
    }

    @Test func aStaffUnlockAtTheKioskEndsItsStreak() throws {
        let (t, clock) = try tenantWithPIN()
        _ = try walk(t.db, from: 100, count: KioskThrottle.freeFailures + 1)
        #expect(try walk(t.db, from: 200, count: 1) == [.kioskWait(seconds: 2)])
        try t.db.unlockSignIn("T0000001", by: .staff(StaffID("S001"), verification: "in-person", reason: "unlock"), channel: .system)
        #expect(try walk(t.db, from: 300, count: 1) == [.failed])
        // After a quiet quarter of an hour a new streak starts.
        _ = try walk(t.db, from: 400, count: KioskThrottle.freeFailures)
        clock.advance(TimeInterval(KioskThrottle.forgetSeconds))
        #expect(try walk(t.db, from: 500, count: 1) == [.failed])
        #expect(try t.db.kioskStreak().failures == 1)
    }
}

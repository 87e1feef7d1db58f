import ConsentCore
import ConsentStore
import Foundation
import Testing
import TestSupport

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_790_000_000)
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

@Suite struct SignInTests {
    func tenantWithPIN() throws -> (TempDatabase, TestClock) {
        let clock = TestClock()
        let t = try TempDatabase(clock: { clock.now })
        try t.db.record(register("T0000001", annValues))
        try t.db.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        return (t, clock)
    }

    @Test func rightDetailsSignIn() throws {
        let (t, _) = try tenantWithPIN()
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect(try t.db.signIn("T0000001", dateOfBirth: "1970-05-01", secret: "482916") == .signedIn("T0000001"))
    }

    @Test func wrongPINWrongBirthDateAndUnknownTenantLookTheSame() throws {
        let (t, _) = try tenantWithPIN()
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000000") == .failed)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "02/05/1970", secret: "482916") == .failed)
        #expect(try t.db.signIn("T9999999", dateOfBirth: "01/05/1970", secret: "482916") == .failed)
    }

    @Test func delayFromTheThirdFailureAndLockAfterFiveSurvivingRestart() throws {
        let (t, clock) = try tenantWithPIN()
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000001") == .failed)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000002") == .failed)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000003") == .failed)
        // After the third failure, a wait of 2 s; an attempt during it is not even checked.
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .wait(seconds: 2))
        clock.advance(2)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000004") == .failed)
        clock.advance(1)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .wait(seconds: 3))
        // Failures are in the database: a new process sees them.
        let reopened = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, clock: { clock.now }, key: t.key)
        #expect(try reopened.signInFailures("T0000001") == 4)
        clock.advance(4)
        #expect(try reopened.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000005") == .locked)
        clock.advance(600)
        #expect(try reopened.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .locked, "even the right PIN")
        try reopened.unlockSignIn("T0000001", by: .staff(StaffID("S001"), verification: "in-person", reason: "unlock"), channel: .system)
        #expect(try reopened.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        let history = try reopened.tenantRecord("T0000001").history.map(\.event)
        #expect(history.last?.payload == .credentialChange("unlocked"))
        #expect(history.last?.actor == .staff(StaffID("S001"), verification: "in-person", reason: "unlock"))
    }

    @Test func aLockRunsOutAfterAQuarterOfAnHourForOneTryAtATime() throws {
        let (t, clock) = try tenantWithPIN()
        for attempt in 1...5 {
            _ = try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "00000\(attempt)")
            clock.advance(8)
        }
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .locked)
        clock.advance(900)
        // One more wrong try locks it again at once; the right one signs in and forgets the failures.
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "000009") == .locked)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .locked)
        clock.advance(900)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect(try t.db.signInFailures("T0000001") == 0)
    }

    @Test func anUnknownReferenceGetsTheSameAnswersAtTheSameTriesAsARealOne() throws {
        let (t, clock) = try tenantWithPIN()
        func answers(_ ref: TenantRef) throws -> [SignInOutcome] {
            var out: [SignInOutcome] = []
            for attempt in 1...12 where out.last != .locked {
                out.append(try t.db.signIn(ref, dateOfBirth: "01/05/1970", secret: "00000\(attempt % 10)"))
                if case .wait(let seconds) = out.last { clock.advance(TimeInterval(seconds)) }
            }
            return out
        }
        let real = try answers("T0000001")
        let unknown = try answers("T9999999")
        #expect(real == unknown)
        #expect(real.contains(.wait(seconds: 2)) && real.last == .locked, "\(real)")
    }

    @Test func oneTimeCodeThenFirstPIN() throws {
        let clock = TestClock()
        let t = try TempDatabase(clock: { clock.now })
        try t.db.record(register("T0000001", annValues))
        let code = try t.db.issueSignInCode("T0000001", by: .staff(StaffID("S001"), verification: nil, reason: nil), channel: .system)
        #expect(code.count == 8)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: code) == .failed, "a code is not a PIN")
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: code, usingCode: true) == .signedIn("T0000001"))
        #expect(try t.db.setFirstPIN("010570", for: "T0000001") == .dateOfBirth)
        #expect(try t.db.setFirstPIN("123456", for: "T0000001") == .common)
        #expect(try t.db.setFirstPIN("48291", for: "T0000001") == .format)
        #expect(try t.db.setFirstPIN("482916", for: "T0000001") == nil)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: code, usingCode: true) == .failed, "the code is spent")
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
    }

    @Test func expiredCodeIsRefused() throws {
        let clock = TestClock()
        let t = try TempDatabase(clock: { clock.now })
        try t.db.record(register("T0000001", annValues))
        let code = try t.db.issueSignInCode("T0000001", by: .staff(StaffID("S001"), verification: nil, reason: nil), channel: .system)
        clock.advance(8 * 86_400)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: code, usingCode: true) == .failed)
    }

    @Test(arguments: ["010570", "050170", "700501", "197005", "051970", "111111", "123456", "654321", "890123", "12345a"])
    func pinPolicyRefuses(_ pin: String) {
        #expect(PINPolicy.problem(pin, dateOfBirth: "1970-05-01") != nil)
    }

    @Test func pinPolicyAcceptsOrdinaryPINs() {
        for pin in ["482916", "730265", "159482"] { #expect(PINPolicy.problem(pin, dateOfBirth: "1970-05-01") == nil) }
    }
}

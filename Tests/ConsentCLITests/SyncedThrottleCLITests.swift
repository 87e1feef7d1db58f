import ConsentCore
import ConsentStore
import Foundation
import Testing
import TestSupport

/// Failed kiosk sign-ins reach the other kiosks through a real `consent serve` on 127.0.0.1: a
/// reference locked at one kiosk is locked at the next one too, a reference that is no one's exactly
/// alike (or the second kiosk would tell them apart), and a staff unlock at one kiosk lifts it at all.
@Suite(.serialized, .ownThreads) struct SyncedThrottleCLITests {
    /// A clock the test moves past each wait, as a patient stranger would.
    final class StepClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date()
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    }

    static let refs = ["T0000001", "T9999999"] // a tenant's, and no one's

    @Test(arguments: Backend.allCases) func aReferenceLockedAtOneKioskIsLockedAtTheOtherAlikeForStrangers(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let content = try #require(VaultCLITests.content)
        let (centre, server, a) = try SyncCLITests.servedKiosk(cli, backend, tenants: 5)
        let b = try SyncCLITests().enrolKiosk(cli, "kiosk-b", server: server, centre: centre)
        #expect(try cli.run(["sync", "--db", b]).status == 0)

        // At kiosk A, wrong details with each reference until it locks, waiting out each delay.
        let clock = StepClock()
        let kioskA = try ConsentDatabase.open(at: a, validator: content.validator, clock: { clock.now })
        for ref in Self.refs {
            var answers: [SignInOutcome] = []
            while answers.last != .locked && answers.count < 12 {
                let answer = try kioskA.signIn(TenantRef(ref), dateOfBirth: "01/01/1970", secret: "000000")
                if case .wait(let seconds) = answer { clock.advance(TimeInterval(seconds)) } else { answers.append(answer) }
            }
            #expect(answers == [.failed, .failed, .failed, .failed, .locked], "\(ref) at kiosk A: \(answers)")
        }
        try kioskA.close()

        func atKioskB(_ body: (ConsentDatabase) throws -> Void) throws {
            let kioskB = try ConsentDatabase.open(at: b, validator: content.validator)
            defer { try? kioskB.close() }
            try body(kioskB)
        }
        try atKioskB { db throws in
            for ref in Self.refs { #expect(try db.signInFailures(TenantRef(ref)) == 0, "kiosk B knew of \(ref) before any sync") }
        }
        for kiosk in [a, b] {
            let sync = try cli.run(["sync", "--db", kiosk])
            #expect(sync.status == 0, "\(sync.stderr)")
        }
        try atKioskB { db throws in
            let answers = try Self.refs.map { try db.signIn(TenantRef($0), dateOfBirth: "01/01/1970", secret: "000000") }
            #expect(answers == [.locked, .locked], "kiosk B did not learn of the failures at kiosk A: \(answers)")
        }

        // Staff unlock the tenant at kiosk A; after a sync, kiosk B lets the tenant try again. The
        // reference that is no one's stays locked until its lock runs out.
        let unlock = try cli.run(["staff", "unlock", "T0000001", "--staff", "S1", "--password-stdin", "--db", a],
                                 stdin: Data("correct horse battery\n".utf8))
        #expect(unlock.status == 0, "\(unlock.stderr)")
        for kiosk in [a, b] { #expect(try cli.run(["sync", "--db", kiosk]).status == 0) }
        try atKioskB { db throws in
            #expect(try db.signIn(TenantRef("T0000001"), dateOfBirth: "01/01/1970", secret: "000000") == .failed, "the unlock did not reach kiosk B")
            #expect(try db.signIn(TenantRef("T9999999"), dateOfBirth: "01/01/1970", secret: "000000") == .locked)
        }
    }
}

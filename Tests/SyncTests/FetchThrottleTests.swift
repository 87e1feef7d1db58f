import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// How a kiosk is held back when it asks for a tenant it does not hold (fetch on demand), as a person at
/// it sees it, over a real HTTP server on 127.0.0.1, both centres: the centre says whether it is a wait or
/// a lock (its `SignInThrottle` decides, not a threshold of the kiosk's), and a failure the centre
/// counted is not counted again at the kiosk, so the reference locks after exactly the rule's number.
@Suite struct FetchThrottleTests {
    typealias Offices = OfficeSyncTests.Offices
    static let visitor = FetchOnDemandTests.visitor
    static let wrongBirth = "04/02/1980"

    /// Whether the kiosk shows the lock message (and no countdown).
    static func showsLock(_ kiosk: FetchKiosk) -> Bool {
        kiosk.model.state.message?.key.hasPrefix("kiosk.sign-in.locked") == true && kiosk.model.signInWait(now: kiosk.clock()) == nil
    }

    @Test(arguments: Backend.allCases)
    func aLockWithLessThanAMinuteLeftIsShownAsALockNotACountdown(backend: Backend) async throws {
        let offices = try await FetchOnDemandTests.make(backend)
        let south = offices.south, clock = offices.net.clocks[0]
        try await FetchOnDemandTests.serve(offices) { _, centre in
            // Five wrong dates of birth asked of the centre lock the reference there for a quarter of an hour.
            for failures in 0..<SignInThrottle.lockAfter {
                await FetchOnDemandTests.pass(SignInThrottle.delay(afterFailures: failures), clock, backend)
                #expect(await FetchKiosk.fetch(centre, Self.visitor, dateOfBirth: "1999-01-01") == .notFound)
            }
            // Half a minute before the lock lifts, the tenant types the right details at the kiosk.
            clock.advance(by: Double(SignInThrottle.lockSeconds - 30))
            let kiosk = FetchKiosk(south, centre: centre, clock: { clock.read() })
            await kiosk.signIn(Self.visitor, dateOfBirth: "03/02/1980", pin: "482913")
            #expect(Self.showsLock(kiosk), "a lock with 30 s left is shown as a wait: \(kiosk.text)")
            let fetched = try south.tenantState(Self.visitor)
            #expect(fetched == nil)

            // A short wait (after the third failure) is counted down, as the centre says.
            await FetchOnDemandTests.pass(60, clock, backend)
            for failures in 0..<3 {
                await FetchOnDemandTests.pass(SignInThrottle.delay(afterFailures: failures), clock, backend)
                #expect(await FetchKiosk.fetch(centre, "Q0000002", dateOfBirth: "1999-01-01") == .notFound)
            }
            let waiting = FetchKiosk(south, centre: centre, clock: { clock.read() })
            await waiting.signIn("Q0000002", dateOfBirth: "01/01/1999", pin: "482913")
            #expect(waiting.model.signInWait(now: clock.read()) != nil && !Self.showsLock(waiting), "\(waiting.text)")
        }
    }

    @Test(arguments: Backend.allCases)
    func aMissTheCentreCountedIsNotCountedAgainAtTheKioskSoTheLockComesAfterExactlyFive(backend: Backend) async throws {
        let offices = try await FetchOnDemandTests.make(backend)
        let south = offices.south, clock = offices.net.clocks[0]
        try await FetchOnDemandTests.serve(offices) { _, centre in
            // Someone types the visitor's reference with wrong dates of birth; the kiosk syncs in between, as it does.
            for attempt in 1...SignInThrottle.lockAfter {
                let kiosk = FetchKiosk(south, centre: centre, clock: { clock.read() })
                await kiosk.signIn(Self.visitor, dateOfBirth: Self.wrongBirth, pin: "482913")
                _ = try await centre.client.syncOnce()
                if attempt < SignInThrottle.lockAfter {
                    #expect(!Self.showsLock(kiosk) && kiosk.words.contains(FetchKiosk.failedText), "locked after \(attempt) failures: \(kiosk.text)")
                    #expect(try south.signInFailures(Self.visitor) == attempt, "after \(attempt) failures")
                } else {
                    #expect(Self.showsLock(kiosk), "not locked after \(attempt) failures: \(kiosk.text)")
                }
                if attempt < SignInThrottle.lockAfter { await FetchOnDemandTests.pass(SignInThrottle.delay(afterFailures: attempt), clock, backend) }
            }
            // The next try, right details and all, is locked.
            let kiosk = FetchKiosk(south, centre: centre, clock: { clock.read() })
            await kiosk.signIn(Self.visitor, dateOfBirth: "03/02/1980", pin: "482913")
            #expect(Self.showsLock(kiosk), "\(kiosk.text)")
        }
        try await offices.sync(offices.north)
        #expect(try offices.north.signInFailures(Self.visitor) == SignInThrottle.lockAfter, "every kiosk counts each failure once")
        #expect(try offices.south.signInFailures(Self.visitor) == SignInThrottle.lockAfter)
    }
}

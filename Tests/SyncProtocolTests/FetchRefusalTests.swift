import ConsentCore
import Foundation
import SyncProtocol
import Testing

/// A throttled fetch's refusal says whether it is a wait or a lock, as the centre's throttle decided,
/// through the 429 body (`hold`); a body from an older centre without it falls back to the kiosk's old
/// rule (a wait under a minute, a lock from then on).
@Suite struct FetchRefusalTests {
    static func roundTrip(_ refusal: TenantFetchRefusal) throws -> TenantFetchRefusal? {
        let body = try JSONDecoder().decode(ErrorBody.self, from: JSONEncoder().encode(ErrorBody(.fetchRefused(refusal))))
        guard case .fetchRefused(let back) = body.refusal else { return nil }
        return back
    }

    @Test func theCentresWaitOrLockCrossesTheWireWhateverItsLength() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        // A lock with half a minute left is a lock; a wait is a wait.
        let lock = try #require(TenantFetchCheck.refusal(reference: SignInTally(failures: 5, lastAt: now.addingTimeInterval(-870)), device: SignInTally(), now: now))
        #expect(try Self.roundTrip(lock)?.bar == .locked(seconds: 30))
        let wait = try #require(TenantFetchCheck.refusal(reference: SignInTally(failures: 4, lastAt: now), device: SignInTally(), now: now))
        #expect(try Self.roundTrip(wait)?.bar == .wait(seconds: 4))
        // A device that failed too often is locked out for the rest of its window, even with seconds left.
        let device = try #require(TenantFetchCheck.refusal(reference: SignInTally(), device: SignInTally(failures: 10, lastAt: now.addingTimeInterval(-890)),
                                                           now: now))
        #expect(try Self.roundTrip(device)?.bar == .locked(seconds: 10))
    }

    @Test func anOlderCentresBodyWithoutAHoldFallsBackToAWaitUnderAMinute() throws {
        for (seconds, bar) in [(30, SignInThrottle.Bar.wait(seconds: 30)), (59, .wait(seconds: 59)), (60, .locked(seconds: 60)), (900, .locked(seconds: 900))] {
            let old = ErrorBody(error: "tenant-not-sent", message: "too many failed fetches", detail: "throttled \(seconds)")
            guard case .fetchRefused(let refusal) = old.refusal else { Issue.record("\(old.refusal)"); continue }
            #expect(refusal.hold == nil && refusal.bar == bar, "\(seconds) s")
        }
        #expect(TenantFetchRefusal.notFound.bar == nil)
    }
}

import ConsentCore
import Foundation
import Testing

/// The kiosk's own throttle: failures in a row with any references slow that kiosk, growing, but only
/// ever as a wait of at most a minute; a quiet quarter of an hour forgets the streak.
@Suite struct KioskThrottleTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func waitsGrowAfterTenFailuresInARowAndStopAtAMinute() {
        #expect((1...18).map(KioskThrottle.delay(afterFailures:)) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60])
        #expect(KioskThrottle.bar(SignInTally(failures: 10, lastAt: now), now: now) == nil)
        #expect(KioskThrottle.bar(SignInTally(failures: 11, lastAt: now - 1), now: now) == 1)
        #expect(KioskThrottle.bar(SignInTally(failures: 13, lastAt: now - 3), now: now) == 5)
        #expect(KioskThrottle.bar(SignInTally(failures: 500, lastAt: now), now: now) == 60, "a kiosk is slowed, never closed")
        #expect(KioskThrottle.bar(SignInTally(), now: now) == nil)
    }

    @Test func aStreakCountsOnAndIsForgottenAfterAQuietQuarterOfAnHour() {
        var streak = SignInTally()
        for i in 0..<12 { streak = KioskThrottle.after(streak, failureAt: now + Double(i)) }
        #expect(streak == SignInTally(failures: 12, lastAt: now + 11))
        #expect(KioskThrottle.after(streak, failureAt: now + 11 + 899).failures == 13)
        #expect(KioskThrottle.after(streak, failureAt: now + 11 + 900) == SignInTally(failures: 1, lastAt: now + 911))
    }
}

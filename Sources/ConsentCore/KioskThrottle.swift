import Foundation

/// How one kiosk is slowed when sign-ins keep failing there with many different references (someone
/// walking through references, which ``SignInThrottle``'s count per reference never sees). Pure,
/// tested without a clock; the kiosk keeps its streak (a ``SignInTally`` of its own), beside the counts per reference.
///
/// The first ``freeFailures`` failures in a row cost nothing (several tenants' slips); after that
/// each failure makes the next try at this kiosk wait 2 s, 4 s, 8 s… up to ``maxWaitSeconds``. It is
/// only ever a wait at this kiosk, for whoever stands there: no reference is locked by it, so no tenant
/// is kept out for longer. A successful sign-in or a staff unlock at the kiosk ends the streak, and
/// a streak with no failure for ``forgetSeconds`` starts afresh.
///
/// ```swift
/// KioskThrottle.bar(SignInTally(failures: 11, lastAt: now - 1), now: now)  // 3 (seconds)
/// ```
public enum KioskThrottle {
    /// Failures in a row at one kiosk before it waits.
    public static let freeFailures = 10
    /// The longest wait: a kiosk is slowed, never closed.
    public static let maxWaitSeconds = 60
    /// After this long without a failure, a streak is forgotten.
    public static let forgetSeconds = 900

    /// Seconds the kiosk waits after `failures` failures in a row: none for the first ``freeFailures``,
    /// then 2, 4, 8… up to ``maxWaitSeconds``.
    public static func delay(afterFailures failures: Int) -> Int {
        failures <= freeFailures ? 0 : min(1 << min(failures - freeFailures, 6), maxWaitSeconds)
    }

    /// Seconds still to wait at the kiosk at `now`, or nil when a sign-in may be tried.
    public static func bar(_ streak: SignInTally, now: Date) -> Int? {
        guard let last = streak.lastAt else { return nil }
        // A streak dated ahead (the clock set back since) counts as made now: no wait outlasts the rule's.
        let left = delay(afterFailures: streak.failures) - Int((max(0, now.timeIntervalSince(last)) * 1000).rounded() / 1000)
        return left > 0 ? left : nil
    }

    /// The streak after one more failure at `now`: counted on, or begun again when the last failure
    /// was ``forgetSeconds`` ago or more.
    public static func after(_ streak: SignInTally, failureAt now: Date) -> SignInTally {
        guard let last = streak.lastAt, now.timeIntervalSince(last) < TimeInterval(forgetSeconds) else {
            return SignInTally(failures: 1, lastAt: now)
        }
        return SignInTally(failures: streak.failures + 1, lastAt: max(last, now))
    }
}

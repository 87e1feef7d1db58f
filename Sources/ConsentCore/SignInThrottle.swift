import Foundation

/// How sign-in attempts with one reference are slowed: the same for a reference that is a tenant's
/// and one that is no one's, so the answers tell a stranger nothing. Pure, tested without a clock.
///
/// No wait after the first two failures; then 2 s, 4 s, 8 s…; from the fifth the reference is locked
/// for ``lockSeconds``: staff can unlock it at once, and without them it opens again by itself, for one
/// try at a time. A stranger who types a tenant's reference with guesses therefore keeps the tenant
/// out for a quarter of an hour per guess at most, never for good.
///
/// ```swift
/// SignInThrottle.bar(SignInTally(failures: 3, lastAt: now - 1), now: now)  // .wait(seconds: 1)
/// ```
public enum SignInThrottle {
    /// Failures after which the reference is locked.
    public static let lockAfter = 5
    /// How long a lock lasts unless staff unlock it sooner.
    public static let lockSeconds = 900

    /// What earlier failures bar now.
    public enum Bar: Equatable, Sendable {
        /// A wait still to run before the next try.
        case wait(seconds: Int)
        /// Locked: ask staff, or try again after this many seconds.
        case locked(seconds: Int)
    }

    /// Seconds barred after `failures` failures: none for the first two, then 2, 4, 8…, then the lock.
    public static func delay(afterFailures failures: Int) -> Int {
        failures >= lockAfter ? lockSeconds : failures < 3 ? 0 : 1 << (failures - 2)
    }

    /// What `tally` bars at `now`, or nil when a sign-in may be tried.
    public static func bar(_ tally: SignInTally, now: Date) -> Bar? {
        guard tally.failures > 0, let last = tally.lastAt else { return nil }
        // A failure dated ahead of this clock (a device whose clock is or was ahead) counts as made now:
        // no lock lasts longer than the rule's, whatever another side's clock said.
        let left = delay(afterFailures: tally.failures) - Int((max(0, now.timeIntervalSince(last)) * 1000).rounded() / 1000)
        guard left > 0 else { return nil }
        return tally.failures >= lockAfter ? .locked(seconds: left) : .wait(seconds: left)
    }
}

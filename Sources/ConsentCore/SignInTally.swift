import Foundation

/// Failed sign-ins counted together, and when the latest was. Two counts use it: one tenancy
/// reference's failures over every kiosk since its last successful sign-in or staff unlock
/// (``SignInThrottle``), and one kiosk's failures in a row whatever the references, its streak
/// (``KioskThrottle``).
public struct SignInTally: Equatable, Sendable {
    public var failures: Int
    /// The latest of those failures, wherever it happened.
    public var lastAt: Date?

    public init(failures: Int = 0, lastAt: Date? = nil) {
        self.failures = failures
        self.lastAt = lastAt
    }
}

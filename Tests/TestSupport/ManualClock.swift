import Foundation
import Synchronization

/// A clock a test moves by hand, shared by what it drives (a database, a server) and the test.
public final class ManualClock: Sendable {
    private let now: Mutex<Date>
    /// A clock reading `start`.
    public init(_ start: Date) { now = Mutex(start) }
    /// The time now.
    public func read() -> Date { now.withLock { $0 } }
    /// Moves the clock on by `seconds`.
    public func advance(by seconds: TimeInterval) { now.withLock { $0 += seconds } }
    /// Sets the clock to `date`.
    public func set(_ date: Date) { now.withLock { $0 = date } }
}

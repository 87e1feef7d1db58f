import Foundation
import Synchronization

/// Counts one route's requests per authenticated device in fixed windows (`ServerLimits.window`): past
/// `limit` in a window, the device is answered 429 until the window ends. A device's own credential
/// cannot make the centre do unbounded work on a costly route (`POST /v1/disclosures`: each exchange
/// may name 50,000 tenants and is written in one transaction). Counts live in memory and start afresh
/// with each window, so they hold at most one entry per device that used the route in it.
final class DeviceRequestWindow: Sendable {
    private struct Counts {
        var started: Date
        var byDevice: [String: Int] = [:]
    }
    private let limit: Int
    private let window: TimeInterval
    private let now: @Sendable () -> Date
    private let counts: Mutex<Counts>

    /// At most `limit` requests per device every `window`, by the clock `now`.
    init(limit: Int, window: Duration, now: @escaping @Sendable () -> Date) {
        self.limit = limit
        self.window = max(Double(window.components.seconds), 1)
        self.now = now
        counts = Mutex(Counts(started: now()))
    }

    /// Counts one request of `device`; nil when it may go on, else the whole seconds until its window ends.
    func admit(_ device: String) -> Int? {
        let at = now()
        return counts.withLock { counts in
            if at.timeIntervalSince(counts.started) >= window || at < counts.started { counts = Counts(started: at) }
            let used = (counts.byDevice[device] ?? 0) + 1
            counts.byDevice[device] = used
            guard used > limit else { return nil }
            return max(1, Int((window - at.timeIntervalSince(counts.started)).rounded(.up)))
        }
    }
}

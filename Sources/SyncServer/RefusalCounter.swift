import Foundation

/// Counts refused requests of unauthenticated callers per source address, in windows aligned to
/// the clock (every minute on the minute by default), and says when an address has had enough:
/// past `limit` refusals in a window, every request from it waits for the next window. Each
/// address's window is then one summary for the audit log, however many requests it made.
///
/// A value with time passed in, so the rules are tested without a clock or a server.
struct RefusalCounter: Sendable {
    /// What one address did in one window.
    struct Tally: Equatable, Sendable {
        /// Refusals that reached the store, by `ErrorBody` code.
        var refused: [String: Int] = [:]
        /// Requests answered 429 without reaching the store.
        var throttled = 0
        var refusals: Int { refused.values.reduce(0, +) }
    }

    /// One address's window, for the audit log.
    struct Summary: Equatable, Sendable {
        var address: String
        var start: Date
        var end: Date
        var tally: Tally
    }

    /// Where refusals from addresses past `maxAddresses` in one window are added up.
    static let otherAddresses = "(other addresses)"

    let limit: Int
    let window: TimeInterval
    let maxAddresses: Int
    private var start: Date?
    private var tallies: [String: Tally] = [:]
    private var ended: [Summary] = []

    init(limit: Int, window: TimeInterval, maxAddresses: Int) {
        self.limit = limit
        self.window = max(window, 0.001)
        self.maxAddresses = maxAddresses
    }

    /// nil when a request from `address` may go on; else the whole seconds until its window ends
    /// (the request is counted as throttled).
    mutating func admit(_ address: String, now: Date) -> Int? {
        advance(to: now)
        guard let start, let tally = tallies[address], tally.refusals >= limit else { return nil }
        tallies[address]?.throttled += 1
        return max(1, Int((start.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
    }

    /// Counts one refusal of a request from `address`.
    mutating func refused(_ address: String, code: String, now: Date) {
        advance(to: now)
        let key = tallies[address] != nil || tallies.count < maxAddresses ? address : Self.otherAddresses
        tallies[key, default: Tally()].refused[code, default: 0] += 1
    }

    /// The windows that have ended by `now`, one summary per address; each is given once.
    mutating func takeEnded(now: Date) -> [Summary] {
        advance(to: now)
        defer { ended = [] }
        return ended
    }

    /// Every window counted so far, the current one too (when the server stops).
    mutating func takeAll(now: Date) -> [Summary] {
        advance(to: now)
        closeCurrent()
        defer { ended = [] }
        return ended
    }

    private mutating func advance(to now: Date) {
        let current = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / window).rounded(.down) * window)
        if current != start {
            closeCurrent()
            start = current
        }
    }

    private mutating func closeCurrent() {
        guard let start else { return }
        let end = start.addingTimeInterval(window)
        ended += tallies.sorted { $0.key < $1.key }.map { Summary(address: $0.key, start: start, end: end, tally: $0.value) }
        tallies = [:]
    }
}

extension RefusalCounter.Summary {
    /// The audit log's line for this window.
    var auditText: String {
        let codes = tally.refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var text = "unauthenticated requests from \(address) refused between \(start.ISO8601Format()) and \(end.ISO8601Format()): "
            + "\(tally.refusals) (\(codes))"
        if tally.throttled > 0 { text += "; \(tally.throttled) more answered 429 (throttled)" }
        return text
    }
}

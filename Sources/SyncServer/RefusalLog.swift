import CentralStore
import Foundation
import Logging
import ServiceLifecycle

/// The server's count of unauthenticated refusals: it throttles an address past the limit and
/// writes one audit row per address per window, so a flood of bad requests costs no durable
/// write per request (a refusal of an authenticated device is audited at once, with its id).
actor RefusalLog {
    private var counter: RefusalCounter
    private let store: any CentralStore
    private let logger: Logger
    private let now: @Sendable () -> Date

    init(limits: ServerLimits, store: any CentralStore, logger: Logger, now: @escaping @Sendable () -> Date) {
        counter = RefusalCounter(limit: limits.refusalsPerWindow, window: limits.window.seconds, maxAddresses: limits.maxAddresses)
        self.store = store
        self.logger = logger
        self.now = now
    }

    /// nil when a request from `address` may go on, else the seconds it must wait.
    func admit(_ address: String) -> Int? { counter.admit(address, now: now()) }

    /// Counts a refused request of an unauthenticated caller.
    func refused(_ address: String, code: String) { counter.refused(address, code: code, now: now()) }

    /// Writes the windows that have ended (or, when the server stops, every window) to the audit log.
    func flush(all: Bool = false) async {
        let summaries = all ? counter.takeAll(now: now()) : counter.takeEnded(now: now())
        for summary in summaries {
            logger.notice("refused", metadata: ["address": "\(summary.address)", "refused": "\(summary.tally.refusals)",
                                                "throttled": "\(summary.tally.throttled)"])
            await store.audit(device: nil, what: summary.auditText)
        }
    }
}

/// Runs beside the server: writes each ended window of refusals to the audit log within a second
/// of its end, and what is left when the server stops.
struct RefusalAuditService: Service {
    let log: RefusalLog

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                await log.flush()
            }
        }
        await log.flush(all: true)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: TimeInterval {
        let (whole, fraction) = components
        return TimeInterval(whole) + TimeInterval(fraction) / 1e18
    }
}

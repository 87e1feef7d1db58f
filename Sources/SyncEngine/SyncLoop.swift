import ConsentStore
import Foundation

/// Sync rounds until cancelled: one every `interval` seconds, the wait doubling (up to five
/// minutes) while rounds fail, so an office without network costs nothing and recovers by itself.
/// Used by `consent sync --watch` and in the background of the kiosk and staff apps, where it
/// never touches the screen: each round's outcome goes to `onRound`, and the last success is in
/// the database (`syncStatus().lastSyncedAt`) for a "last synced" indicator.
public struct SyncLoop: Sendable {
    public let database: ConsentDatabase
    /// The client for the next round; setting up its connection can fail like a round (a
    /// certificate authority file that has gone), and is retried like one.
    let connect: @Sendable () throws(SyncFailure) -> SyncClient
    public var interval: Double
    public var maxInterval: Double = 300
    /// Longest wait while the centre answers that it has moved (see `nextDelay`).
    public var movedInterval: Double = 30

    public init(client: SyncClient, interval: Double) {
        database = client.database
        connect = { client }
        self.interval = interval
    }

    init(database: ConsentDatabase, interval: Double, connect: @escaping @Sendable () throws(SyncFailure) -> SyncClient) {
        self.database = database
        self.connect = connect
        self.interval = interval
    }

    /// Runs until the task is cancelled. Each round's outcome is also kept in the database
    /// (`syncStatus().problem`), so a terminal's header and `consent sync --status` can say why
    /// syncing fails.
    public func run(onRound: @Sendable (Result<SyncReport, SyncFailure>, _ nextInSeconds: Double) -> Void = { _, _ in }) async {
        var delay = interval
        while !Task.isCancelled {
            let round: Result<SyncReport, SyncFailure>
            do throws(SyncFailure) { round = .success(try await connect().syncOnce()) } catch { round = .failure(error) }
            delay = nextDelay(after: round, previous: delay)
            try? database.recordSyncProblem(round.failureDescription)
            onRound(round, delay)
            try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
        }
    }

    /// The wait before the next round: the interval after a success; after a failure, twice the last
    /// wait, up to `maxInterval`, except that a centre that has moved to PostgreSQL, or is busy with a
    /// long write, is tried again within `movedInterval` (it serves again soon at the same address, and
    /// the device should not sit out a five-minute backoff once it does).
    public func nextDelay(after round: Result<SyncReport, SyncFailure>, previous: Double) -> Double {
        switch round {
        case .success: interval
        case .failure(.refused(.moved)), .failure(.refused(.busy)): min(previous * 2, max(interval, movedInterval))
        case .failure: min(previous * 2, maxInterval)
        }
    }

    /// Starts background sync for a database enrolled with a centre; nil when it is not enrolled.
    /// While the connection cannot even be set up (its certificate authority file, checked at
    /// enrolment, has gone), those rounds fail, back off and are recorded like any other.
    public static func background(_ database: ConsentDatabase, every interval: Double) -> Task<Void, Never>? {
        guard interval > 0, let settings = try? database.syncSettings(), let url = URL(string: settings.server) else { return nil }
        let loop = SyncLoop(database: database, interval: interval) { () throws(SyncFailure) in
            SyncClient(database: database, transport: try HTTPTransport(server: url, device: database.device.rawValue,
                                                                        secret: settings.secret, caFile: settings.caFile))
        }
        return Task.detached(priority: .background) { await loop.run() }
    }
}

extension Result where Failure == SyncFailure {
    /// What went wrong, or nil for a success.
    var failureDescription: String? {
        if case .failure(let failure) = self { failure.description } else { nil }
    }
}

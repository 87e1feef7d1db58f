import ConsentCore
import ConsentVault
import Crypto
import Foundation
import GRDB
import SyncProtocol

/// Where a device syncs to and what it has exchanged so far.
public struct SyncSettings: Codable, Equatable, Sendable {
    /// The centre's base URL, such as `https://consent.example.org:8443`.
    public var server: String
    /// The credential the centre issued at enrolment.
    public var secret: String
    /// The certificate authority (PEM file) the centre's TLS certificate is checked against, when not
    /// the system's.
    public var caFile: String?
    public init(server: String, secret: String, caFile: String? = nil) {
        self.server = server
        self.secret = secret
        self.caFile = caFile
    }
}

/// How a device stands with its centre, for the "last synced" indicator and `consent sync --status`.
public struct SyncStatus: Codable, Equatable, Sendable {
    /// Events made here that the centre has not acknowledged.
    public var unsent: Int
    /// The central sequence this device has pulled up to.
    public var cursor: Int64
    /// When a sync last completed, if ever.
    public var lastSyncedAt: Date?
    /// Decisions where a grant lost to a withdrawal and staff must re-confirm.
    public var conflicts: Int
    /// Why the last sync round failed, if it did (cleared by the next that succeeds).
    public var problem: String?
}

/// What one pushed batch's acknowledgement did here.
public struct Acknowledgement: Equatable, Sendable {
    public var acknowledged = 0
    public var overridden = 0
    /// Events the centre refused, with its reasons; they stay unsent.
    public var rejected: [String] = []
}

/// What applying one pulled page did here.
public struct PulledPage: Equatable, Sendable {
    public var stored = 0
    /// Events already here (this device's own, or a page pulled again after a crash).
    public var alreadyHere = 0
    /// Decisions where a withdrawal stood over a grant.
    public var overridden = 0
    /// Tenants forgotten because they left this device's office.
    public var forgotten = 0
}

extension ConsentDatabase {
    private func meta(_ key: String) throws(StoreError) -> String? {
        try read { db in try Self.meta(db, key) }
    }

    /// A `meta` entry, read in a transaction already open.
    static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    /// Sets a `meta` entry, or removes it for nil.
    static func setMeta(_ db: Database, _ key: String, _ value: String?) throws {
        if let value {
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
        } else {
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
        }
    }

    /// Where a device keeps the private key it signs its chain heads with (mode 0600, beside the
    /// database; not in it, so a copy of the database cannot sign for the device).
    public static func signingKeyPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return (url.pathExtension.isEmpty ? path : url.deletingPathExtension().path) + ".device-signing.key"
    }

    /// This device's signing key, made on first use.
    public func signingKey() throws(StoreError) -> Curve25519.Signing.PrivateKey {
        let raw = try KeyFile.loadOrCreateSecret(Self.signingKeyPath(for: path), bytes: 32, header: """
            # TenantConsent device signing key (Ed25519) for \(device). Signs this device's chain heads for the centre.
            # Keep it with this device only; a lost key means enrolling the device again.

            """)
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: raw) } catch {
            throw .notAKeyFile(path: Self.signingKeyPath(for: path))
        }
    }

    /// The centre this device is enrolled with, if any.
    public func syncSettings() throws(StoreError) -> SyncSettings? {
        guard let server = try meta("sync_server"), let secret = try meta("sync_secret") else { return nil }
        return SyncSettings(server: server, secret: secret, caFile: try meta("sync_ca_file"))
    }

    /// Records the enrolment: the centre and the credential it issued.
    public func saveSyncSettings(_ settings: SyncSettings) throws(StoreError) {
        try write { db in
            try Self.setMeta(db, "sync_server", settings.server)
            try Self.setMeta(db, "sync_secret", settings.secret)
            try Self.setMeta(db, "sync_ca_file", settings.caFile)
        }
    }

    /// Records an enrolment and the organisation's public key the centre sent with it (over the
    /// enrolment's channel: the centre named by `--server`, checked by TLS), to which this device seals
    /// special-category values from now on. A key that is not one is refused and nothing is changed.
    public func saveEnrolment(_ settings: SyncSettings, sealingKey: Data?) throws(StoreError) {
        var key: OrganisationPublicKey?
        if let sealingKey { key = try OrganisationPublicKey(raw: sealingKey) }
        guard !isCentre || key == nil else { throw .badOrganisationKey(reason: "\(path) is a central store and keeps its own organisation key") }
        try write { db in
            try Self.setMeta(db, "sync_server", settings.server)
            try Self.setMeta(db, "sync_secret", settings.secret)
            try Self.setMeta(db, "sync_ca_file", settings.caFile)
            if let key { try keys.adoptOrganisationKey(key, db) }
        }
    }

    /// Unsent events, how far this device has pulled, when it last synced, and open conflicts.
    public func syncStatus() throws(StoreError) -> SyncStatus {
        try read { db in
            let conflicts = try Int.fetchOne(db, sql: "SELECT count(*) FROM decision WHERE reconfirm_seq IS NOT NULL") ?? 0
            return SyncStatus(unsent: try unsentCount(db), cursor: try Self.cursor(db), lastSyncedAt: try Self.lastSyncedAt(db),
                              conflicts: conflicts, problem: try Self.problem(db))
        }
    }

    /// The central sequence this device has pulled up to (one read; what a pull starts from).
    public func syncCursor() throws(StoreError) -> Int64 {
        try read { db in try Self.cursor(db) }
    }

    /// What a "last synced" indicator shows, from a few indexed reads: when a sync last completed
    /// (nil if never, or if this device is not enrolled), how many changes wait to be sent, and
    /// why the last round failed, if it did.
    public func syncIndicator() throws(StoreError) -> (enrolled: Bool, lastSyncedAt: Date?, unsent: Int, problem: String?) {
        try read { db in
            let enrolled = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sync_server'") != nil
            return (enrolled, try Self.lastSyncedAt(db), try unsentCount(db), try Self.problem(db))
        }
    }

    /// Records how a sync round ended: why it failed, or nil when it succeeded. Rounds run every few
    /// seconds and mostly end as the last did, so only a change is written.
    public func recordSyncProblem(_ problem: String?) throws(StoreError) {
        guard try meta("sync_problem") != problem else { return }
        try write { db in try Self.setMeta(db, "sync_problem", problem) }
    }

    private static func problem(_ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sync_problem'")
    }

    private func unsentCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM ledger WHERE pushed = 0 AND device_no = (SELECT no FROM device WHERE id = ?)
            """, arguments: [device.rawValue]) ?? 0
    }

    private static func cursor(_ db: Database) throws -> Int64 {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sync_cursor'").flatMap { Int64($0) } ?? 0
    }

    private static func lastSyncedAt(_ db: Database) throws -> Date? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sync_last_at'").flatMap { Int64($0) }.map(Millis.date)
    }

    /// The next batch of this device's events the centre has not acknowledged, oldest first
    /// (those after device sequence `after`).
    public func outbox(limit: Int = 1_000, after: Int64 = 0) throws(StoreError) -> PushRequest {
        var request = try read { db in
            let devices = try DeviceNumbers(db)
            guard let own = devices.byID[device] else { return PushRequest(device: device.rawValue, events: []) }
            let (events, keys) = try WireRows(db: db, devices: devices)
                .events(where: "l.device_no = ? AND l.pushed = 0 AND l.device_seq > ?", [own, after], order: "l.device_seq", limit: limit)
            return PushRequest(device: device.rawValue, events: events, dataKeys: keys)
        }
        guard let last = request.events.last else { return request }
        do {
            request.head = try SignedHead(device: device.rawValue, sequence: last.record.sequence, hash: last.hash, key: try signingKey())
        } catch let error as StoreError {
            throw error
        } catch {
            throw .sqlite("could not sign the chain head: \(error)")
        }
        return request
    }

    /// Applies the centre's reply to a push: each acknowledged event is marked sent and its central
    /// sequence recorded (in the ledger and the projection); a rejected one stays unsent.
    public func acknowledge(_ response: PushResponse) throws(StoreError) -> Acknowledgement {
        try writeLedger { db in
            let devices = try DeviceNumbers(db)
            guard let own = devices.byID[device] else { return Acknowledgement() }
            var summary = Acknowledgement()
            let statements = StatementCache(db)
            for result in response.results {
                guard result.outcome != .rejected, let central = result.central else {
                    summary.rejected.append("event \(result.sequence): \(result.reason ?? "refused")")
                    continue
                }
                try CentralNumbers.record(central, for: result.sequence, deviceNo: own, in: db, devices: devices, keys: keys, statements: statements)
                summary.acknowledged += 1
                if result.outcome == .overridden { summary.overridden += 1 }
            }
            return summary
        }
    }

    /// After the centre reported a gap: marks this device's events from `sequence` on as unsent,
    /// so they are pushed again (the centre lost them, e.g. restored from a backup).
    public func resend(from sequence: Int64) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE ledger SET pushed = 0, central_seq = NULL
                WHERE device_no = (SELECT no FROM device WHERE id = ?) AND device_seq >= ? AND device_seq NOT IN (SELECT device_seq FROM set_aside)
                """, arguments: [device.rawValue, sequence])
        }
    }

    /// Applies a pulled page and its cursor in one transaction: a crash leaves either both or
    /// neither, so the page is pulled again and nothing is applied twice. Tenants the page names as
    /// having left this device's office are forgotten in the same transaction (`Departure`). `precheck` is the page's
    /// `IntegrityPrecheck` when it was made ahead (on another thread); else every event is checked here.
    public func applyPulled(_ page: PullResponse, precheck: IntegrityPrecheck? = nil) throws(StoreError) -> PulledPage {
        try apply(page, precheck: precheck, movingCursor: true)
    }

    /// Applies a tenant the centre sent on demand (`POST /v1/tenant`: their whole history, a pull page
    /// without a cursor) with the same checks as a pull, leaving the cursor where it is: the next pull
    /// recognises these events by their hash.
    public func applyFetched(_ page: PullResponse) throws(StoreError) -> PulledPage {
        try apply(PullResponse(events: page.events, cursor: 0, more: true, dataKeys: [], departed: []), precheck: nil, movingCursor: false)
    }

    private func apply(_ page: PullResponse, precheck: IntegrityPrecheck?, movingCursor: Bool) throws(StoreError) -> PulledPage {
        let now = clock()
        let precheck = precheck.flatMap { $0.verdicts.count == page.events.count ? $0 : nil }
        // A device that seals for the centre opens nothing and takes no key from a pull (centres send none;
        // one that arrives was put there by someone else).
        let taken = keys.sealsForCentre ? [] : page.dataKeys
        let (summary, erasures) = try writeLedger { db in
            var ingester = try LedgerIngester(db, catalogue: catalogue, keys: keys, vaultWriter: vaultWriter, ownDevice: device, centre: false)
            var summary = PulledPage()
            for (i, event) in page.events.enumerated() {
                switch try ingester.ingest(event, prechecked: precheck?.found(i)) {
                case .stored(let outcome, _):
                    summary.stored += 1
                    if outcome == .overriddenByWithdrawal { summary.overridden += 1 }
                case .duplicate: summary.alreadyHere += 1
                case .rejected(let reason): throw CentralStoreError.invalid("cannot apply a pulled event: \(reason)")
                }
            }
            try ingester.finish(dataKeys: taken, now: now)
            summary.forgotten = try Departure.forget(page.departed, in: db)
            try Self.observeClock(db, deviceNo: ingester.devices.byID[device], remote: ingester.latestRemoteClock, now: now)
            if movingCursor {
                try Self.setMeta(db, "sync_cursor", String(page.cursor))
                if !page.more { try Self.setMeta(db, "sync_last_at", String(Millis.from(now))) }
            }
            return (summary, ingester.queuedVaultErasures)
        }
        if erasures { try applyDueErasures() }
        if summary.forgotten > 0 { try applyDueDepartures() }
        if !taken.isEmpty { try reloadKeys() }
        return summary
    }

    /// Moves this device's hybrid logical clock past the latest received time, so its next change
    /// is ordered after everything it has seen (a time more than two days ahead is not followed, and logged).
    static func observeClock(_ db: Database, deviceNo: Int64?, remote: Int64, now: Date) throws {
        guard let deviceNo, remote > 0 else { return }
        // Each clock may be a day off, so two may be two days apart; this device still records that far ahead (`HybridLogicalClock.tick`).
        var clock = HybridLogicalClock(last: HLCTimestamp(packed: try Int64.fetchOne(db, sql: "SELECT hlc FROM chain_head WHERE device_no = ?", arguments: [deviceNo]) ?? 0),
                                       maxDriftMillis: HybridLogicalClock.deviceDriftMillis)
        guard let time = try? clock.receive(HLCTimestamp(packed: remote), wallMillis: Millis.from(now)) else {
            try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, NULL, ?)", arguments: [
                Millis.from(now), """
                a received clock reading is more than two days ahead of this clock and was not followed; check the clocks \
                (values are ordered by them: a change dated ahead outlasts later corrections and erasures of its value)
                """])
            return
        }
        try db.execute(sql: """
            INSERT INTO chain_head (device_no, seq, hash, hlc) VALUES (?, 0, ?, ?)
            ON CONFLICT (device_no) DO UPDATE SET hlc = max(hlc, excluded.hlc)
            """, arguments: [deviceNo, ValueDigest.empty, time.packed])
    }

    /// Unwraps data keys that arrived by sync with this process's key-encryption key.
    func reloadKeys() throws(StoreError) {
        do { _ = try queue.read { db in try keys.load(db) } } catch { throw Self.map(error) }
    }
}

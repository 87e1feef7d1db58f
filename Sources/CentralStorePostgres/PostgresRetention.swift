import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// `consent retention run --database`: the retention run at a PostgreSQL centre. It reads the same
/// projections as at a SQLite centre (`RetentionScan`), and records each erasure or marker clearing as the
/// centre's own work: events of a chain of the centre's own (`Retention.centreChain`, which no device may
/// enrol as), planned by the push's planner and stored by the push's code, so they are numbered, merged,
/// pulled by devices and verified like any other.
extension PostgresCentralStore {
    /// Finds what no purpose may keep at `now` and, unless `dryRun`, erases or clears it,
    /// `RetentionOutcome.batch` changes to a transaction; `progress` is told how many are done. The run is
    /// written to the audit log (who ran it and how many; no reference or value).
    public func retentionRun(now: Date = Date(), dryRun: Bool, by who: String,
                             progress: (_ done: Int, _ of: Int) -> Void = { _, _ in }) async throws(CentralStoreError) -> RetentionOutcome {
        try await retentionRun(now: now, dryRun: dryRun, by: who, progress: progress, afterReading: {})
    }

    /// ``retentionRun(now:dryRun:by:progress:)``, calling `afterReading` between the read and the first write
    /// (where a test makes a change the run must then leave alone).
    func retentionRun(now: Date, dryRun: Bool, by who: String, progress: (_ done: Int, _ of: Int) -> Void,
                      afterReading: () async -> Void) async throws(CentralStoreError) -> RetentionOutcome {
        let (scan, position) = try await transaction { connection in try await self.retentionScan(on: connection) }
        if !dryRun { try await refuseIfChainEnrolled() }
        var outcome = scan.outcome(catalogue: catalogue, now: now, dryRun: dryRun)
        await afterReading()
        if !dryRun {
            let changes = outcome.changes
            var changed = Set<String>()
            progress(0, changes.count)
            for start in stride(from: 0, to: changes.count, by: RetentionOutcome.batch) {
                let end = min(start + RetentionOutcome.batch, changes.count)
                changed.formUnion(try await recordOwnWork(Array(changes[start..<end]), at: now, readUpTo: position))
                progress(end, changes.count)
            }
            outcome.leaveOut(changed)
        }
        let line = outcome.auditLine(by: who)
        try await transaction { connection in
            try await Self.audit(device: nil, what: line, at: Millis.from(now), on: connection, logger: self.logger)
        }
        return outcome
    }

    /// The projections a retention run reads, in one repeatable-read snapshot, and the highest central number
    /// that snapshot holds.
    private func retentionScan(on connection: PostgresConnection) async throws -> (RetentionScan, Int64) {
        try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
        var position: Int64 = 0
        for try await last in try await connection.query("SELECT max(central_seq) FROM ledger", logger: logger).decode(Int64?.self) {
            position = last ?? 0
        }
        var scan = RetentionScan()
        for try await (id, ref, attribute, hlc) in try await connection.query(PostgresQuery(unsafeSQL: RetentionScan.heldQuery), logger: logger)
            .decode((Int64, String, String, Int64).self) { scan.held(id, ref: ref, attribute: attribute, hlc: hlc) }
        for try await (id, ref, marker, hlc) in try await connection.query(PostgresQuery(unsafeSQL: RetentionScan.markersQuery), logger: logger)
            .decode((Int64, String, String, Int64).self) { scan.marker(id, ref: ref, marker: marker, hlc: hlc) }
        for try await (id, value) in try await connection.query(PostgresQuery(unsafeSQL: RetentionScan.tenancyEndsQuery), logger: logger)
            .decode((Int64, String?).self) { scan.tenancyEnd(id, value: value) }
        for try await (id, purpose, attribute, state, effective, until) in try await connection.query(
            PostgresQuery(unsafeSQL: RetentionScan.decisionsQuery), logger: logger
        ).decode((Int64, String, String, String, Int64, Int64?).self) {
            scan.decision(id, purpose: purpose, attribute: attribute, state: state, effectiveAt: effective, validUntil: until)
        }
        for try await (id, purpose, at) in try await connection.query(PostgresQuery(unsafeSQL: RetentionScan.sentQuery), logger: logger)
            .decode((Int64, String, Int64).self) { scan.sent(id, purpose: purpose, at: at) }
        return (scan, position)
    }

    /// Records `changes` as the next events of the centre's own chain, in one transaction, through the push's
    /// planner (every rule but the device's actor check, `PushState.ownWork`) and store. Each event is dated
    /// `at` and clocked just after its tenant's latest event here (or at `at`), so an erasure covers every value
    /// recorded before it and nothing of another tenant moves its clock. A tenant with an event numbered after
    /// `position` (the run's read) is left out; returns those tenants.
    private func recordOwnWork(_ changes: [ChangeRequest], at: Date, readUpTo position: Int64) async throws(CentralStoreError) -> Set<String> {
        guard !changes.isEmpty else { return [] }
        let planner = PushPlanner(validator: validator)
        let device = Retention.centreChain
        let now = self.now()
        return try await transaction { connection in
            let deviceNo = try await Self.deviceNumber(device, on: connection, logger: self.logger)
            var head: (sequence: Int64, hash: Data) = (0, ValueDigest.empty)
            for try await found in try await connection.query("SELECT seq, hash FROM chain_head WHERE device_no = \(deviceNo) FOR UPDATE", logger: self.logger)
                .decode((Int64, Data).self) { head = found }
            let refs = Array(Set(changes.map(\.tenant.rawValue)))
            // A tenant a push reached since the run's read is left for the next run.
            var changed = Set<String>()
            for try await ref in try await connection.query("""
                SELECT DISTINCT t.ref FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE t.ref = ANY(\(refs)) AND l.central_seq > \(position)
                """, logger: self.logger).decode(String.self) { changed.insert(ref) }
            let changes = changes.filter { !changed.contains($0.tenant.rawValue) }
            guard !changes.isEmpty else { return changed }
            var latest: [String: Int64] = [:]
            for try await (ref, hlc) in try await connection.query("""
                SELECT t.ref, max(l.hlc) FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE t.ref = ANY(\(refs)) GROUP BY t.ref
                """, logger: self.logger).decode((String, Int64).self) { latest[ref] = hlc }
            // Each tenant's clock runs on from that tenant's latest event alone: one tenant's event dated ahead
            // (a device may be up to a day fast) must not carry every later tenant's change ahead with it.
            var hash = head.hash
            var events: [WireEvent] = []
            for (i, change) in changes.enumerated() {
                var tenantClock = HybridLogicalClock(last: HLCTimestamp(packed: latest[change.tenant.rawValue] ?? 0),
                                                     maxDriftMillis: HybridLogicalClock.deviceDriftMillis)
                let clock = try tenantClock.tick(wallMillis: Millis.from(at))
                latest[change.tenant.rawValue] = clock.packed
                let event = Event(id: EventID(device: DeviceID(device), sequence: head.sequence + 1 + Int64(i)), tenant: change.tenant, hlc: clock,
                                  effectiveAt: change.effectiveAt ?? at, actor: change.actor, channel: change.channel, payload: change.payload,
                                  evidence: change.evidence)
                let record = EventRecord(event, valuesDigest: nil)
                hash = record.hash(after: hash)
                events.append(WireEvent(record: record, hash: hash, values: []))
            }
            let request = PushRequest(device: device, events: events, dataKeys: [], head: nil)
            var (state, _, known) = try await self.pushState(request, from: device, planner: planner, on: connection)
            state.ownWork = true
            state.outsideScope = []
            let plan = try planner.planEvents(events, signedHead: nil, state: state, now: now)
            if let (_, reason) = plan.rejected { throw CentralStoreError.invalid("the retention run could not record a change: \(reason)") }
            _ = try await self.store(plan, dataKeys: [], device: device, deviceNo: deviceNo, tenants: known, now: now, on: connection)
            return changed
        }
    }

    /// Refuses the run while a device is enrolled under the chain's name (one enrolled before the name was reserved).
    private func refuseIfChainEnrolled() async throws(CentralStoreError) {
        let device = Retention.centreChain
        try await transaction { connection in
            for try await _ in try await connection.query("SELECT 1 FROM sync_device WHERE id = \(device)", logger: self.logger).decode(Int.self) {
                throw CentralStoreError.invalid("""
                    a device is enrolled as \(device), the name of the centre's own retention records; revoke it \
                    (`consent device revoke \(device)`) and enrol it again under another name, then run this again
                    """)
            }
        }
    }
}

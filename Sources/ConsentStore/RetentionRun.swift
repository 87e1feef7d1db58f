import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// The retention run: erase what no purpose may keep any longer (``Retention``), as ledger erasures by
/// the system, so they sync, show in the tenant's history and fold like any other erasure.
extension ConsentDatabase {
    /// Finds every value no purpose may keep at `now`, and every staff marker its purpose may no longer keep, and,
    /// unless `dryRun`, erases or clears each by a ledger event (``Retention/actor``, channel `system`),
    /// `RetentionOutcome.batch` to a transaction, so a run stopped part-way has done whole batches and a rerun
    /// finishes the rest. A tenant a change reached after the read is left for the next run
    /// (`RetentionOutcome.changedDuringRun`). `progress` is told how many of the due changes are done. Recorded
    /// in the audit log (who ran it and how many; no reference or value).
    ///
    ///     let outcome = try db.retentionRun(now: Date(), dryRun: true, by: "dpo")
    public func retentionRun(
        now: Date = Date(), dryRun: Bool, by who: String, progress: (_ done: Int, _ of: Int) -> Void = { _, _ in }
    ) throws(StoreError) -> RetentionOutcome {
        try retentionRun(now: now, dryRun: dryRun, by: who, progress: progress, afterReading: {})
    }

    /// ``retentionRun(now:dryRun:by:progress:)``, calling `afterReading` between the read and the first write
    /// (where a test makes a change the run must then leave alone).
    func retentionRun(
        now: Date, dryRun: Bool, by who: String, progress: (_ done: Int, _ of: Int) -> Void, afterReading: () -> Void
    ) throws(StoreError) -> RetentionOutcome {
        // Its erasures are the system's: a centre takes such only from itself, never from a device's push.
        let enrolled = try syncSettings() != nil
        guard isCentre || !enrolled else { throw .centreOnly(path: path, what: "A retention run") }
        let (scan, position) = try read { db in
            (try Self.retentionScan(db), try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM ledger") ?? 0)
        }
        var outcome = scan.outcome(catalogue: catalogue, now: now, dryRun: dryRun)
        afterReading()
        if !dryRun {
            let changes = outcome.changes
            var done = 0, changed = Set<String>()
            progress(0, changes.count)
            for start in stride(from: 0, to: changes.count, by: RetentionOutcome.batch) {
                let batch = changes[start..<min(start + RetentionOutcome.batch, changes.count)]
                // A tenant a change reached since the read is left for the next run, checked in the batch's transaction.
                do {
                    changed.formUnion(try self.batch { b in
                        let since = try b.tenantsChanged(after: position, among: Set(batch.map(\.tenant.rawValue)))
                        for change in batch where !since.contains(change.tenant.rawValue) { try b.record(change) }
                        return since
                    })
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw .sqlite("\(error)")
                }
                done += batch.count
                progress(done, changes.count)
            }
            outcome.leaveOut(changed)
        }
        try write { db in
            try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, NULL, ?)",
                           arguments: [Millis.from(now), outcome.auditLine(by: who)])
        }
        return outcome
    }

    /// The projections a retention run reads (`RetentionScan`'s queries), each in one pass.
    static func retentionScan(_ db: Database) throws -> RetentionScan {
        var scan = RetentionScan()
        let held = try Row.fetchCursor(db, sql: RetentionScan.heldQuery)
        while let row = try held.next() { scan.held(row[0], ref: row[1], attribute: row[2], hlc: row[3]) }
        let markers = try Row.fetchCursor(db, sql: RetentionScan.markersQuery)
        while let row = try markers.next() { scan.marker(row[0], ref: row[1], marker: row[2], hlc: row[3]) }
        let ends = try Row.fetchCursor(db, sql: RetentionScan.tenancyEndsQuery)
        while let row = try ends.next() { scan.tenancyEnd(row[0], value: row[1]) }
        let decisions = try Row.fetchCursor(db, sql: RetentionScan.decisionsQuery)
        while let row = try decisions.next() {
            scan.decision(row[0], purpose: row[1], attribute: row[2], state: row[3], effectiveAt: row[4], validUntil: row[5])
        }
        let sent = try Row.fetchCursor(db, sql: RetentionScan.sentQuery)
        while let row = try sent.next() { scan.sent(row[0], purpose: row[1], at: row[2]) }
        return scan
    }
}

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
    /// finishes the rest. `progress` is told how many of the due changes are done. Recorded in the audit log (who
    /// ran it and how many; no reference or value).
    ///
    ///     let outcome = try db.retentionRun(now: Date(), dryRun: true, by: "dpo")
    public func retentionRun(
        now: Date = Date(), dryRun: Bool, by who: String, progress: (_ done: Int, _ of: Int) -> Void = { _, _ in }
    ) throws(StoreError) -> RetentionOutcome {
        // Its erasures are the system's: a centre takes such only from itself, never from a device's push.
        let enrolled = try syncSettings() != nil
        guard isCentre || !enrolled else { throw .centreOnly(path: path, what: "A retention run") }
        let scan = try read { db in try Self.retentionScan(db) }
        let outcome = scan.outcome(catalogue: catalogue, now: now, dryRun: dryRun)
        if !dryRun {
            let changes = outcome.changes
            var done = 0
            progress(0, changes.count)
            for start in stride(from: 0, to: changes.count, by: RetentionOutcome.batch) {
                let batch = changes[start..<min(start + RetentionOutcome.batch, changes.count)]
                try record(Array(batch))
                done += batch.count
                progress(done, changes.count)
            }
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

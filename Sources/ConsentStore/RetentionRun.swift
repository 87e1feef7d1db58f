import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// The retention run: erase what no purpose may keep any longer (``Retention``), as ledger erasures by
/// the system, so they sync, show in the tenant's history and fold like any other erasure.
extension ConsentDatabase {
    /// What a run found, or erased.
    public struct RetentionOutcome: Codable, Sendable, Equatable {
        /// The values due (erased, unless this was a dry run), tenant by tenant.
        public var erasures: [Retention.Erasure]
        /// The staff markers due (cleared, unless this was a dry run), tenant by tenant.
        public var markersCleared: [Retention.MarkerClearing]
        /// How many tenants were looked at.
        public var tenantsChecked: Int
        /// Whether anything was written.
        public var dryRun: Bool
    }

    /// How many erasures go into one ledger transaction.
    static let retentionBatch = 500

    /// Finds every value no purpose may keep at `now`, and every staff marker its purpose may no longer keep, and,
    /// unless `dryRun`, erases or clears each by a ledger event (``Retention/actor``, channel `system`),
    /// `retentionBatch` to a transaction, so a run stopped part-way has done whole batches and a rerun finishes the
    /// rest. `progress` is told how many of the due changes are done. Recorded in the audit log (who ran it and how many; no
    /// reference or value).
    ///
    ///     let outcome = try db.retentionRun(now: Date(), dryRun: true, by: "dpo")
    public func retentionRun(
        now: Date = Date(), dryRun: Bool, by who: String, progress: (_ done: Int, _ of: Int) -> Void = { _, _ in }
    ) throws(StoreError) -> RetentionOutcome {
        // Its erasures are the system's: a centre takes such only from itself, never from a device's push.
        let enrolled = try syncSettings() != nil
        guard isCentre || !enrolled else { throw .centreOnly(path: path, what: "A retention run") }
        let catalogue = self.catalogue
        let (facts, checked) = try read { db in try Self.retentionFacts(db) }
        let erasures = facts.flatMap { facts in
            Retention.due(facts, catalogue: catalogue, now: now).map { Retention.Erasure(tenant: facts.tenant, attribute: $0) }
        }
        let clearings = facts.flatMap { facts in
            Retention.markersDue(facts, catalogue: catalogue, now: now).map { Retention.MarkerClearing(tenant: facts.tenant, marker: $0) }
        }
        if !dryRun {
            let changes = erasures.map {
                ChangeRequest(tenant: $0.tenant, payload: .erasure($0.attribute), actor: Retention.actor, channel: .system,
                              evidence: "retention rule of every purpose using it has ended")
            } + clearings.map {
                ChangeRequest(tenant: $0.tenant, payload: .marker($0.marker, set: false), actor: Retention.actor, channel: .system,
                              evidence: "retention rule of the purpose holding it has ended")
            }
            var done = 0
            progress(0, changes.count)
            for start in stride(from: 0, to: changes.count, by: Self.retentionBatch) {
                let batch = changes[start..<min(start + Self.retentionBatch, changes.count)]
                try record(Array(batch))
                done += batch.count
                progress(done, changes.count)
            }
        }
        let tenants = Set(erasures.map(\.tenant) + clearings.map(\.tenant)).count
        let what = "retention \(dryRun ? "dry run" : "run") by \(TextSafety.displaySafe(who)): \(erasures.count) values and "
            + "\(clearings.count) marker\(clearings.count == 1 ? "" : "s") of \(tenants) tenants \(dryRun ? "due" : "erased or cleared") (\(checked) tenants checked)"
        try write { db in
            try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, NULL, ?)",
                           arguments: [Millis.from(now), String(what.prefix(1_000))])
        }
        return RetentionOutcome(erasures: erasures, markersCleared: clearings, tenantsChecked: checked, dryRun: dryRun)
    }

    /// Every tenant's ``Retention/Facts`` that holds any value or staff marker, read from the projections in one
    /// pass each, and how many tenants were read.
    static func retentionFacts(_ db: Database) throws -> ([Retention.Facts], Int) {
        var byTenant: [Int64: Retention.Facts] = [:]
        let held = try Row.fetchCursor(db, sql: """
            SELECT c.tenant_id, t.ref, c.attribute_id, c.hlc FROM current_value c JOIN tenant t ON t.id = c.tenant_id
            WHERE c.status != 'erased'
            """)
        while let row = try held.next() {
            let id: Int64 = row[0]
            let recorded = Millis.date(HLCTimestamp(packed: row[3]).millis)
            byTenant[id, default: Retention.Facts(tenant: TenantRef(row[1] as String), held: [:])].held[AttributeID(row[2] as String)] = recorded
        }
        let markers = try Row.fetchCursor(db, sql: """
            SELECT m.tenant_id, t.ref, m.marker, m.hlc FROM tenant_marker m JOIN tenant t ON t.id = m.tenant_id WHERE m.active != 0
            """)
        while let row = try markers.next() {
            let id: Int64 = row[0]
            let setAt = Millis.date(HLCTimestamp(packed: row[3]).millis)
            byTenant[id, default: Retention.Facts(tenant: TenantRef(row[1] as String), held: [:])].markers[row[2] as String] = setAt
        }
        let ends = try Row.fetchCursor(db, sql: """
            SELECT c.tenant_id, v.value FROM current_value c
            JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
            WHERE c.attribute_id = ? AND c.status = 'value'
            """, arguments: [Retention.tenancyEndAttribute.rawValue])
        while let row = try ends.next() {
            let id: Int64 = row[0]
            if let text: String = row[1], let day = Validator.dayStart(text) { byTenant[id]?.tenancyEnd = day }
        }
        let decisions = try Row.fetchCursor(db, sql: "SELECT tenant_id, purpose_id, attribute_id, state, effective_at, valid_until FROM decision")
        while let row = try decisions.next() {
            let id: Int64 = row[0]
            guard byTenant[id] != nil, let state = DecisionState(rawValue: row[3]) else { continue }
            let until: Int64? = row[5]
            byTenant[id]?.decisions[Retention.Use(PurposeID(row[1] as String), AttributeID(row[2] as String))] =
                Retention.Decided(state: state, effectiveAt: Millis.date(row[4]), validUntil: until.map(Millis.date))
        }
        let sent = try Row.fetchCursor(db, sql: """
            SELECT d.tenant_id, e.purpose_id, MAX(e.at) FROM disclosure d JOIN export e ON e.no = d.export_no
            GROUP BY d.tenant_id, e.purpose_id
            """)
        while let row = try sent.next() {
            let id: Int64 = row[0]
            byTenant[id]?.lastSent[PurposeID(row[1] as String)] = Millis.date(row[2])
        }
        return (byTenant.keys.sorted().compactMap { byTenant[$0] }, byTenant.count)
    }
}

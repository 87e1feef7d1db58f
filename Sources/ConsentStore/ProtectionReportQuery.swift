import ConsentCore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// The data-protection lead's report for `from` ..< `to`: reveals and staff actions by when they were
    /// recorded, exports by when they were made, decisions by when they took effect (months in UTC), every
    /// request (every kind) made in the period or still open, and the queue of held changes as it stands at `now`.
    public func protectionReport(from: Date, to: Date, now: Date = Date()) throws(StoreError) -> ProtectionReport {
        let queue = try heldItems(limit: Int(Int32.max))
        let requests = try requestQueue(openOnly: false).filter { $0.isOpen || ($0.madeAt >= from && $0.madeAt < to) }.map(ProtectionReport.Request.init)
        return try read { db in
            let period: StatementArguments = [Millis.from(from), Millis.from(to)]
            let reveals = try Row.fetchAll(db, sql: """
                SELECT l.hlc, l.actor_id, t.ref, l.attribute_id, l.reason FROM ledger l JOIN tenant t ON t.id = l.tenant_id
                WHERE l.kind = 'access' AND l.hlc >= ? AND l.hlc < ? ORDER BY l.hlc
                """, arguments: Self.hlcPeriod(from, to)).map { row in
                ProtectionReport.Reveal(at: Millis.date(HLCTimestamp(packed: row[0]).millis), staff: row[1] ?? "-", tenant: TenantRef(row[2] as String),
                                        attribute: AttributeID(row[3] as String? ?? "-"), reason: row[4])
            }
            let exports = try Row.fetchAll(db, sql: """
                SELECT e.id, e.at, e.purpose_id, e.recipient, (SELECT count(*) FROM disclosure d WHERE d.export_no = e.no)
                FROM export e WHERE e.at >= ? AND e.at < ? ORDER BY e.at
                """, arguments: period).map { row in
                ProtectionReport.Export(id: row[0], at: Millis.date(row[1]), purpose: PurposeID(row[2] as String), recipient: row[3], tenants: row[4])
            }
            let staff = try Row.fetchAll(db, sql: """
                SELECT coalesce(actor_id, '-'), kind, count(*) FROM ledger
                WHERE actor = 'staff' AND hlc >= ? AND hlc < ? GROUP BY 1, 2 ORDER BY 1, 2
                """, arguments: Self.hlcPeriod(from, to)).map { ProtectionReport.StaffCount(staff: $0[0], kind: $0[1], count: $0[2]) }
            let decisions = try Row.fetchAll(db, sql: """
                SELECT strftime('%Y-%m', effective_at / 1000, 'unixepoch'), purpose_id, state, count(*) FROM ledger
                WHERE kind = 'decision' AND effective_at >= ? AND effective_at < ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """, arguments: period).compactMap { row -> ProtectionReport.DecisionCount? in
                guard let state = DecisionState(rawValue: row[2]) else { return nil }
                return ProtectionReport.DecisionCount(month: row[0], purpose: PurposeID(row[1] as String), state: state, count: row[3])
            }
            let ages = queue.map { Int(now.timeIntervalSince($0.at) / 86_400) }
            return ProtectionReport(from: from, to: to, madeAt: now, reveals: reveals, exports: exports, staffActions: staff,
                                    requests: requests, queue: ProtectionReport.Queue(ages: ages), decisions: decisions)
        }
    }

    /// A period as the ledger's hybrid-logical-clock column holds it (milliseconds in its high bits).
    private static func hlcPeriod(_ from: Date, _ to: Date) -> StatementArguments {
        [HLCTimestamp(millis: Millis.from(from)).packed, HLCTimestamp(millis: Millis.from(to)).packed]
    }
}

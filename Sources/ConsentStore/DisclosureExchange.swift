import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// A device's side of exchanging disclosures with the centre (`DisclosureSync`): the exports made here
/// go to the centre once, and the centre's exports (made there or on other devices) naming tenants held
/// here are recorded beside this device's own, so the kiosk and the access pack show every export.
extension ConsentDatabase {
    static let disclosureSentKey = "disclosure-sent"
    static let disclosureCursorKey = "disclosure-cursor"

    /// The exports made here that the centre has not yet taken, at most `entryLimit`
    /// tenants in all (a larger export goes in parts, each naming the tenants after the last one sent);
    /// where sending them leaves this device (for ``applyDisclosures(_:sent:)``), nil when nothing is
    /// waiting; and the centre's last export taken here. Exports naming no tenant are passed over.
    public func disclosureOutbox(entryLimit: Int = DisclosureSync.maxEntries, exportLimit: Int = DisclosureSync.maxExports)
        throws(StoreError) -> (exports: [WireExport], sent: DisclosureProgress?, cursor: Int64) {
        try read { db in
            let done = DisclosureProgress(try Self.meta(db, Self.disclosureSentKey))
            let cursor = Int64(try Self.meta(db, Self.disclosureCursorKey) ?? "") ?? 0
            let numbers = try Int64.fetchAll(db, sql: "SELECT no FROM export WHERE origin IS NULL AND no > ? ORDER BY no LIMIT ?",
                                             arguments: [done.through, max(1, min(exportLimit, DisclosureSync.maxExports))])
            var exports: [WireExport] = []
            var progress: DisclosureProgress?
            var budget = max(1, entryLimit)
            for no in numbers {
                let after = no == numbers.first ? done.afterTenant : 0
                guard var export = try Self.export(db, no: no, afterTenant: after, limit: budget + 1) else { continue }
                let ids = export.entries.count > budget ? try Self.tenantID(db, export.entries[budget - 1].tenant) : nil
                if let ids {
                    export.entries.removeLast(export.entries.count - budget)
                    progress = DisclosureProgress(through: progress?.through ?? done.through, afterTenant: ids)
                    exports.append(export)
                    break
                }
                progress = DisclosureProgress(through: no, afterTenant: 0)
                budget -= export.entries.count
                if !export.entries.isEmpty { exports.append(export) }
                if budget == 0 { break }
            }
            return (exports, progress, cursor)
        }
    }

    /// Records the centre's reply: the exports made here up to `sent` are marked as taken, the exports
    /// in the reply are recorded with the tenants held here (an export already here is left as it is),
    /// and the cursor moves on. Returns how many tenants' disclosures were added.
    public func applyDisclosures(_ reply: DisclosureReply, sent: DisclosureProgress?) throws(StoreError) -> Int {
        try write { db in
            if let sent { try Self.setMeta(db, Self.disclosureSentKey, sent.text) }
            var added = 0
            for export in reply.exports {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO export (id, purpose_id, recipient, columns, at, origin, operator) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [export.id, export.purpose, export.recipient, export.columns.joined(separator: ","), export.at,
                                     export.origin ?? "centre", export.operator])
                // An id already used here for an export made here is not the centre's to add to.
                guard let no = try Int64.fetchOne(db, sql: "SELECT no FROM export WHERE id = ? AND origin IS NOT NULL", arguments: [export.id])
                else { continue }
                added += try Self.insertDisclosures(db, export: no, export.entries)
            }
            try Self.setMeta(db, Self.disclosureCursorKey, String(reply.cursor))
            return added
        }
    }

    /// Export `no` with the tenants it named (in the order of their ids here, after tenant id `afterTenant`,
    /// at most `limit`), as sent over the wire (its origin nil when it was made here).
    package static func export(_ db: Database, no: Int64, afterTenant: Int64 = 0, limit: Int = Int(Int32.max)) throws -> WireExport? {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, purpose_id, recipient, columns, at, operator, origin FROM export WHERE no = ?",
                                         arguments: [no]) else { return nil }
        let entries = try Row.fetchAll(db, sql: """
            SELECT t.ref, d.columns FROM disclosure d JOIN tenant t ON t.id = d.tenant_id
            WHERE d.export_no = ? AND d.tenant_id > ? ORDER BY d.tenant_id LIMIT ?
            """, arguments: [no, afterTenant, limit]).map { WireDisclosure(tenant: $0[0], columns: UInt64(bitPattern: $0[1])) }
        let columns: String = row["columns"]
        return WireExport(id: row["id"], purpose: row["purpose_id"], recipient: row["recipient"],
                          columns: columns.split(separator: ",").map(String.init), at: row["at"], operator: row["operator"],
                          origin: row["origin"], entries: entries)
    }

    private static func tenantID(_ db: Database, _ ref: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM tenant WHERE ref = ?", arguments: [ref])
    }

    /// Adds export `no`'s disclosures for the tenants of `entries` held here; returns how many.
    package static func insertDisclosures(_ db: Database, export no: Int64, _ entries: [WireDisclosure]) throws -> Int {
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO disclosure (tenant_id, export_no, columns) SELECT id, ?, ? FROM tenant WHERE ref = ?
            """)
        var added = 0
        for entry in entries {
            try statement.execute(arguments: [no, Int64(bitPattern: entry.columns), entry.tenant])
            added += db.changesCount
        }
        return added
    }
}

/// How far this device's own exports have gone to the centre: every export up to `through`, and of the
/// next one the tenants up to id `afterTenant` (a large export goes in parts). Kept in `meta` as "N" or "N:T".
public struct DisclosureProgress: Equatable, Sendable {
    public var through: Int64
    public var afterTenant: Int64

    public init(through: Int64, afterTenant: Int64) {
        self.through = through
        self.afterTenant = afterTenant
    }

    init(_ text: String?) {
        let parts = (text ?? "").split(separator: ":").map { Int64($0) ?? 0 }
        self.init(through: parts.first ?? 0, afterTenant: parts.count > 1 ? parts[1] : 0)
    }

    var text: String { afterTenant == 0 ? String(through) : "\(through):\(afterTenant)" }
}

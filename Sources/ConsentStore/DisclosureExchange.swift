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

    /// The exports made here that the centre has not yet taken (at most `DisclosureSync.maxExports`, and
    /// about 200,000 tenants in all), with the highest export number read (the exports naming no tenant
    /// are passed over, as there is nothing to show for them); and the centre's last export taken here.
    public func disclosureOutbox() throws(StoreError) -> (exports: [WireExport], upTo: Int64?, cursor: Int64) {
        try read { db in
            let sent = Int64(try Self.metaValue(db, Self.disclosureSentKey) ?? "") ?? 0
            let cursor = Int64(try Self.metaValue(db, Self.disclosureCursorKey) ?? "") ?? 0
            let numbers = try Int64.fetchAll(db, sql: "SELECT no FROM export WHERE origin IS NULL AND no > ? ORDER BY no LIMIT ?",
                                             arguments: [sent, DisclosureSync.maxExports])
            var exports: [WireExport] = []
            var upTo: Int64?
            var total = 0
            for no in numbers {
                guard let export = try Self.export(db, no: no, origin: nil) else { continue }
                if total > 0, total + export.entries.count > 200_000 { break }
                total += export.entries.count
                upTo = no
                if !export.entries.isEmpty { exports.append(export) }
            }
            return (exports, upTo, cursor)
        }
    }

    /// Records the centre's reply: the exports made here up to `sent` are marked as taken, the exports
    /// in the reply are recorded with the tenants held here (an export already here is left as it is),
    /// and the cursor moves on. Returns how many tenants' disclosures were added.
    public func applyDisclosures(_ reply: DisclosureReply, sent: Int64?) throws(StoreError) -> Int {
        try write { db in
            if let sent { try Self.setMetaValue(db, Self.disclosureSentKey, String(sent)) }
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
            try Self.setMetaValue(db, Self.disclosureCursorKey, String(reply.cursor))
            return added
        }
    }

    /// Export `no` with every tenant it named, as sent over the wire (`origin` as given).
    package static func export(_ db: Database, no: Int64, origin: String?) throws -> WireExport? {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, purpose_id, recipient, columns, at, operator FROM export WHERE no = ?",
                                         arguments: [no]) else { return nil }
        let entries = try Row.fetchAll(db, sql: """
            SELECT t.ref, d.columns FROM disclosure d JOIN tenant t ON t.id = d.tenant_id WHERE d.export_no = ? ORDER BY d.tenant_id
            """, arguments: [no]).map { WireDisclosure(tenant: $0[0], columns: UInt64(bitPattern: $0[1])) }
        let columns: String = row["columns"]
        return WireExport(id: row["id"], purpose: row["purpose_id"], recipient: row["recipient"],
                          columns: columns.split(separator: ",").map(String.init), at: row["at"], operator: row["operator"],
                          origin: origin, entries: entries)
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

    static func metaValue(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    static func setMetaValue(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
    }
}

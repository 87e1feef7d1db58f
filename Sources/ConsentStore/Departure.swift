import ConsentCore
import Foundation
import GRDB

/// Tenants who moved to another office leave this device: every row of theirs goes (ledger events,
/// values, sealed values, sign-in secrets, search keys, projection, the tenant's reference itself),
/// overwritten on disk, while every device's chain held here still verifies. An event whose
/// predecessor went is then held without it, as an office's device holds other offices' chains:
/// `chain_link` keeps the hash it follows. When the removed event was a chain's last one here, the
/// link names the hash the chain's next event follows (`chain_head` keeps it), which `verify` accepts.
/// This device's own unsent events are never removed: a tenant it has unsent changes for stays until
/// they are pushed (the centre then counts the device as following them, and names them no more).
enum Departure {
    /// The schema: the ledger's append-only trigger lets a delete through only for a tenant being
    /// forgotten (`departing`, filled and emptied in the same transaction) and never for an unsent
    /// event; and the sealed values still to be removed from the vault after the main file commits.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE departing (tenant_id INTEGER PRIMARY KEY);
            CREATE TABLE vault_departure_due (device_no INTEGER NOT NULL, device_seq INTEGER NOT NULL,
                PRIMARY KEY (device_no, device_seq)) WITHOUT ROWID;
            DROP TRIGGER ledger_append_only_delete;
            CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
            WHEN OLD.pushed = 0 OR OLD.tenant_id NOT IN (SELECT tenant_id FROM departing)
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
            """)
    }

    /// Forgets the tenants `refs` names (those not held here are skipped), in the caller's write
    /// transaction; returns how many were forgotten. Their sealed values are queued for the vault
    /// (``ConsentDatabase/applyDueDepartures()`` after the commit).
    static func forget(_ refs: [String], in db: Database) throws -> Int {
        guard !refs.isEmpty else { return 0 }
        try db.execute(sql: "PRAGMA main.secure_delete = ON")
        defer { try? db.execute(sql: "PRAGMA main.secure_delete = OFF") }
        var forgotten = 0
        for ref in refs {
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM tenant WHERE ref = ?", arguments: [ref]),
                  try Int.fetchOne(db, sql: "SELECT 1 FROM ledger WHERE tenant_id = ? AND pushed = 0 LIMIT 1", arguments: [id]) == nil
            else { continue }
            try forget(tenant: id, in: db)
            forgotten += 1
        }
        return forgotten
    }

    private static func forget(tenant id: Int64, in db: Database) throws {
        let removed = try Row.fetchAll(db, sql: "SELECT device_no, device_seq, hash FROM ledger WHERE tenant_id = ?", arguments: [id])
            .map { (device: $0["device_no"] as Int64, sequence: $0["device_seq"] as Int64, hash: $0["hash"] as Data) }
        let gone = Set(removed.map { "\($0.device)#\($0.sequence)" })
        for event in removed where !gone.contains("\(event.device)#\(event.sequence + 1)") {
            let next = event.sequence + 1
            let held = try Int.fetchOne(db, sql: "SELECT 1 FROM ledger WHERE device_no = ? AND device_seq = ?", arguments: [event.device, next]) != nil
            let head = try Int64.fetchOne(db, sql: "SELECT seq FROM chain_head WHERE device_no = ?", arguments: [event.device])
            if held || head == event.sequence {
                try db.execute(sql: "INSERT OR REPLACE INTO chain_link (device_no, device_seq, prev_hash) VALUES (?, ?, ?)",
                               arguments: [event.device, next, event.hash])
            }
        }
        for event in removed {
            try db.execute(sql: "DELETE FROM chain_link WHERE device_no = ? AND device_seq = ?", arguments: [event.device, event.sequence])
            try db.execute(sql: "DELETE FROM vault_erasure_due WHERE device_no = ? AND device_seq = ?", arguments: [event.device, event.sequence])
            try db.execute(sql: "INSERT OR IGNORE INTO vault_departure_due (device_no, device_seq) VALUES (?, ?)",
                           arguments: [event.device, event.sequence])
        }
        for table in try tablesNamingTenants(db) {
            // `disclosure` is keyed by (export, tenant) and `decision` by (purpose, tenant, attribute): one seek per
            // export or purpose, not a scan of the whole table.
            switch table {
            case "disclosure":
                try db.execute(sql: "DELETE FROM main.disclosure WHERE export_no IN (SELECT no FROM main.export) AND tenant_id = ?", arguments: [id])
            case "decision":
                try db.execute(sql: DecisionByPurpose.deleteOfTenant, arguments: [id])
            default:
                try db.execute(sql: "DELETE FROM main.\(table) WHERE tenant_id = ?", arguments: [id])
            }
        }
        try db.execute(sql: "INSERT INTO departing (tenant_id) VALUES (?)", arguments: [id])
        try db.execute(sql: "DELETE FROM ledger WHERE tenant_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM departing WHERE tenant_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM tenant WHERE id = ?", arguments: [id])
    }

    /// The main file's tables with a `tenant_id` column, but the ledger (emptied last) and `departing`:
    /// values, projection, sign-in secrets and failures, search keys, markers, disclosures, and any added later.
    private static func tablesNamingTenants(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT m.name FROM main.sqlite_master m JOIN pragma_table_info(m.name) p
            WHERE m.type = 'table' AND p.name = 'tenant_id' AND m.name NOT IN ('ledger', 'departing')
            ORDER BY m.name
            """)
    }
}

extension ConsentDatabase {
    /// Makes the vault forget the sealed values of tenants who left (the main file forgot the rest
    /// first), overwriting them on disk, then truncates both write-ahead logs so no old page of
    /// theirs stays there. Run after a pull that forgot tenants, and at opening (after a crash in between).
    package func applyDueDepartures() throws(StoreError) {
        let due = try read { db in try Row.fetchAll(db, sql: "SELECT device_no, device_seq FROM vault_departure_due") }
        guard !due.isEmpty else { return }
        do {
            try vaultWriter.forget(due.map { (deviceNo: $0["device_no"], sequence: $0["device_seq"]) })
        } catch {
            throw Self.map(error)
        }
        try write { db in try db.execute(sql: "DELETE FROM vault_departure_due") }
        do {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA main.wal_checkpoint(TRUNCATE)")
                try db.execute(sql: "PRAGMA vault.wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw Self.map(error)
        }
    }
}

extension VaultWriter {
    /// Deletes every sealed value of the events named, overwriting them on disk.
    func forget(_ events: [(deviceNo: Int64, sequence: Int64)]) throws {
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        try queue.write { db in
            let delete = try db.makeStatement(sql: "DELETE FROM value WHERE device_no = ? AND device_seq = ?")
            for e in events { try delete.execute(arguments: [e.deviceNo, e.sequence]) }
        }
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA secure_delete = OFF")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }
}

import GRDB

/// `tenant_values` kept by one set-based pass at the end of a bulk batch (an import, the demo) instead of
/// by the insert trigger on every `current_value` row: a registration of 13 values otherwise rewrites its
/// tenant's growing row 13 times. Inside the batch's transaction the insert trigger is dropped; at its end
/// the rows of every tenant registered in it, and of every older tenant it touched, are rebuilt from their
/// `current_value` rows (the same cells the trigger writes) and the trigger is created again from the very
/// SQL the file held. All of it commits with the batch or rolls back with it, so no other connection ever
/// sees the file without the trigger, and `consent ledger verify` checks the rows as it checks any others.
/// The delete and update triggers stay: a row they rebuild is rebuilt again, the same, at the end.
struct TenantValueDeferral {
    /// The insert trigger's SQL as the file held it.
    private let triggerSQL: String
    /// Tenants with this id or above were registered inside the batch.
    let firstNewTenant: Int64
    /// Tenants registered before the batch whose events it appended.
    private var olderTenants: Set<Int64> = []

    private static let trigger = "current_value_row_insert"

    /// Drops the insert trigger for the rest of the transaction; nil (nothing deferred) when the file has no such trigger.
    static func begin(_ db: Database) throws -> TenantValueDeferral? {
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                            arguments: [trigger]) else { return nil }
        // A new tenant's id is above every id in the table (INTEGER PRIMARY KEY without AUTOINCREMENT).
        let first = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) + 1 FROM tenant") ?? 1
        try db.execute(sql: "DROP TRIGGER \(trigger)")
        return TenantValueDeferral(triggerSQL: sql, firstNewTenant: first)
    }

    /// Notes a tenant an appended event is about.
    mutating func touch(_ tenantID: Int64) {
        if tenantID < firstNewTenant { olderTenants.insert(tenantID) }
    }

    /// Rebuilds the rows of the tenants the batch touched and creates the trigger again.
    func finish(_ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO tenant_values (tenant_id, cells) \(TenantValueRow.rows(where: "tenant_id >= ?"))",
                       arguments: [firstNewTenant])
        for tenantID in olderTenants.sorted() {
            try db.execute(sql: TenantValueRow.rebuild("?"), arguments: [tenantID, tenantID])
        }
        try db.execute(sql: triggerSQL)
    }
}

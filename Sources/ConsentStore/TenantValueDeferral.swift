import GRDB

/// `tenant_values` kept by one pass at the end of a batch (an import, the demo, a pull or push of many registrations)
/// instead of by the insert trigger on every `current_value` row: a registration of 13 values otherwise rewrites its
/// tenant's growing row 13 times (about 7 µs a value, measured with `sqlite3` on 1.34 million values: 10.9 s against
/// 1.7 s without the trigger). Inside the batch's transaction the insert trigger is dropped; at its end the rows of
/// every tenant registered since, and of every older tenant given a new current value (``touch(_:)``, called by the
/// projection write), are rewritten from their `current_value` rows (``TenantValueRebuild``: the cells the trigger
/// writes) and the trigger is created again from the very SQL the file held. All of it commits with the batch or rolls
/// back with it, so no other connection ever sees the file without the trigger, and `consent ledger verify` checks the
/// rows as it checks any others. The delete and update triggers stay: a row they rewrite is rewritten again at the end.
/// A class: the writer and each event's projection write share the one list of tenants.
final class TenantValueDeferral {
    /// The insert trigger's SQL as the file held it.
    private let triggerSQL: String
    /// Tenants with this id or above were registered inside the batch.
    let firstNewTenant: Int64
    /// Tenants registered before the batch given a new current value in it.
    private var olderTenants: Set<Int64> = []

    private static let trigger = "current_value_row_insert"

    private init(triggerSQL: String, firstNewTenant: Int64) {
        self.triggerSQL = triggerSQL
        self.firstNewTenant = firstNewTenant
    }

    /// Drops the insert trigger for the rest of the transaction; nil (nothing deferred) when the file has no such trigger.
    static func begin(_ db: Database) throws -> TenantValueDeferral? {
        guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                            arguments: [trigger]) else { return nil }
        // A new tenant's id is above every id in the table (INTEGER PRIMARY KEY without AUTOINCREMENT).
        let first = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) + 1 FROM tenant") ?? 1
        try db.execute(sql: "DROP TRIGGER \(trigger)")
        return TenantValueDeferral(triggerSQL: sql, firstNewTenant: first)
    }

    /// Notes a tenant given a new `current_value` row while the trigger is away.
    func touch(_ tenantID: Int64) {
        if tenantID < firstNewTenant { olderTenants.insert(tenantID) }
    }

    /// Rewrites the rows of the tenants the batch registered or touched and creates the trigger again.
    func finish(_ db: Database) throws {
        try TenantValueRebuild.rewrite(db, from: firstNewTenant)
        for tenantID in olderTenants.sorted() { try TenantValueRebuild.rewrite(db, tenant: tenantID) }
        try db.execute(sql: triggerSQL)
    }
}

import ConsentCore
import GRDB
import SyncProtocol

/// `tenant_values` kept by one pass at the end of a batch (an import, the demo, a pull or push of many registrations)
/// instead of by the insert trigger on every `current_value` row: a registration of 13 values otherwise rewrites its
/// tenant's growing row 13 times (about 7 µs a value, measured with `sqlite3` on 1.34 million values: 10.9 s against
/// 1.7 s without the trigger). Inside the batch's transaction the insert trigger is dropped; at its end the rows of
/// every tenant registered since, and of every older tenant given a new current value (``touch(_:)``, called by the
/// projection write), are rewritten from their `current_value` rows (``TenantValueRebuild``: the cells the trigger
/// writes) and the trigger is created again from the very SQL the file held. All of it commits with the batch or rolls
/// back with it, so no other connection ever sees the file without the trigger, and `consent ledger verify` checks the
/// rows as it checks any others. The delete and update triggers stay: a row they rewrite is rewritten again at the end.
/// A writer that knows a registration's texts (the ledger appender: an import, the demo) writes its tenant's row whole at
/// once (``write(_:values:event:text:in:devices:attributes:)``), and the end rewrites only the tenants given a current
/// value after that (reading the texts back from the value rows cost about 1.4 µs a value). A class: the writer and each event's
/// projection write share the one list of tenants.
final class TenantValueDeferral {
    /// The insert trigger's SQL as the file held it.
    private let triggerSQL: String
    /// Tenants with this id or above were registered inside the batch.
    let firstNewTenant: Int64
    /// Tenants registered before the batch given a new current value in it.
    private var olderTenants: Set<Int64> = []
    /// Tenants registered in the batch given a current value since their row was last written whole, or never written.
    private var newTenants: Set<Int64> = []
    /// Rows written whole; none (a received batch): the end rewrites every tenant registered in it, in one scan.
    private var written = 0
    private var cells = ValueCells.RowWriter()

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
        if tenantID < firstNewTenant { olderTenants.insert(tenantID) } else { newTenants.insert(tenantID) }
    }

    /// Writes the row of tenant `tenantID`, registered in the batch, from the current values its registration `event`
    /// just gave it: the cells the triggers would write, each value's `text` being the one its value row holds (nil for
    /// a special category, sealed in the vault). Leaves the row to the end when any value is not from `event`.
    func write(_ tenantID: Int64, values: [AttributeID: ValueRecord], event: EventID, text: (AttributeID) -> String?,
               in db: Database, devices: inout DeviceNumbers, attributes: inout AttributeNumbering) throws {
        guard tenantID >= firstNewTenant, !values.isEmpty,
              values.values.allSatisfy({ StoredValueStatus.encode($0.state).map { $0.source == event } ?? true }) else { return }
        let sourceDevice = try devices.number(event.device, in: db)
        for (attribute, record) in values.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let (status, _) = StoredValueStatus.encode(record.state) else { continue }
            let number = try attributes.number(attribute, in: db)
            cells.add(attributeNumber: number, status: status.utf8.first ?? UInt8(ascii: "?"), device: sourceDevice,
                      sequence: event.sequence, hlc: record.hlc.packed, writer: record.device.rawValue,
                      value: status == "value" ? text(attribute) : nil)
        }
        guard !cells.isEmpty else { return }
        var insert = try RawStatement(db, "INSERT OR REPLACE INTO tenant_values (tenant_id, cells) VALUES (?, ?)")
        insert.bind(tenantID)
        insert.bind(text: cells.finish())
        try insert.execute()
        newTenants.remove(tenantID)
        written += 1
    }

    /// Rewrites the rows of the tenants the batch registered or touched and not written since, and creates the trigger again.
    func finish(_ db: Database) throws {
        if written == 0 {
            try TenantValueRebuild.rewrite(db, from: firstNewTenant)
        } else {
            for tenantID in newTenants.sorted() { try TenantValueRebuild.rewrite(db, tenant: tenantID) }
        }
        for tenantID in olderTenants.sorted() { try TenantValueRebuild.rewrite(db, tenant: tenantID) }
        try db.execute(sql: triggerSQL)
    }
}

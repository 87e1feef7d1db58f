import GRDB
import SyncProtocol

/// Rewrites `tenant_values` rows from their `current_value` rows in Swift (``ValueCells/RowWriter``): the cells
/// ``TenantValueRow``'s SQL writes, each tenant's value texts read by one ordered scan joined to their value rows. The
/// SQL's text building cost about 3.5 µs a cell (5 s for the 1.34 million cells of 100,000 registrations, measured
/// with `sqlite3`); ``TenantValueDeferral`` uses this at the end of a batch. `consent ledger verify` checks the rows
/// as it checks those the triggers write (cell by cell, so the order of cells does not matter).
enum TenantValueRebuild {
    /// Rewrites the rows of every tenant whose id is `first` or above (the tenants a batch registered).
    static func rewrite(_ db: Database, from first: Int64) throws { try rewrite(db, where: "tenant_id >= ?", first) }

    /// Rewrites the row of tenant `id`; none when it has no current value.
    static func rewrite(_ db: Database, tenant id: Int64) throws { try rewrite(db, where: "tenant_id = ?", id) }

    private static func rewrite(_ db: Database, where condition: String, _ argument: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM tenant_values WHERE \(condition)").execute(arguments: [argument])
        // As the SQL does: the writer's name joined by its number (a row whose writer is not numbered gives no cell), the
        // attribute's number where it has one, and the text of the value row the source event wrote.
        var read = try RawStatement(db, """
            SELECT c.tenant_id, a.no, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, d.id, v.value
            FROM current_value c CROSS JOIN device d ON d.no = c.writer_device LEFT JOIN attribute a ON a.id = c.attribute_id
            \(LeanCurrentValue.textJoin("c.", as: "v"))
            WHERE c.\(condition) ORDER BY c.tenant_id, c.attribute_id
            """)
        read.bind(argument)
        defer { read.done() }
        let insert = try db.cachedStatement(sql: "INSERT INTO tenant_values (tenant_id, cells) VALUES (?, ?)")
        var writer = ValueCells.RowWriter()
        var tenant: Int64?
        func write() throws {
            guard let tenant, !writer.isEmpty else { return }
            var raw = try RawStatement(db, insert)
            raw.bind(tenant)
            raw.bind(text: writer.finish())
            try raw.execute()
        }
        while try read.step() {
            let id = read.int64(0) ?? 0
            if id != tenant {
                try write()
                tenant = id
            }
            read.withBytes(2) { name in
                read.withBytes(7) { deviceName in
                    read.withBytes(8) { value in
                        writer.add(attributeNumber: read.int64(1), attributeName: name,
                                   status: read.withBytes(3) { $0.first } ?? UInt8(ascii: "?"),
                                   device: read.int64(4) ?? 0, sequence: read.int64(5) ?? 0, hlc: read.int64(6) ?? 0,
                                   writer: deviceName, value: read.isNull(8) ? nil : value)
                    }
                }
            }
        }
        try write()
    }
}

import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import Testing

/// A bulk batch (an import, the demo) builds `tenant_values` once at its end with the insert trigger set
/// aside: the rows must come out as the trigger would have kept them, for new tenants and for older tenants
/// the batch changed, the trigger must be back afterwards, and a batch that fails must leave no trace.
@Suite struct BulkBatchTests {
    func rows(_ t: TempDatabase) throws -> [Int64: String] {
        let queue = try DatabaseQueue(path: t.path)
        defer { try? queue.close() }
        return try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT tenant_id, cells FROM tenant_values").map {
                ($0["tenant_id"] as Int64, $0["cells"] as String)
            })
        }
    }

    func triggers(_ t: TempDatabase) throws -> [String] {
        let queue = try DatabaseQueue(path: t.path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        }
    }

    @Test func rowsOfNewAndChangedTenantsAreBuiltAndTheTriggerComesBack() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let triggers = try triggers(t)
        try t.db.batch(bulk: true) { batch in
            try batch.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB", "ethnic-origin": "white-irish"]))
            try batch.record(register("T0000003", ["full-name": "Cat Brown", "email": "cat@example.org", "religion": "<pnts>"]))
            // An older tenant changed inside the batch, and a new one changed after its registration.
            try batch.record(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("full-name"), .value("Ann Jones"), pending: false),
                                           actor: .tenant, channel: .kiosk))
            try batch.record(ChangeRequest(tenant: "T0000003", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
        }
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
        let cells = try rows(t)
        #expect(cells.count == 3)
        #expect(cells.values.contains { $0.contains("Ann Jones") && !$0.contains("Ann Smith") })
        #expect(cells.values.contains { $0.contains("Bob Jones") && $0.contains("LS2 2BB") })
        #expect(!cells.values.contains { $0.contains("white-irish") }, "a special category's text reached the main file: \(cells)")
        #expect(cells.values.contains { $0.contains("Cat Brown") && !$0.contains("cat@example.org") })
        // Written led by the shared source, as the triggers write them: a registration's device named once a row (twice
        // where the batch changed a value after it).
        for (id, text) in cells { #expect(text.components(separatedBy: "kiosk-test").count - 1 <= 2 && text.contains("v="), "\(id): \(text)") }
        #expect(cells.values.contains { $0.components(separatedBy: "kiosk-test").count - 1 == 1 }, "\(cells)")
        #expect(try self.triggers(t) == triggers, "the insert trigger was not put back as it was")
        // Byte for byte what the triggers' SQL writes: a row written whole at registration (T0000002), one rewritten at
        // the end after a later change (T0000003), an older tenant's (T0000001).
        let queue = try DatabaseQueue(path: t.path)
        let sql = try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: TenantValueRow.rows(where: "1")).map { ($0[0] as Int64, $0[1] as String) })
        }
        try queue.close()
        #expect(cells == sql)

        // Outside a bulk batch the trigger keeps the row again.
        try t.db.record(register("T0000004", ["full-name": "Dan White"]))
        #expect(try rows(t).values.contains { $0.contains("Dan White") })
        #expect(try t.db.verify().ok)
    }

    @Test func aBulkBatchThatFailsLeavesTheTriggerAndRowsAsTheyWere() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let before = try rows(t), triggers = try triggers(t)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try t.db.batch(bulk: true) { batch in
                try batch.record(register("T0000002", ["full-name": "Bob Jones"]))
                throw Stop()
            }
        }
        #expect(try rows(t) == before)
        #expect(try self.triggers(t) == triggers)
        try t.db.record(register("T0000002", ["full-name": "Bob Jones"]))
        #expect(try rows(t).values.contains { $0.contains("Bob Jones") })
        #expect(try t.db.verify().ok)
    }

    /// The rows a batch's end writes in Swift (`TenantValueRebuild`) are the very text the triggers' SQL writes
    /// (`TenantValueRow.rows`), byte for byte: values, "prefer not to say", an erasure, a correction by another source,
    /// text in several scripts, and an attribute the file has not numbered (its name kept).
    @Test func theRebuildWritesWhatTheSQLWrites() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Zoë Ōtake-Ñúñez 名前", "postcode": "LS2 2BB", "email": "zoe@example.org",
                                              "religion": "<pnts>"]))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .correction(AttributeID("full-name"), .value("Zoë ;=-#:, 🏠"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
        let queue = try DatabaseQueue(path: t.path)
        defer { try? queue.close() }
        try queue.write { db in
            // A number nobody gave: the attribute's cells keep its name (a writer of the version before).
            try db.execute(sql: "DELETE FROM attribute WHERE id = 'postcode'")
            let sql = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: TenantValueRow.rows(where: "1")).map {
                ($0[0] as Int64, $0[1] as String)
            })
            try TenantValueRebuild.rewrite(db, from: 1)
            let swift = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT tenant_id, cells, typeof(cells) FROM tenant_values").map {
                ($0[0] as Int64, "\($0[2] as String) \($0[1] as String)")
            })
            #expect(sql.count == 2)
            #expect(swift == sql.mapValues { "text \($0)" })
            #expect(sql.values.contains { $0.contains("8:postcodev=7:LS2 2BB") }, "\(sql)")
            try TenantValueRebuild.rewrite(db, tenant: 2)
            #expect(try String.fetchOne(db, sql: "SELECT cells FROM tenant_values WHERE tenant_id = 2") == sql[2])
            try db.execute(sql: "DELETE FROM current_value WHERE tenant_id = 2")
            try db.execute(sql: "INSERT OR REPLACE INTO tenant_values (tenant_id, cells) VALUES (2, 'stale')")
            try TenantValueRebuild.rewrite(db, tenant: 2)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM tenant_values WHERE tenant_id = 2") == 0, "a tenant without values keeps no row")
        }
    }
}

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
            try batch.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB"]))
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
        #expect(cells.values.contains { $0.contains("Cat Brown") && !$0.contains("cat@example.org") })
        // Written led by the shared source, as the triggers write them: a registration's device named once a row (twice
        // where the batch changed a value after it).
        for (id, text) in cells { #expect(text.components(separatedBy: "kiosk-test").count - 1 <= 2 && text.contains("v="), "\(id): \(text)") }
        #expect(cells.values.contains { $0.components(separatedBy: "kiosk-test").count - 1 == 1 }, "\(cells)")
        #expect(try self.triggers(t) == triggers, "the insert trigger was not put back as it was")

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
}

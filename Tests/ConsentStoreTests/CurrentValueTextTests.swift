import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import SyncProtocol
import TestSupport
import Testing

/// The text of each ordinary current value in the row of current values (`tenant_values`, issue 20): the export
/// reads values from it by one ordered scan, so it must equal what the ledger records, hold no special category,
/// forget what an erasure forgets, be filled in files made before it, and be checked by `verify`. Since
/// `current-value-lean-1` it is copied there from the value row, not from a copy in `current_value`.
@Suite struct CurrentValueTextTests {
    static let fullName = AttributeID("full-name")

    /// The text of each (tenant reference, attribute) in the rows of current values, read from the file itself.
    func copies(_ t: TempDatabase) throws -> [String: String?] {
        try t.db.read { db in
            var out: [String: String?] = [:]
            for (key, cell) in try NumberedCellsTests.named(db) {
                let text = try #require(cell.split(separator: " ", maxSplits: 2).last)
                out.updateValue(text == "-" ? nil : String(text), forKey: key)
            }
            return out
        }
    }

    /// Text written beside a sealed or withheld value in the row would leave in clear: `verify` names it.
    @Test func textWrittenBesideASealedOrWithheldValueIsCaughtByVerify() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB"]))
        #expect(try t.db.verify().ok)
        let religion = NumberedCellsTests.head("religion")
        try t.tamper("UPDATE tenant_values SET cells = replace(cells, \(religion) || 'p=-', \(religion) || 'p=24:Muslim (copied in clear)')")
        #expect(try copies(t)["T0000001/religion"] == "Muslim (copied in clear)")
        let report = try t.db.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains("tenant T0000001") && $0.contains("(religion)") }, "\(report.problems)")
        #expect(!report.problems.contains { $0.contains("T0000002") })
    }

    @Test func theTextFollowsCorrectionsAndHoldsNoSpecialCategory() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .correction(Self.fullName, .value("Ann Jones"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        let copies = try copies(t)
        #expect(copies["T0000001/full-name"] == "Ann Jones")
        #expect(copies["T0000001/postcode"] == "LS1 1AA")
        // Special categories stay sealed in the vault: no text, not even of "prefer not to say".
        for special in ["health-needs", "ethnic-origin", "religion"] {
            #expect(copies.keys.contains("T0000001/\(special)"), "the cell exists")
            #expect(copies["T0000001/\(special)"] == .some(nil), "\(special) copied")
        }
        let state = try #require(try t.db.tenantState("T0000001"))
        #expect(state.value(Self.fullName).answer == .value("Ann Jones"))
        #expect(try t.db.verify().ok)
    }

    @Test func anErasureForgetsTheText() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB"]))
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
        #expect(try copies(t)["T0000001/email"] == .some(nil))
        #expect(try t.db.verify().ok)
        // Whatever forgets a current value's row forgets its text in the row (the trigger), even where the projection
        // still names it; forgetting a value no longer current rewrites nothing.
        try t.db.write { db in try db.execute(sql: "UPDATE value SET value = NULL, salt = NULL WHERE attribute_id = 'postcode' AND value = 'LS1 1AA'") }
        let after = try copies(t)
        #expect(after["T0000001/postcode"] == .some(nil))
        #expect(after["T0000002/postcode"] == "LS2 2BB")
        #expect(after["T0000001/full-name"] == "Ann Smith")
    }

    /// A file made before the copy existed: the migration fills it in the same transaction as it adds
    /// the column, and exports and `verify` then read the same values as before.
    @Test func aFileFromBeforeIsMigrated() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB"]))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("postcode")), actor: .tenant, channel: .kiosk))
        let before = try copies(t)
        let schema = try TenantValuesTests.schema(t.path)
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { db in
            // A file from before the copy is also from before the row of current values built from it.
            try db.execute(sql: TenantValuesTests.fromBefore)
            try db.execute(sql: """
                DROP INDEX current_value_joint_tenancy;
                DELETE FROM grdb_migrations WHERE identifier = 'joint-tenancy-1';
                DROP TRIGGER value_erased_forgets_current;
                ALTER TABLE current_value DROP COLUMN value;
                DELETE FROM grdb_migrations WHERE identifier = '\(Schema.currentValueTextMigration)';
                """)
        }
        try queue.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        #expect(try TenantValuesTests.schema(t.path) == schema, "every migration ran again")
        #expect(try copies(t) == before)
        #expect(before["T0000002/full-name"] == "Bob Jones")
        #expect(before["T0000002/postcode"] == .some(nil))
        #expect(try t.db.verify().ok)
        let slice = TenantSlice(purpose: PurposeID("tenancy-management"), attributes: [Self.fullName, AttributeID("postcode")],
                                special: [], readsDecisions: false)
        var seen: [TenantRef: String] = [:]
        _ = try t.db.eachTenant(slice) { ref, state in seen[ref] = state.value(Self.fullName).answer?.text }
        #expect(seen == ["T0000001": "Ann Smith", "T0000002": "Bob Jones"])
    }
}

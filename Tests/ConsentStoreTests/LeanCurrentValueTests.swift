import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import SyncProtocol
import TestSupport
import Testing

/// `current_value` as `LeanCurrentValue` leaves it (issue 20): each value's writer by number and no copy of its
/// text. The number must stand for the device that wrote the value wherever the projection is read (the whole
/// tenant, the export's scans, the row of current values), the row of current values must still hold each text
/// and follow an erasure, a changed number must be caught by `verify`, and a file from before must be upgraded to
/// the same projection.
@Suite struct LeanCurrentValueTests {
    /// Takes a file back to before `current-value-lean-1`: every row naming its writer and holding a copy of its
    /// text, and the triggers and index as the migrations before left them.
    static let undo = """
        \(NumberedCellsTests.undo)
        DROP TRIGGER current_value_row_insert; DROP TRIGGER current_value_row_update; DROP TRIGGER current_value_row_delete;
        DROP TRIGGER current_value_office_insert; DROP TRIGGER current_value_office_update; DROP TRIGGER current_value_office_delete;
        DROP TRIGGER value_erased_rewrites_tenant_values;
        DROP INDEX value_joint_tenancy;
        CREATE TABLE current_value_named (
            tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL, status TEXT NOT NULL,
            source_device INTEGER NOT NULL, source_seq INTEGER NOT NULL,
            hlc INTEGER NOT NULL, writer TEXT NOT NULL, value TEXT,
            PRIMARY KEY (tenant_id, attribute_id)
        ) WITHOUT ROWID;
        INSERT INTO current_value_named
            SELECT c.tenant_id, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, d.id, v.value
            FROM current_value c JOIN device d ON d.no = c.writer_device
            LEFT JOIN value v ON c.status = 'value' AND v.device_no = c.source_device AND v.device_seq = c.source_seq
              AND v.attribute_id = c.attribute_id;
        DROP TABLE current_value;
        ALTER TABLE current_value_named RENAME TO current_value;
        \(TenantValueRow.triggers(.sharedSource))
        \(OfficeMoveSchema.projectionTriggers(running: OfficeColumns.follow(where:)))
        \(Schema.valueErasedForgetsCurrent)
        \(ConsentDatabase.currentValueJointTenancyIndex);
        DELETE FROM grdb_migrations WHERE identifier = '\(LeanCurrentValue.migration)';
        PRAGMA user_version = 5;
        """

    /// The writers of tenant `ref`'s current values as the file holds them: SQLite's type of the column, and the
    /// device the number names.
    func writers(_ t: TempDatabase, _ ref: String) throws -> [String: String] {
        try t.db.read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT c.attribute_id, typeof(c.writer_device) AS type, d.id FROM current_value c JOIN tenant t ON t.id = c.tenant_id
                LEFT JOIN device d ON d.no = c.writer_device WHERE t.ref = ?
                """, arguments: [ref]) {
                out[row["attribute_id"]] = "\(row["type"] as String) \(row["id"] as String? ?? "none")"
            }
            return out
        }
    }

    func twoTenants() throws -> TempDatabase {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB", "email": "bob@example.org"]))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .correction(AttributeID("full-name"), .value("Robert Jones"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        return t
    }

    @Test func theWriterIsKeptAsItsDeviceNumberAndReadAsItsDevice() throws {
        let t = try twoTenants()
        let written = try writers(t, "T0000002")
        #expect(written.count == 3)
        #expect(written.values.allSatisfy { $0 == "integer kiosk-test" }, "\(written)")
        let state = try #require(try t.db.tenantState("T0000002"))
        #expect(state.values.values.allSatisfy { $0.device == DeviceID("kiosk-test") })
        // The row of current values still names the writer, once, as its shared source.
        let cells = try #require(try t.db.read { try String.fetchOne($0, sql: "SELECT cells FROM tenant_values ORDER BY tenant_id LIMIT 1") })
        #expect(cells.hasPrefix("1,1,") && cells.contains(",10:kiosk-test;"), "\(cells)")
        #expect(try t.db.verify().ok)
        let columns = try t.db.read { try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('current_value')") }
        #expect(columns == ["tenant_id", "attribute_id", "status", "source_device", "source_seq", "hlc", "writer_device"])
    }

    /// A value's writer decides which of two changes with the same clock wins, so it is part of what `verify` proves.
    @Test func aChangedWriterIsCaughtByVerify() throws {
        let t = try twoTenants()
        try t.tamper("""
            INSERT INTO device (id) VALUES ('kiosk-elsewhere');
            UPDATE current_value SET writer_device = (SELECT no FROM device WHERE id = 'kiosk-elsewhere')
            WHERE attribute_id = 'postcode' AND tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000001');
            """)
        let report = try t.db.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains("T0000001") && $0.contains("postcode") }, "\(report.problems)")
        #expect(!report.problems.contains { $0.contains("T0000002") }, "\(report.problems)")
    }

    /// A file whose rows name their writers: opening upgrades it once, in place, to the same projection, the same rows
    /// of current values and the schema a new file has, and the file then takes changes and verifies as any other.
    @Test func aFileFromBeforeIsUpgraded() throws {
        let t = try twoTenants()
        let schema = try TenantValuesTests.schema(t.path)
        let states = try ["T0000001", "T0000002"].map { try t.db.tenantState(TenantRef($0)) }
        let rows = try t.db.read { try NumberedCellsTests.named($0) }
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { try $0.execute(sql: Self.undo) }
        let named = try queue.read { try String.fetchAll($0, sql: "SELECT DISTINCT writer FROM current_value") }
        try queue.close()
        #expect(named == ["kiosk-test"])
        var upgrades = 0
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key) { upgrades += 1 }
        #expect(upgrades == 1)
        #expect(try t.db.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == 8, "a binary from before now refuses the file")
        #expect(try TenantValuesTests.schema(t.path) == schema)
        #expect(try writers(t, "T0000001").values.allSatisfy { $0 == "integer kiosk-test" })
        #expect(try ["T0000001", "T0000002"].map { try t.db.tenantState(TenantRef($0)) } == states)
        #expect(try t.db.read { try NumberedCellsTests.named($0) } == rows)
        #expect(try t.db.verify().ok)
        try t.db.record(register("T0000003", ["full-name": "Cat Lee", "postcode": "LS3 3AB"]))
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("mobile")), actor: .tenant, channel: .kiosk))
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
    }

    /// The tenants of a tenancy are found by the text of their current value only (without case): not by a tenancy a
    /// tenant held before a correction, nor by one erased; and by the index, not a scan of every value.
    @Test func jointTenantsAreFoundByTheirCurrentTenancyOnly() throws {
        let t = try TempDatabase()
        for (ref, tenancy) in [("T0000001", "TEN-1"), ("T0000002", "ten-1"), ("T0000003", "TEN-1"), ("T0000004", "TEN-2"), ("T0000005", "TEN-2")] {
            try t.db.record(register(TenantRef(ref), ["full-name": "Tenant \(ref)", "joint-tenancy": tenancy]))
        }
        try t.db.record(ChangeRequest(tenant: "T0000003", payload: .correction(AttributeID("joint-tenancy"), .value("TEN-2"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        try t.db.record(ChangeRequest(tenant: "T0000005", payload: .erasure(AttributeID("joint-tenancy")),
                                      actor: .staff(StaffID("S1"), verification: "signed-form", reason: "tenant-request"), channel: .phone))
        #expect(try t.db.jointTenants(of: "T0000001") == ["T0000002"])
        #expect(try t.db.jointTenants(of: "T0000002") == ["T0000001"])
        #expect(try t.db.jointTenants(of: "T0000003") == ["T0000004"])
        #expect(try t.db.jointTenants(of: "T0000005") == [])
        let plan = try t.db.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(ConsentDatabase.jointTenantsSQL)", arguments: ["T0000001"])
                .map { $0["detail"] as String }.joined(separator: "\n")
        }
        #expect(plan.contains("value_joint_tenancy"), "\(plan)")
        #expect(try t.db.verify().ok)
    }
}

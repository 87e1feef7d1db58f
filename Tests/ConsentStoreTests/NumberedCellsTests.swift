import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import SyncProtocol
import TestSupport
import Testing

/// `tenant_values` cells naming each attribute by its number (`NumberedCells`, issue 20): a row must hold no
/// attribute's name, every path that writes rows (the appending trigger, a rewrite, a bulk batch's rebuild, an
/// erasure) must number a new attribute before its first cell, the export and `verify` must read numbers back as the
/// attributes they stand for, a number standing for nothing must be named by `verify`, and a file from before must be
/// upgraded to the same values.
@Suite struct NumberedCellsTests {
    /// Takes a file back to before `tenant-values-numbered-1`: rows and triggers naming attributes, no `attribute` table.
    static let undo = """
        DROP TRIGGER current_value_row_insert; DROP TRIGGER current_value_row_update; DROP TRIGGER current_value_row_delete;
        DROP TRIGGER value_erased_rewrites_tenant_values;
        \(TenantValueRow.triggers(.lean))
        \(LeanCurrentValue.erasureTrigger(.lean))
        DELETE FROM tenant_values;
        INSERT INTO tenant_values (tenant_id, cells) \(TenantValueRow.rows(where: "1", .lean));
        DROP TABLE attribute;
        DELETE FROM grdb_migrations WHERE identifier = '\(NumberedCells.migration)';
        PRAGMA user_version = 7;
        """

    /// The SQL of the text a numbered cell of `attribute` begins with, `#` and its number.
    static func head(_ attribute: String) -> String { "('#' || (SELECT no FROM attribute WHERE id = '\(attribute)'))" }

    /// The number the file gives `attribute`.
    static func number(_ t: TempDatabase, _ attribute: String) throws -> Int64 {
        let queue = try DatabaseQueue(path: t.path)
        defer { try? queue.close() }
        return try #require(try queue.read { try Int64.fetchOne($0, sql: "SELECT no FROM attribute WHERE id = ?", arguments: [attribute]) })
    }

    /// Every row's cells by tenant reference and attribute name (numbers read back through `attribute`): status letter,
    /// source and text.
    static func named(_ db: Database) throws -> [String: String] {
        let names = try NumberedCells.numbers(db).mapValues(\.rawValue)
        var out: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT t.ref, c.cells FROM tenant_values c JOIN tenant t ON t.id = c.tenant_id") {
            let bytes = Array((row["cells"] as String).utf8)
            let cells = try #require(bytes.withUnsafeBytes { ValueCells.cells($0) })
            for cell in cells {
                let text = { (range: Range<Int>) in String(decoding: bytes[range], as: UTF8.self) }
                let name = try #require(cell.attributeNumber.map { names[$0] } ?? text(cell.attribute))
                out["\(row["ref"] as String)/\(name)"] = "\(Character(UnicodeScalar(cell.status))) \(cell.sourceDevice),\(cell.sourceSequence),"
                    + "\(cell.hlc),\(text(cell.writer)) \(cell.value.map(text) ?? "-")"
            }
        }
        return out
    }

    func twoTenants() throws -> TempDatabase {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "postcode": "LS2 2BB", "email": "bob@example.org"]))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .correction(AttributeID("full-name"), .value("Robert Jones"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
        return t
    }

    @Test func aRowNamesNoAttributeAndReadsBackAsTheAttributes() throws {
        let t = try twoTenants()
        let rows = try t.db.read { try String.fetchAll($0, sql: "SELECT cells FROM tenant_values") }
        #expect(rows.count == 2)
        for row in rows {
            for attribute in annValues.keys { #expect(!row.contains(attribute), "\(attribute) named in \(row)") }
        }
        let numbered = try t.db.read { try NumberedCells.numbers($0) }
        #expect(numbered.values.map(\.rawValue).sorted() == annValues.keys.sorted(), "every attribute held is numbered, once")
        let named = try t.db.read { try Self.named($0) }
        #expect(named["T0000002/full-name"]?.hasSuffix(" Robert Jones") == true, "\(named)")
        #expect(named["T0000002/email"]?.hasPrefix("e ") == true, "\(named)")
        #expect(named["T0000001/religion"]?.hasPrefix("p ") == true && named["T0000001/religion"]?.hasSuffix(" -") == true)
        let slice = TenantSlice(purpose: PurposeID("tenancy-management"), attributes: [AttributeID("full-name"), AttributeID("postcode")],
                                special: [], readsDecisions: false)
        var read: [TenantRef: TenantState] = [:]
        _ = try t.db.eachTenant(slice) { ref, state in read[ref] = state }
        #expect(read["T0000002"]?.value(AttributeID("full-name")).answer == .value("Robert Jones"))
        #expect(read["T0000001"]?.value(AttributeID("postcode")).answer == .value("LS1 1AA"))
        #expect(try t.db.verify().ok)
    }

    /// A number the file does not hold, or one standing for another attribute, is a row that differs from the ledger.
    @Test func aChangedNumberIsCaughtByVerify() throws {
        let t = try twoTenants()
        let postcode = try Self.number(t, "postcode")
        try t.tamper("""
            UPDATE tenant_values SET cells = replace(cells, '#\(postcode)v', '#999v') WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000001');
            """)
        let report = try t.db.verify()
        #expect(report.problems.contains { $0.contains("tenant T0000001") && $0.contains("damaged") }, "\(report.problems)")
        #expect(!report.problems.contains { $0.contains("T0000002") }, "\(report.problems)")
    }

    /// A writer that did not number an attribute (a process of the version before, still open while another upgraded the
    /// file) loses no cell: it keeps the attribute's name, which every reader takes, and a rewrite keeps it too.
    @Test func aValueOfAnAttributeNobodyNumberedKeepsItsName() throws {
        let t = try TempDatabase()
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        defer { try? queue.close() }
        let row = { try queue.read { try String.fetchOne($0, sql: "SELECT cells FROM tenant_values WHERE tenant_id = 900") } }
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO device (id) VALUES ('old-binary');
                INSERT INTO value (device_no, device_seq, attribute_id, tenant_id, value, prefer_not, digest)
                    VALUES (7, 1, 'zz', 900, 'kept', 0, X'00000000');
                INSERT INTO current_value (tenant_id, attribute_id, status, source_device, source_seq, hlc, writer_device)
                    VALUES (900, 'zz', 'value', 7, 1, 100, (SELECT no FROM device WHERE id = 'old-binary'));
                """)
        }
        #expect(try row() == "7,1,100,10:old-binary;2:zzv=4:kept")
        try queue.write { try $0.execute(sql: "UPDATE current_value SET hlc = hlc WHERE tenant_id = 900") }
        #expect(try row() == "7,1,100,10:old-binary;2:zzv=4:kept")
        let names = AttributeNames([AttributeID("zz")])
        let bytes = Array(try #require(try row()).utf8)
        var values: [AttributeID: ValueRecord] = [:]
        var decoder = ValueCells.Decoder(deviceID: { DeviceID("device-\($0)") })
        #expect(bytes.withUnsafeBytes { decoder.read($0, keeping: names, into: &values) })
        #expect(values[AttributeID("zz")]?.state.answer == .value("kept"))
    }

    /// Numbers are looked up by index up to 65,535 and by a dictionary past it, so no number a table may hold is read as none.
    @Test func everyNumberReadsBackAsItsAttribute() {
        let (a, b, c) = (AttributeID("a"), AttributeID("b"), AttributeID("c"))
        let names = AttributeNames([a, b, c], numbers: [3: a, 70_000: b, -2: c, 5: AttributeID("not-read")])
        #expect(names.id(number: 3) == a && names.id(number: 70_000) == b && names.id(number: -2) == c)
        #expect(names.id(number: 4) == nil && names.id(number: 5) == nil && names.id(number: 0) == nil && names.id(number: Int64.max) == nil)
    }

    /// Someone with the file writes a number with no digits, a negative one, or one too large for the reader: the row
    /// does not parse, so the export stops and verify names the tenant, rather than a cell being read as another.
    @Test(arguments: ["#v", "#-1v", "#99999999999999999999v"])
    func aMalformedNumberIsADamagedRow(_ head: String) throws {
        let t = try twoTenants()
        try t.tamper("""
            UPDATE tenant_values SET cells = replace(cells, \(Self.head("postcode")) || 'v', '\(head)')
            WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000001');
            """)
        let slice = TenantSlice(purpose: PurposeID("tenancy-management"), attributes: [AttributeID("postcode")], special: [],
                                readsDecisions: false)
        #expect(throws: StoreError.damagedProjection("T0000001")) { _ = try t.db.eachTenant(slice) { _, _ in } }
        let report = try t.db.verify()
        #expect(report.problems.contains { $0.contains("tenant T0000001") && $0.contains("damaged") }, "\(report.problems)")
    }

    /// A bulk batch writes rows once at its end: an attribute first seen in the batch is numbered all the same.
    @Test func aBulkBatchNumbersAttributesItIntroduces() throws {
        let t = try TempDatabase()
        try t.db.batch { b in
            for n in 1...3 {
                _ = try b.record(register(TenantRef("T000000\(n)"), ["full-name": "Tenant \(n)", "preferred-name": "T\(n)"]))
            }
        }
        let named = try t.db.read { try Self.named($0) }
        #expect(named["T0000003/preferred-name"]?.hasSuffix(" T3") == true, "\(named)")
        #expect(try t.db.verify().ok)
    }

    /// A file whose rows name their attributes: opening upgrades it once, in place, to rows of the same cells and the
    /// schema a new file has, and the file then takes changes and verifies as any other.
    @Test func aFileFromBeforeIsUpgraded() throws {
        let t = try twoTenants()
        let schema = try TenantValuesTests.schema(t.path)
        let before = try t.db.read { try Self.named($0) }
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { try $0.execute(sql: Self.undo) }
        let old = try queue.read { try String.fetchAll($0, sql: "SELECT cells FROM tenant_values") }
        try queue.close()
        #expect(old.allSatisfy { $0.contains("9:full-name") }, "\(old)")
        var upgrades = 0
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key) { upgrades += 1 }
        #expect(upgrades == 1)
        #expect(try t.db.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == 8, "a binary from before now refuses the file")
        #expect(try TenantValuesTests.schema(t.path) == schema)
        #expect(try t.db.read { try Self.named($0) } == before)
        #expect(try t.db.verify().ok)
        try t.db.record(register("T0000003", ["full-name": "Cat Lee", "preferred-name": "Cat"]))
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("mobile")), actor: .tenant, channel: .kiosk))
        let after = try t.db.read { try Self.named($0) }
        #expect(after["T0000003/preferred-name"]?.hasSuffix(" Cat") == true, "\(after)")
        #expect(after["T0000001/mobile"]?.hasPrefix("e ") == true, "\(after)")
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
    }
}

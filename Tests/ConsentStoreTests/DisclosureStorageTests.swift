import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import TestSupport
import Testing

/// Disclosures are stored keyed by (export, tenant), so an export appends its rows (issue 20): each
/// tenant must still get exactly their own disclosures whatever order an export names them in, files
/// keyed the old way are converted without losing any, and a tenant who leaves takes theirs along.
@Suite struct DisclosureStorageTests {
    static func ref(_ n: Int) -> TenantRef { TenantRef("T\(String(format: "%07d", n))") }

    /// A register of `count` tenants.
    func registered(_ count: Int) throws -> TempDatabase {
        let t = try TempDatabase()
        for n in 1...count { try t.db.record(register(Self.ref(n), ["full-name": "Tenant \(n)", "postcode": "LS1 1AA"])) }
        return t
    }

    /// Export id and attributes of each disclosure of `ref`, in the order the kiosk lists them.
    func sent(_ t: TempDatabase, _ ref: TenantRef) throws -> [String] {
        try t.db.tenantRecord(ref).disclosures.map { "\($0.exportID):\($0.attributes.joined(separator: "+"))" }
    }

    @Test func eachTenantGetsTheirOwnWhateverTheOrder() throws {
        let t = try registered(60)
        // Register order with a long gap (more than the scan looks ahead), one tenant named after later ones,
        // one reference held nowhere, and the last tenant.
        var entries: [(tenant: TenantRef, mask: UInt64)] = (1...5).map { (Self.ref($0), 1) }
        entries += (40...45).map { (Self.ref($0), 3) }
        entries.append((Self.ref(20), 2))
        entries.append((TenantRef("T9999999"), 3))
        entries.append((Self.ref(60), 2))
        try t.db.recordDisclosures(exportID: "exp-a", purpose: "tenancy-management", recipient: "housing",
                                   columns: ["full-name", "postcode"], entries)
        try t.db.recordDisclosures(exportID: "exp-b", purpose: "tenancy-management", recipient: "housing",
                                   columns: ["full-name", "postcode"], [(tenant: Self.ref(41), mask: UInt64(2))])
        #expect(try sent(t, Self.ref(1)) == ["exp-a:full-name"])
        #expect(try sent(t, Self.ref(3)) == ["exp-a:full-name"])
        #expect(try sent(t, Self.ref(20)) == ["exp-a:postcode"], "named after later tenants")
        #expect(try sent(t, Self.ref(6)) == [], "left out")
        #expect(try sent(t, Self.ref(39)) == [], "in the gap")
        #expect(try sent(t, Self.ref(41)) == ["exp-a:full-name+postcode", "exp-b:postcode"])
        #expect(try sent(t, Self.ref(60)) == ["exp-a:postcode"])
        let rows = try t.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM disclosure") }
        #expect(rows == 5 + 6 + 1 + 1 + 1, "one row per tenant and export, none for the unknown reference")
    }

    /// Rows are inserted a batch at a time: every tenant on either side of a batch's end gets their own mask.
    @Test func anExportOfManyTenantsRecordsEachOnceAcrossBatches() throws {
        let t = try registered(250)
        var entries: [(tenant: TenantRef, mask: UInt64)] = (1...250).map { (Self.ref($0), UInt64($0 % 3 + 1)) }
        entries.insert((TenantRef("T9999999"), 3), at: 150)
        try t.db.recordDisclosures(exportID: "exp-a", purpose: "tenancy-management", recipient: "housing",
                                   columns: ["full-name", "postcode"], entries)
        let names = ["", "exp-a:full-name", "exp-a:postcode", "exp-a:full-name+postcode"]
        for n in [1, 99, 100, 101, 150, 151, 200, 201, 249, 250] {
            #expect(try sent(t, Self.ref(n)) == [names[n % 3 + 1]], "tenant \(n)")
        }
        let rows = try t.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM disclosure") }
        #expect(rows == 250)
    }

    @Test func aFileKeyedByTenantIsConverted() throws {
        let t = try registered(20)
        try t.db.recordDisclosures(exportID: "exp-a", purpose: "tenancy-management", recipient: "housing",
                                   columns: ["full-name", "postcode"], (1...20).map { (tenant: Self.ref($0), mask: UInt64($0 % 3 + 1)) })
        try t.db.recordDisclosures(exportID: "exp-b", purpose: "tenancy-management", recipient: "housing",
                                   columns: ["postcode"], [(tenant: Self.ref(7), mask: UInt64(1)), (tenant: Self.ref(9), mask: UInt64(1))])
        let before = try (1...20).map { try sent(t, Self.ref($0)) }
        // Back to the old key, with the rows it held.
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE TABLE old_disclosure (tenant_id INTEGER NOT NULL, export_no INTEGER NOT NULL, columns INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, export_no)) WITHOUT ROWID;
                INSERT INTO old_disclosure SELECT tenant_id, export_no, columns FROM disclosure;
                DROP TABLE disclosure;
                ALTER TABLE old_disclosure RENAME TO disclosure;
                DELETE FROM grdb_migrations WHERE identifier = '\(Schema.disclosureByExportMigration)';
                """)
        }
        try queue.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        #expect(try (1...20).map { try sent(t, Self.ref($0)) } == before)
        #expect(before[6] == ["exp-a:postcode", "exp-b:postcode"])
        #expect(before[7] == ["exp-a:full-name+postcode"])
        let key = try t.db.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info('sqlite_autoindex_disclosure_1') ORDER BY seqno")
        }
        #expect(key == ["export_no", "tenant_id"])
    }

    @Test func aTenantWhoLeavesTakesTheirDisclosures() throws {
        let t = try registered(3)
        for export in ["exp-a", "exp-b"] {
            try t.db.recordDisclosures(exportID: export, purpose: "tenancy-management", recipient: "housing",
                                       columns: ["full-name"], (1...3).map { (tenant: Self.ref($0), mask: UInt64(1)) })
        }
        // The tenant's events were pushed (a device forgets only those), then they moved office.
        try t.db.write { db in
            try db.execute(sql: "UPDATE ledger SET pushed = 1")
            #expect(try Departure.forget([Self.ref(2).rawValue], in: db) == 1)
        }
        let left = try t.db.read { db in
            try Int.fetchAll(db, sql: "SELECT tenant_id FROM disclosure ORDER BY export_no, tenant_id")
        }
        #expect(left == [1, 3, 1, 3])
        #expect(try sent(t, Self.ref(3)) == ["exp-a:full-name", "exp-b:full-name"])
    }
}

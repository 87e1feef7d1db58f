import ConsentCore
import ConsentStore
import Foundation
import GRDB
import Testing
import TestSupport

/// A centre keeps each tenant's current office beside them (`tenant.office`, and the event that set it),
/// so an office's pull finds it with one lookup of the tenant; a centre from before the column gets it
/// filled when it is opened.
@Suite struct TenantOfficeColumnTests {
    static func offices(_ db: ConsentDatabase) throws -> [String: String] {
        try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT ref, coalesce(office, '-') AS office FROM tenant").map {
                ($0["ref"] as String, $0["office"] as String)
            })
        }
    }

    @Test func theTenantRowFollowsTheirOfficeThroughMovesAndIsNeverErased() async throws {
        let net = try await Network.make(.sqlite, devices: 0, tenants: [])
        let centre = try #require(net.centre.sqlite)
        try centre.record([register("A0000001", ["full-name": "A", "office": "north"]),
                           register("A0000002", ["full-name": "B", "office": "south"]),
                           register("A0000003", ["full-name": "C"])])
        #expect(try Self.offices(centre) == ["A0000001": "north", "A0000002": "south", "A0000003": "-"])
        let staff: ConsentCore.Actor = .staff(StaffID("S1"), verification: nil, reason: "moved")
        try centre.record([ChangeRequest(tenant: "A0000001", payload: .correction(Office.attribute, .value("south"), pending: false),
                                         actor: staff, channel: .phone),
                           ChangeRequest(tenant: "A0000003", payload: .correction(Office.attribute, .value("east"), pending: false),
                                         actor: staff, channel: .phone)])
        // The office is never erased: without it every device would pull the tenant.
        #expect(throws: StoreError.self) {
            try centre.record([ChangeRequest(tenant: "A0000002", payload: .erasure(Office.attribute), actor: staff, channel: .phone)])
        }
        #expect(try Self.offices(centre) == ["A0000001": "south", "A0000002": "south", "A0000003": "east"])
        // The event that set it (a registration or a move) is the one the projection names.
        let named: Int = try centre.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM tenant t JOIN current_value c ON c.tenant_id = t.id AND c.attribute_id = 'office'
                WHERE t.office_device = c.source_device AND t.office_dseq = c.source_seq
                """) ?? 0
        }
        #expect(named == 3, "each tenant's office names the event that set it")
    }

    @Test func aCentreFromBeforeTheColumnHasItFilledWhenOpened() throws {
        let folder = try TempFolder()
        let path = folder.path("centre.sqlite")
        let centre = try ConsentDatabase.create(at: path, validator: Shipped.content.validator, device: DeviceID("centre"), key: sharedKey, centre: true)
        try centre.record([register("A0000001", ["full-name": "A", "office": "north"]), register("A0000002", ["full-name": "B"])])
        // As the schema was before: no columns, no triggers, the migration not run.
        try centre.write { db in
            try db.execute(sql: """
                DROP TRIGGER current_value_office_insert; DROP TRIGGER current_value_office_update; DROP TRIGGER current_value_office_delete;
                ALTER TABLE tenant DROP COLUMN office; ALTER TABLE tenant DROP COLUMN office_device; ALTER TABLE tenant DROP COLUMN office_dseq;
                DELETE FROM grdb_migrations WHERE identifier = 'tenant-office-1';
                """)
        }
        try centre.close()
        let reopened = try ConsentDatabase.open(at: path, validator: Shipped.content.validator, key: sharedKey)
        #expect(try Self.offices(reopened) == ["A0000001": "north", "A0000002": "-"])
        #expect(try reopened.verify().problems.isEmpty)
    }
}

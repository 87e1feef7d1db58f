import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// A centre keeps each tenant's current office beside them (`tenant.office`, and the central number of the move
/// that set it, `office_central`), so an office's pull finds both with one lookup of the tenant; a centre from
/// before the columns gets them filled when it is opened.
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
    }

    /// The central number of each tenant's move: a correction with evidence's own, a waiting one's confirmation's,
    /// none for an office given at registration or a move rejected.
    static func moves(_ db: ConsentDatabase) throws -> [String: Int64] {
        try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT ref, office_central FROM tenant WHERE office_central IS NOT NULL").map {
                ($0["ref"] as String, $0["office_central"] as Int64)
            })
        }
    }

    @Test func aMoveIsNumberedWhereItTookEffect() throws {
        let folder = try TempFolder()
        let centre = try ConsentDatabase.create(at: folder.path("centre.sqlite"), validator: Shipped.content.validator, device: DeviceID("centre"),
                                                key: sharedKey, centre: true)
        try centre.record([register("A0000001", ["full-name": "A", "office": "north"]), register("A0000002", ["full-name": "B", "office": "north"]),
                           register("A0000003", ["full-name": "C", "office": "north"]), register("A0000004", ["full-name": "D", "office": "north"])])
        let staff: ConsentCore.Actor = .staff(StaffID("S1"), verification: nil, reason: "moving")
        let checker: ConsentCore.Actor = .staff(StaffID("S2"), verification: "tenancy transfer seen", reason: nil)
        func move(_ ref: TenantRef, evidence: String?) throws -> StoredEvent {
            try centre.record(ChangeRequest(tenant: ref, payload: .correction(Office.attribute, .value("south"), pending: evidence == nil),
                                            actor: staff, channel: evidence == nil ? .phone : .paper, evidence: evidence))
        }
        let atOnce = try move("A0000001", evidence: "tenancy transfer seen")
        let waiting = try move("A0000002", evidence: nil), refused = try move("A0000003", evidence: nil)
        #expect(try Self.moves(centre) == ["A0000001": try #require(atOnce.event.centralSequence)], "a waiting move has not taken effect")
        let confirmed = try centre.record(ChangeRequest(tenant: "A0000002", payload: .verification(of: waiting.event.id, attribute: Office.attribute, approved: true),
                                                        actor: checker, channel: .paper, evidence: "tenancy transfer seen"))
        try centre.record(ChangeRequest(tenant: "A0000003", payload: .verification(of: refused.event.id, attribute: Office.attribute, approved: false),
                                        actor: checker, channel: .paper))
        #expect(try Self.moves(centre) == ["A0000001": try #require(atOnce.event.centralSequence),
                                           "A0000002": try #require(confirmed.event.centralSequence)])
        #expect(try Self.offices(centre) == ["A0000001": "south", "A0000002": "south", "A0000003": "north", "A0000004": "north"])
        // The departures since a cursor are found through the index of moves, not by reading the ledger.
        let plan: [String] = try centre.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + OfficePull.departedQuery { "?\($0)" }, arguments: [0, "north", -1])
                .map { $0["detail"] as String }
        }
        #expect(plan.first { $0.contains("tenant_by_move") } != nil, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "every table is searched by an index: \(plan)")
    }

    @Test func aCentreFromBeforeTheColumnHasItFilledWhenOpened() throws {
        let folder = try TempFolder()
        let path = folder.path("centre.sqlite")
        let centre = try ConsentDatabase.create(at: path, validator: Shipped.content.validator, device: DeviceID("centre"), key: sharedKey, centre: true)
        try centre.record([register("A0000001", ["full-name": "A", "office": "north"]), register("A0000002", ["full-name": "B"])])
        try centre.record([ChangeRequest(tenant: "A0000002", payload: .correction(Office.attribute, .value("south"), pending: false),
                                         actor: .staff(StaffID("S1"), verification: nil, reason: "moved"), channel: .paper,
                                         evidence: "tenancy transfer seen")])
        let moved = try Self.moves(centre)
        #expect(moved.keys.sorted() == ["A0000002"])
        // As the schema was before: no columns, no triggers, the migrations not run.
        try centre.write { db in try db.execute(sql: BeforeOfficeMoves.sqlite) }
        try centre.close()
        let reopened = try ConsentDatabase.open(at: path, validator: Shipped.content.validator, key: sharedKey)
        #expect(try Self.offices(reopened) == ["A0000001": "north", "A0000002": "south"])
        #expect(try Self.moves(reopened) == moved)
        #expect(try reopened.verify().problems.isEmpty)
    }
}

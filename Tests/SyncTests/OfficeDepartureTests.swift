import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// A tenant who moves to another office leaves the old office's devices at their next sync: nothing of
/// theirs stays there (not a value, a sealed value, their PIN, their reference), while every chain held
/// there still verifies and the device keeps pushing. A device that changes them after the move follows them.
@Suite struct OfficeDepartureTests {
    typealias Offices = OfficeSyncTests.Offices

    static func move(_ ref: TenantRef, to office: String, at offices: Offices) async throws {
        try await move(ref, to: office, at: offices.net)
    }

    /// Staff at the centre move `ref` to `office`, on a transfer seen on paper.
    static func move(_ ref: TenantRef, to office: String, at net: Network) async throws {
        try await net.centre.record([ChangeRequest(tenant: ref, payload: .correction(Office.attribute, .value(office), pending: false),
                                                   actor: .staff(StaffID("S1"), verification: nil, reason: "moved house"), channel: .paper,
                                                   evidence: "tenancy transfer seen")])
    }

    @Test(arguments: Backend.allCases)
    func aTenantMovedAwayIsForgottenByTheOldOfficesDevicesAtTheirNextSync(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let moved = Offices.southTenants[0], stays = Offices.southTenants[1]
        // The south kiosk served them itself: a decision and a PIN set there, pushed.
        try offices.south.record(decide(moved, "resident-involvement", ["full-name"], .granted))
        try offices.south.setPIN("482913", for: moved, actor: .tenant, channel: .kiosk)
        try await offices.sync(offices.south)
        #expect(try offices.south.checkPIN("482913", for: moved))

        try await Self.move(moved, to: "north", at: offices)
        try await offices.sync(offices.south)
        try await offices.sync(offices.north)

        #expect(try offices.south.tenantState(moved) == nil, "the moved tenant is gone from the south kiosk")
        #expect((try? offices.south.checkPIN("482913", for: moved)) != true, "and cannot sign in there")
        #expect(try !offices.held(offices.south).contains(moved))
        for text in [moved.rawValue, "Name of \(moved)", "\(moved.rawValue.lowercased())@example.org"] {
            #expect(try !offices.filesContain(offices.south, text), "\(text) is still in the south kiosk's files")
        }
        let sealedAtSouth: Int = try offices.south.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM vault.value") ?? 0 }
        #expect(sealedAtSouth == 2, "only the other south tenant's two special categories")
        #expect(try offices.south.verify().problems.isEmpty)
        // The north kiosk has them, with what the south kiosk recorded.
        let state = try #require(try offices.north.tenantState(moved))
        #expect(state.decisions[DecisionKey(AttributeID("full-name"), PurposeID("resident-involvement"))]?.state == .granted)
        #expect(try offices.north.verify().problems.isEmpty)
        // The south kiosk's own chain goes on: its next change pushes and everything still verifies.
        try offices.south.record(decide(stays, "resident-involvement", ["full-name"], .granted))
        try await offices.sync(offices.south)
        #expect(try offices.south.tenantState(stays)?.decisions[DecisionKey(AttributeID("full-name"), PurposeID("resident-involvement"))] != nil)
        let unsent: Int = try offices.south.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger WHERE pushed = 0") ?? 0 }
        #expect(unsent == 0)
        #expect(try offices.south.verify().problems.isEmpty)
        #expect(try offices.north.verify().problems.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aTenantWhoMovesBackComesBackWholeWithTheDevicesOwnEvents(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let tenant = Offices.southTenants[0]
        try offices.south.record(decide(tenant, "resident-involvement", ["full-name"], .granted))
        try await offices.sync(offices.south)
        try await Self.move(tenant, to: "north", at: offices)
        try await offices.sync(offices.south)
        #expect(try offices.south.tenantState(tenant) == nil)
        try await Self.move(tenant, to: "south", at: offices)
        try await offices.sync(offices.south)
        let state = try #require(try offices.south.tenantState(tenant), "back at the south kiosk")
        #expect(state.value(AttributeID("full-name")).answer == .value("Name of \(tenant)"))
        #expect(state.decisions[DecisionKey(AttributeID("full-name"), PurposeID("resident-involvement"))]?.state == .granted,
                "with the decision the south kiosk itself recorded before they left")
        #expect(try offices.south.verify().problems.isEmpty)
        try offices.south.record(decide(tenant, "resident-involvement", ["full-name"], .withdrawn))
        try await offices.sync(offices.south)
        #expect(try offices.south.verify().problems.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aDeviceThatChangesATenantAfterTheyMovedAwayFollowsThem(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let tenant = Offices.northTenants[0]
        // Recorded at the north kiosk while the centre moves them (not yet pushed): it pushes at the next sync.
        try offices.north.record(decide(tenant, "resident-involvement", ["full-name"], .granted))
        try await Self.move(tenant, to: "south", at: offices)
        try await offices.net.centre.record([decide(tenant, "resident-involvement", ["full-name"], .withdrawn)])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        try await offices.net.centre.record([decide(tenant, "service-updates-email", ["full-name", "email"], .withdrawn)])
        try await offices.sync(offices.north)
        let key = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
        #expect(try offices.north.tenantState(tenant)?.decisions[key]?.state == .withdrawn, "the north kiosk changed them after the move, so it follows them")
        #expect(try offices.south.tenantState(tenant) != nil)
        #expect(try offices.north.verify().problems.isEmpty && offices.south.verify().problems.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aChangeMadeBeforeTheMoveDoesNotKeepTheTenantAtTheOldOffice(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let tenant = Offices.northTenants[0]
        try offices.north.record(decide(tenant, "resident-involvement", ["full-name"], .granted))
        try await offices.sync(offices.north)
        try await Self.move(tenant, to: "south", at: offices)
        try await offices.sync(offices.north)
        #expect(try offices.north.tenantState(tenant) == nil, "a kiosk that once served a tenant does not keep them after they move")
        #expect(try offices.north.verify().problems.isEmpty)
    }
}

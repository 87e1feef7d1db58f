import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// A move that waits for evidence: the office needs evidence, so a move taken by phone is a pending
/// correction, and the tenant changes office only when staff confirm it. The move is placed where it is
/// confirmed, not where it was asked for: devices of both offices that synced while it waited are told at
/// their next sync, the new office receiving the tenant's whole history and the old one forgetting them.
@Suite struct PendingMoveTests {
    typealias Offices = OfficeSyncTests.Offices

    /// Staff take a move of `ref` to `office` by phone (no evidence yet, so it waits); returns its event.
    static func askToMove(_ ref: TenantRef, to office: String, at net: Network) async throws -> EventID {
        let stored = try await net.centre.record([ChangeRequest(tenant: ref, payload: .correction(Office.attribute, .value(office), pending: true),
                                                                actor: .staff(StaffID("S1"), verification: nil, reason: "moving house"),
                                                                channel: .phone)])
        return try #require(stored.first).event.id
    }

    /// Staff see the transfer and confirm (or reject) the waiting move `correction`.
    static func confirm(_ correction: EventID, of ref: TenantRef, approved: Bool = true, at net: Network) async throws {
        try await net.centre.record([ChangeRequest(tenant: ref, payload: .verification(of: correction, attribute: Office.attribute, approved: approved),
                                                   actor: .staff(StaffID("S2"), verification: "tenancy transfer seen", reason: nil),
                                                   channel: .paper, evidence: "tenancy transfer seen")])
    }

    @Test(arguments: Backend.allCases)
    func aMoveConfirmedAfterBothOfficesSyncedReachesTheNewOfficeAndLeavesTheOld(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let moved = Offices.southTenants[0]
        // The south kiosk served them: a decision made there, pushed.
        try offices.south.record(decide(moved, "resident-involvement", ["full-name"], .granted))
        try await offices.sync(offices.south)

        let correction = try await Self.askToMove(moved, to: "north", at: offices.net)
        // Both offices sync past the waiting move (a later change of each office's own tenant takes their cursors
        // beyond it): the tenant is still south's.
        try await offices.net.centre.record([decide(Offices.northTenants[0], "resident-involvement", ["full-name"], .granted),
                                             decide(Offices.southTenants[1], "resident-involvement", ["full-name"], .granted)])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        #expect(try offices.north.tenantState(moved) == nil, "a move not yet confirmed sends nothing to the new office")
        #expect(try offices.south.tenantState(moved)?.value(Office.attribute).answer == .value("south"))

        try await Self.confirm(correction, of: moved, at: offices.net)
        try await offices.sync(offices.north)
        let state = try #require(try offices.north.tenantState(moved), "the confirmed move brings the tenant to the north kiosk")
        #expect(state.value(Office.attribute).answer == .value("north"))
        #expect(state.value(AttributeID("full-name")).answer == .value("Name of \(moved)"))
        #expect(state.decisions.keys.contains(DecisionKey(AttributeID("full-name"), PurposeID("resident-involvement"))),
                "their whole history came: the decision made at the south kiosk before the move")
        #expect(try offices.north.verify().problems.isEmpty)

        try await offices.sync(offices.south)
        #expect(try offices.south.tenantState(moved) == nil, "the south kiosk forgets the tenant who moved away")
        #expect(try !offices.filesContain(offices.south, "Name of \(moved)"))
        #expect(try offices.south.tenantState(Offices.southTenants[1]) != nil, "the tenant who stays is still there")
        #expect(try offices.south.verify().problems.isEmpty)

        // Their later events go to north alone, and the south kiosk keeps pushing.
        try await offices.net.centre.record([decide(moved, "service-updates-email", ["full-name", "email"], .withdrawn)])
        try offices.south.record(decide(Offices.southTenants[1], "service-updates-email", ["full-name", "email"], .withdrawn))
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        let emailUpdates = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
        #expect(try offices.north.tenantState(moved)?.decisions[emailUpdates]?.state == .withdrawn)
        #expect(try offices.south.tenantState(moved) == nil)
        #expect(try await offices.net.centre.decisions(Offices.southTenants[1])[emailUpdates]?.state == .withdrawn,
                "the south kiosk's change after the move reached the centre")
    }

    /// The device that only asked for a waiting move did not move the tenant (staff who confirmed it did), so it
    /// does not keep them once the move takes effect, as a change made before a move keeps no one.
    @Test(arguments: Backend.allCases)
    func theDeviceThatAskedForAWaitingMoveForgetsTheTenantOnceItIsConfirmed(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let moved = Offices.southTenants[0]
        let asked = try offices.south.record(ChangeRequest(tenant: moved, payload: .correction(Office.attribute, .value("north"), pending: true),
                                                           actor: .staff(StaffID("S1"), verification: nil, reason: "moving house"), channel: .phone))
        try await offices.sync(offices.south)
        #expect(try offices.south.tenantState(moved)?.value(Office.attribute).answer == .value("south"), "waiting, the move changes nothing")
        try await Self.confirm(asked.event.id, of: moved, at: offices.net)
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        #expect(try offices.north.tenantState(moved)?.value(Office.attribute).answer == .value("north"))
        #expect(try offices.south.tenantState(moved) == nil, "the device that asked is told to forget them")
        #expect(try offices.south.verify().problems.isEmpty)
    }

    /// A move asked for and confirmed on one device before it syncs reaches the centre in one push (a PostgreSQL
    /// centre writes the projection before the ledger rows), and the new office gets the tenant whole; the device
    /// that confirmed it moved them, so it keeps them.
    @Test(arguments: Backend.allCases)
    func aMoveAskedForAndConfirmedInOnePushReachesTheNewOffice(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let moved = Offices.southTenants[0]
        try await offices.net.centre.record([decide(Offices.northTenants[0], "resident-involvement", ["full-name"], .granted)])
        try await offices.sync(offices.north)
        let asked = try offices.south.record(ChangeRequest(tenant: moved, payload: .correction(Office.attribute, .value("north"), pending: true),
                                                           actor: .staff(StaffID("S1"), verification: nil, reason: "moving house"), channel: .phone))
        try offices.south.record(ChangeRequest(tenant: moved, payload: .verification(of: asked.event.id, attribute: Office.attribute, approved: true),
                                               actor: .staff(StaffID("S2"), verification: "tenancy transfer seen", reason: nil),
                                               channel: .paper, evidence: "tenancy transfer seen"))
        try await offices.sync(offices.south)
        try await offices.sync(offices.north)
        let state = try #require(try offices.north.tenantState(moved), "the move reached the north kiosk")
        #expect(state.value(Office.attribute).answer == .value("north"))
        #expect(state.value(AttributeID("full-name")).answer == .value("Name of \(moved)"), "with their history")
        #expect(try offices.north.verify().problems.isEmpty)
        try await offices.sync(offices.south)
        #expect(try offices.south.tenantState(moved)?.value(Office.attribute).answer == .value("north"), "the device that moved them keeps them")
    }

    /// A centre upgraded from before moves were placed where they took effect: the move confirmed there
    /// still reaches both offices as above.
    @Test(arguments: Backend.allCases)
    func aMoveConfirmedBeforeTheUpgradeIsPlacedWhereItWasConfirmed(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let moved = Offices.southTenants[0]
        let correction = try await Self.askToMove(moved, to: "north", at: offices.net)
        try await offices.net.centre.record([decide(Offices.northTenants[0], "resident-involvement", ["full-name"], .granted),
                                             decide(Offices.southTenants[1], "resident-involvement", ["full-name"], .granted)])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        try await Self.confirm(correction, of: moved, at: offices.net)

        try await offices.net.centre.reopenUpgrading(
            sqlite: BeforeOfficeMoves.sqlite, postgres: BeforeOfficeMoves.postgres + ["DELETE FROM schema_version WHERE version >= 17"],
            clock: offices.net.clocks[offices.net.clocks.count - 1])

        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        #expect(try offices.north.tenantState(moved)?.value(Office.attribute).answer == .value("north"))
        #expect(try offices.north.verify().problems.isEmpty)
        #expect(try offices.south.tenantState(moved) == nil)
    }

    @Test(arguments: Backend.allCases)
    func aRejectedMoveLeavesTheTenantWhereTheyWere(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let stays = Offices.southTenants[0]
        let correction = try await Self.askToMove(stays, to: "north", at: offices.net)
        try await offices.net.centre.record([decide(Offices.northTenants[0], "resident-involvement", ["full-name"], .granted)])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        try await Self.confirm(correction, of: stays, approved: false, at: offices.net)
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        #expect(try offices.north.tenantState(stays) == nil, "a rejected move sends nothing to the other office")
        #expect(try offices.south.tenantState(stays)?.value(Office.attribute).answer == .value("south"))
    }
    /// An office a move named only while it waited (never confirmed, or rejected) never held the tenant. When they
    /// later move elsewhere, it is not sent their reference as one who left, nor may an export it sends name them.
    /// An office that did hold a tenant (its own, or one with no office whose move to another was rejected) is told
    /// they left, and an export it made before it pulled that still names them.
    @Test(arguments: Backend.allCases)
    func anOfficeThatAMoveNamedOnlyWhileItWaitedNeverHeldTheTenant(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let (waiting, rejected, everyone, own) = (Offices.southTenants[0], Offices.southTenants[1], Offices.everyone, Offices.northTenants[1])
        _ = try await Self.askToMove(waiting, to: "north", at: offices.net)
        try await Self.confirm(try await Self.askToMove(rejected, to: "north", at: offices.net), of: rejected, approved: false, at: offices.net)
        try await Self.confirm(try await Self.askToMove(everyone, to: "south", at: offices.net), of: everyone, approved: false, at: offices.net)
        // Both kiosks sync past all of it (a change of a north tenant takes the north cursor beyond it).
        try await offices.net.centre.record([decide(Offices.northTenants[0], "resident-involvement", ["full-name"], .granted)])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        let store = offices.net.centre.store
        let cursor = try await store.pull(after: 0, limit: 1000, for: "kiosk-north").cursor
        #expect(try offices.south.tenantState(everyone) != nil && offices.north.tenantState(everyone) != nil,
                "the tenant with no office is every office's")

        for ref in [waiting, rejected, everyone, own] { try await OfficeDepartureTests.move(ref, to: "east", at: offices.net) }
        let departed = try await store.pull(after: cursor, limit: 1000, for: "kiosk-north").departed
        #expect(Set(departed) == [everyone.rawValue, own.rawValue], "the north kiosk is told of exactly the tenants it held who left")
        let export = WireExport(id: "exp-waited01", purpose: "tenancy-management", recipient: "landlord-staff", columns: DisclosureSyncTests.columns,
                                at: 1_790_000_000_000, operator: "x",
                                entries: [waiting, rejected, everyone, own].map { WireDisclosure(tenant: $0.rawValue, columns: 1) })
        _ = try await store.exchangeDisclosures(DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [export], receive: false, pulled: cursor),
                                                from: "kiosk-north")
        _ = try await PushScopeTests.enrol("kiosk-east", office: "east", at: offices.net)
        let seenAtEast = try await store.exchangeDisclosures(DisclosureExchange(device: "kiosk-east", cursor: 0, exports: []), from: "kiosk-east")
        #expect(Set(seenAtEast.exports.flatMap(\.entries).map(\.tenant)) == [everyone.rawValue, own.rawValue],
                "the centre took exactly the tenants the north kiosk held when it exported: \(seenAtEast.exports)")

        try await offices.sync(offices.south)
        #expect(try offices.south.tenantState(everyone) == nil, "the south kiosk keeps a tenant who moved to the east office")
        #expect(try offices.south.tenantState(waiting) == nil && offices.south.tenantState(rejected) == nil)
    }

    /// Both centres' verification checks the office kept beside each tenant against their events: it passes after a
    /// move that waited and one that applied at once, and names a tenant whose columns were changed by hand.
    @Test(arguments: Backend.allCases)
    func verificationNamesATenantWhoseOfficeColumnsAreNotWhatTheirEventsGive(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let centre = offices.net.centre
        let (waited, atOnce) = (Offices.southTenants[0], Offices.southTenants[1])
        try await Self.confirm(try await Self.askToMove(waited, to: "north", at: offices.net), of: waited, at: offices.net)
        try await OfficeDepartureTests.move(atOnce, to: "east", at: offices.net)
        #expect(try await centre.problems().isEmpty)
        for (sql, named) in [("UPDATE tenant SET office_central = NULL WHERE ref = '\(waited.rawValue)'", waited),
                             ("UPDATE tenant SET office = 'north' WHERE ref = '\(atOnce.rawValue)'", atOnce)] {
            if backend == .sqlite {
                try centre.recorder.write { db in try db.execute(sql: sql) }
            } else {
                try await Centre.admin(sql, database: try #require(centre.databaseName))
            }
            let problems = try await centre.problems()
            #expect(problems.contains { $0.hasPrefix("tenant \(named.rawValue): the office kept beside them") }, "\(sql): \(problems)")
        }
    }
}

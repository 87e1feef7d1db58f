import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// Which tenants of an exchanged export the centre keeps and passes on, when the tenant's office changed
/// or the tenant was fetched (review gaps of issue 22): a real export is never lost on the way, and a
/// tenant sees it at whichever kiosk holds them.
@Suite struct DisclosureScopeTests {
    typealias Offices = OfficeSyncTests.Offices

    /// The export ids a device shows for a tenant.
    static func shown(_ db: ConsentDatabase, _ ref: TenantRef) throws -> [String] {
        try DisclosureSyncTests.disclosures(db, ref).map(\.exportID).sorted()
    }

    @Test(arguments: Backend.allCases) func anExportOfATenantWhoMovedBeforeTheDeviceSyncedReachesTheirNewOffice(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let (moved, stays) = (Offices.northTenants[0], Offices.northTenants[1])
        // The north kiosk's export names two of its tenants; before it syncs, one of them moves south at the centre.
        try offices.north.recordDisclosures(exportID: "exp-moved01", purpose: "tenancy-management", recipient: "landlord-staff",
                                            columns: DisclosureSyncTests.columns, operator: "clerk",
                                            [(tenant: moved, mask: UInt64(0b11)), (tenant: stays, mask: UInt64(0b01))])
        try await OfficeDepartureTests.move(moved, to: "south", at: offices)

        try await offices.sync(offices.north)
        #expect(try !offices.held(offices.north).contains(moved), "the moved tenant left the north kiosk")
        _ = try await Offices.sync(offices.south, offices.net)
        #expect(try offices.held(offices.south).contains(moved))
        // What was sent out about them is kept at the centre and shown where they are now.
        #expect(try Self.shown(offices.south, moved) == ["exp-moved01"], "the export of the moved tenant was lost")
        #expect(try Self.shown(offices.north, stays) == ["exp-moved01"])
        #expect(try Self.shown(offices.south, Offices.southTenants[0]).isEmpty)
    }

    @Test(arguments: Backend.allCases) func aDeviceCannotWidenWhatItMayNameByClaimingAnOldPullCursor(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let (s1, n1) = (Offices.southTenants[0], Offices.northTenants[0])
        // S1 was never in the north office: claiming to have pulled nothing names them no more than before.
        for pulled: Int64 in [0, 1, 1_000_000] {
            let exchange = DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [WireExport(
                id: "exp-claim\(pulled)", purpose: "tenancy-management", recipient: "landlord-staff", columns: DisclosureSyncTests.columns,
                at: 1_790_000_000_000, operator: "x", entries: [WireDisclosure(tenant: s1.rawValue, columns: 1),
                                                                 WireDisclosure(tenant: n1.rawValue, columns: 1)])],
                receive: false, pulled: pulled)
            _ = try await offices.net.centre.store.exchangeDisclosures(exchange, from: "kiosk-north")
        }
        _ = try await Offices.sync(offices.south, offices.net)
        #expect(try Self.shown(offices.south, s1).isEmpty, "a north device planted a disclosure on a south tenant")
        let bad = DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [], pulled: -1)
        await #expect(throws: CentralStoreError.self) { _ = try await offices.net.centre.store.exchangeDisclosures(bad, from: "kiosk-north") }
    }
    @Test(arguments: Backend.allCases) func laterPartsOfALargeExportReachADeviceThatSyncedBetweenThem(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let refs = Offices.northTenants + [Offices.everyone]
        try offices.north.recordDisclosures(exportID: "exp-parts01", purpose: "tenancy-management", recipient: "landlord-staff",
                                            columns: DisclosureSyncTests.columns, operator: "clerk", refs.map { (tenant: $0, mask: UInt64(1)) })
        let store = offices.net.centre.store
        func sendPart() async throws -> [WireExport] {
            let (exports, sent, cursor) = try offices.north.disclosureOutbox(entryLimit: 1)
            let reply = try await store.exchangeDisclosures(DisclosureExchange(device: "kiosk-north", cursor: cursor, exports: exports, receive: false),
                                                            from: "kiosk-north")
            _ = try offices.north.applyDisclosures(reply, sent: sent)
            return exports
        }
        // The first part (N1) reaches the centre; the south kiosk syncs, its cursor passing the export; then the rest (N2, E1).
        let first = try await sendPart()
        #expect(first.flatMap(\.entries).map(\.tenant) == [Offices.northTenants[0].rawValue])
        _ = try await Offices.sync(offices.south, offices.net)
        #expect(try Self.shown(offices.south, Offices.everyone).isEmpty)
        _ = try await sendPart()
        let last = try await sendPart()
        #expect(last.flatMap(\.entries).map(\.tenant) == [Offices.everyone.rawValue])
        _ = try await Offices.sync(offices.south, offices.net)
        #expect(try Self.shown(offices.south, Offices.everyone) == ["exp-parts01"], "the last part never reached the south kiosk")
        #expect(try await Offices.sync(offices.south, offices.net).disclosures == 0)

        // A part whose purpose, recipient, columns or time differ from the export's first part is refused.
        var odd = try #require(last.first)
        for change in [{ (e: inout WireExport) in e.columns = ["email", "full-name"] }, { e in e.recipient = "repair-contractors" },
                       { e in e.at += 1 }, { e in e.purpose = "service-updates-email" }] {
            var part = odd
            change(&part)
            let exchange = DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [part], receive: false)
            await #expect(throws: CentralStoreError.self) { _ = try await store.exchangeDisclosures(exchange, from: "kiosk-north") }
        }
        odd.entries = [WireDisclosure(tenant: Offices.northTenants[1].rawValue, columns: 1)]
        _ = try await store.exchangeDisclosures(DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [odd], receive: false), from: "kiosk-north")
    }
}

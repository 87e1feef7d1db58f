import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// An export record the centre refuses (here: its id is one the centre already uses for another export) holds back
/// every later export record of the device, sync after sync. Set aside (`SyncClient.setAsideExport`), it stays on the
/// device, listed and audited, and the records after it reach the centre and, through it, the other kiosks. Both centres.
@Suite struct SetAsideExportTests {
    typealias Offices = OfficeSyncTests.Offices

    @Test(arguments: Backend.allCases) func aRefusedExportRecordSetAsideLetsTheLaterOnesThrough(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let (north, south, everyone) = (offices.north, offices.south, Offices.everyone)
        try await DisclosureSyncTests.exportAtCentre(offices.net, id: "exp-taken001", [(Offices.northTenants[0], 0b01)])
        try north.recordDisclosures(exportID: "exp-taken001", purpose: "tenancy-management", recipient: "repair-contractors",
                                    columns: DisclosureSyncTests.columns, operator: "clerk", [(tenant: everyone, mask: UInt64(0b01))])
        try north.recordDisclosures(exportID: "exp-later001", purpose: "tenancy-management", recipient: "repair-contractors",
                                    columns: DisclosureSyncTests.columns, operator: "clerk", [(tenant: everyone, mask: UInt64(0b10))])
        let client = SyncClient(database: north, transport: LocalTransport(store: offices.net.centre.store, device: north.device.rawValue))

        for _ in 0..<2 {
            await #expect(throws: SyncFailure.self) { try await client.syncOnce() }
            try await offices.sync(south)
            #expect(!(try DisclosureSyncTests.disclosures(south, everyone).map(\.exportID).contains("exp-later001")),
                    "\(backend): the later record got past the refused one")
        }

        let setAside = try #require(try await client.setAsideExport())
        #expect(setAside.exportID == "exp-taken001" && setAside.reason.contains("already used at the centre"), "\(setAside)")
        _ = try await client.syncOnce()
        try await offices.sync(south)
        #expect(try DisclosureSyncTests.disclosures(south, everyone).map(\.exportID).contains("exp-later001"),
                "\(backend): the record after the one set aside did not arrive")
        // Kept, listed and audited at the kiosk; its tenant still sees it there.
        #expect(try north.setAsideExports().map(\.exportID) == ["exp-taken001"])
        #expect(try DisclosureSyncTests.disclosures(north, everyone).map(\.exportID).contains("exp-taken001"))
        #expect(try north.auditLog().contains { $0.what.contains("set aside the record of export exp-taken001") })
        // Nothing else is refused now.
        #expect(try await client.setAsideExport() == nil)
    }
}

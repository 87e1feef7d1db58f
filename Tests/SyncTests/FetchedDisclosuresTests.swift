import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// A tenant of another office fetched on demand at a kiosk sees there what has been sent out about them, as a
/// tenant of that office does: the exports made before the fetch (behind the kiosk's disclosure cursor) and after
/// it, each cut to them (never another tenant of their office). Over a real HTTP server on 127.0.0.1, both centres.
@Suite struct FetchedDisclosuresTests {
    typealias Offices = OfficeSyncTests.Offices

    @Test(arguments: Backend.allCases)
    func aFetchedTenantSeesTheExportsMadeAboutThemAfterSync(backend: Backend) async throws {
        let offices = try await FetchOnDemandTests.make(backend)
        let south = offices.south, visitor = FetchOnDemandTests.visitor, neighbour = Offices.northTenants[0]
        // Sent out before the visit, about the visitor and a neighbour of their office.
        try await DisclosureSyncTests.exportAtCentre(offices.net, id: "exp-before01", [(visitor, 0b11), (neighbour, 0b01)])
        try await offices.sync(offices.north)
        try await offices.sync(south)
        #expect(try DisclosureSyncTests.disclosures(offices.north, visitor).map(\.exportID) == ["exp-before01"], "at their own office")

        try await FetchOnDemandTests.serve(offices) { _, centre in
            #expect(await FetchKiosk.fetch(centre, visitor, dateOfBirth: FetchOnDemandTests.born) == .fetched)
            _ = try await centre.client.syncOnce()
            let seen = try DisclosureSyncTests.disclosures(south, visitor)
            #expect(seen.map(\.exportID) == ["exp-before01"], "\(backend): the fetched tenant does not see what was sent out about them: \(seen)")
            #expect(seen.first?.attributes == DisclosureSyncTests.columns, "\(seen)")

            // Sent out while they are held here: it arrives at the next sync too.
            try await DisclosureSyncTests.exportAtCentre(offices.net, id: "exp-after001", [(visitor, 0b10), (neighbour, 0b10)])
            _ = try await centre.client.syncOnce()
            _ = try await centre.client.syncOnce()
            #expect(try DisclosureSyncTests.disclosures(south, visitor).map(\.exportID).sorted() == ["exp-after001", "exp-before01"],
                    "each export once")
        }
        // Nothing about a tenant of the other office this kiosk does not hold.
        #expect(try south.tenantState(neighbour) == nil)
        #expect(try south.verify().problems.isEmpty)
    }
}

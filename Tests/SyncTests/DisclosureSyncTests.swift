import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// Disclosures travel both ways (issue 22): an export made at the centre reaches the kiosks holding its
/// tenants, one made at a kiosk reaches the centre and, through it, the other kiosks holding its tenants,
/// each with who ran it and where; a kiosk never gets its own back, nor a tenant of another office, and
/// cannot make the centre record a disclosure about a tenant it does not hold.
@Suite struct DisclosureSyncTests {
    typealias Offices = OfficeSyncTests.Offices
    static let columns = ["full-name", "email"]

    /// Records an export at the centre, as `consent export` there does.
    static func exportAtCentre(_ net: Network, id: String, _ entries: [(TenantRef, UInt64)]) async throws {
        let rows = entries.map { (tenant: $0.0, mask: $0.1) }
        if let sqlite = net.centre.sqlite {
            try sqlite.recordDisclosures(exportID: id, purpose: "tenancy-management", recipient: "landlord-staff", columns: columns, operator: "dpo", rows)
        } else {
            try await #require(net.centre.postgres).recordDisclosures(exportID: id, purpose: "tenancy-management", recipient: "landlord-staff",
                                                                    columns: columns, operator: "dpo", rows)
        }
    }

    static func disclosures(_ db: ConsentDatabase, _ ref: TenantRef) throws -> [Disclosure] {
        try db.tenantRecord(ref).disclosures
    }

    static func exportCount(_ db: ConsentDatabase) throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM export") ?? 0 }
    }

    @Test(arguments: Backend.allCases) func anExportMadeAnywhereIsShownAtEveryKioskHoldingItsTenantsAndNowhereElse(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let (n1, n2, s1, e1) = (Offices.northTenants[0], Offices.northTenants[1], Offices.southTenants[0], Offices.everyone)
        try await Self.exportAtCentre(offices.net, id: "exp-centre01", [(n1, 0b11), (s1, 0b01), (e1, 0b10)])
        try offices.north.recordDisclosures(exportID: "exp-north001", purpose: "tenancy-management", recipient: "repair-contractors",
                                            columns: Self.columns, operator: "clerk", [(tenant: n2, mask: UInt64(0b01)), (tenant: e1, mask: UInt64(0b01))])

        let north = try await Offices.sync(offices.north, offices.net)
        #expect(north.disclosures == 2, "the centre's export, for N1 and E1 only: \(north.disclosures)")
        let south = try await Offices.sync(offices.south, offices.net)
        #expect(south.disclosures == 3, "the centre's export for S1 and E1, and the north kiosk's for E1: \(south.disclosures)")

        let fromCentre = try #require(try Self.disclosures(offices.north, n1).first)
        #expect(fromCentre.exportID == "exp-centre01" && fromCentre.attributes == Self.columns && fromCentre.recipient == "landlord-staff")
        #expect(fromCentre.madeBy == "dpo" && fromCentre.origin == "centre")
        #expect(try Self.disclosures(offices.north, n2).map(\.exportID) == ["exp-north001"], "the north kiosk's own export, once")
        #expect(try Self.disclosures(offices.north, n2).first?.origin == nil, "made there")

        let atSouth = try Self.disclosures(offices.south, e1)
        #expect(Set(atSouth.map(\.exportID)) == ["exp-centre01", "exp-north001"], "\(atSouth)")
        let fromNorth = try #require(atSouth.first { $0.exportID == "exp-north001" })
        #expect(fromNorth.origin == "kiosk-north" && fromNorth.madeBy == "clerk" && fromNorth.attributes == ["full-name"])
        #expect(try Self.disclosures(offices.south, s1).map(\.attributes) == [["full-name"]])
        // The south kiosk never held N2, so it has no row of the north export about them.
        let southRefs: [String] = try offices.south.read { db in
            try String.fetchAll(db, sql: "SELECT t.ref FROM disclosure d JOIN tenant t ON t.id = d.tenant_id ORDER BY t.ref")
        }
        #expect(southRefs == [e1.rawValue, e1.rawValue, s1.rawValue])

        // A second round adds nothing, and the north kiosk does not get its own export back.
        let again = try await Offices.sync(offices.north, offices.net)
        #expect(again.disclosures == 0)
        #expect(try Self.exportCount(offices.north) == 2)
        #expect(try await Offices.sync(offices.south, offices.net).disclosures == 0)
    }

    @Test(arguments: Backend.allCases) func aKioskCannotRecordADisclosureAboutATenantItDoesNotHoldNorReuseAnExportID(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let store = offices.net.centre.store
        try await Self.exportAtCentre(offices.net, id: "exp-centre01", [(Offices.everyone, 0b01)])
        let s1 = Offices.southTenants[0]
        func refusal(_ request: DisclosureExchange, from device: String = "kiosk-north") async -> String {
            do {
                _ = try await store.exchangeDisclosures(request, from: device)
                return "accepted"
            } catch { return "\(error)" }
        }
        func export(_ id: String, _ ref: TenantRef, mask: UInt64 = 0b01) -> WireExport {
            WireExport(id: id, purpose: "tenancy-management", recipient: "landlord-staff", columns: Self.columns, at: 0, operator: "x",
                       entries: [WireDisclosure(tenant: ref.rawValue, columns: mask)])
        }
        let forged = await refusal(DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [export("exp-forged1", s1)]))
        #expect(forged.contains("names S0000001, whom kiosk-north does not hold"), "\(forged)")
        let reused = await refusal(DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [export("exp-centre01", Offices.northTenants[0])]))
        #expect(reused.contains("already used"), "\(reused)")
        let claimed = await refusal(DisclosureExchange(device: "kiosk-south", cursor: 0, exports: []))
        #expect(claimed != "accepted" && claimed.contains("kiosk-south"), "\(claimed)")
        let wide = await refusal(DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [export("exp-wide001", Offices.northTenants[0], mask: 0b100)]))
        #expect(wide.contains("a column the export does not have"), "\(wide)")

        // Nothing of the refused exchanges was stored: the south kiosk learns only the centre's export.
        let south = try await Offices.sync(offices.south, offices.net)
        #expect(south.disclosures == 1)
        #expect(try Self.disclosures(offices.south, s1).isEmpty, "a forged disclosure reached S1's record")
        #expect(try Self.disclosures(offices.north, Offices.northTenants[0]).isEmpty)
    }
}

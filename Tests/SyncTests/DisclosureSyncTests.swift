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

    @Test(arguments: Backend.allCases) func aKioskCannotRecordADisclosureAboutATenantItDoesNotHoldNorForgeOne(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let store = offices.net.centre.store
        try await Self.exportAtCentre(offices.net, id: "exp-centre01", [(Offices.everyone, 0b01)])
        let (n1, s1) = (Offices.northTenants[0], Offices.southTenants[0])
        func answer(_ request: DisclosureExchange, from device: String = "kiosk-north") async -> String {
            do {
                _ = try await store.exchangeDisclosures(request, from: device)
                return "accepted"
            } catch { return "\(error)" }
        }
        func export(_ id: String, _ refs: [TenantRef], mask: UInt64 = 0b01, purpose: String = "tenancy-management",
                    columns: [String] = Self.columns, operator: String = "x", recipient: String = "landlord-staff") -> DisclosureExchange {
            DisclosureExchange(device: "kiosk-north", cursor: 0, exports: [WireExport(
                id: id, purpose: purpose, recipient: recipient, columns: columns, at: 1_790_000_000_000, operator: `operator`,
                entries: refs.map { WireDisclosure(tenant: $0.rawValue, columns: mask) })], receive: false)
        }
        // A tenant of another office is left out (nothing is written about them); the kiosk's own tenant is taken.
        #expect(await answer(export("exp-forged1", [s1, n1])) == "accepted")
        let reused = await answer(export("exp-centre01", [n1]))
        #expect(reused.contains("already used"), "\(reused)")
        let claimed = await answer(DisclosureExchange(device: "kiosk-south", cursor: 0, exports: []))
        #expect(claimed != "accepted" && claimed.contains("kiosk-south"), "\(claimed)")
        let wide = await answer(export("exp-wide001", [n1], mask: 0b100))
        #expect(wide.contains("a column the export does not have"), "\(wide)")
        let purpose = await answer(export("exp-purpose", [n1], purpose: "no-such-purpose"))
        #expect(purpose.contains("not in this centre's Forms"), "\(purpose)")
        let column = await answer(export("exp-column1", [n1], columns: ["religion"]))
        #expect(column.contains("not an attribute of tenancy-management"), "\(column)")
        // A recipient the purpose does not name (a review planted "West Midlands Police" on every device's listing).
        let police = await answer(export("exp-police1", [n1], recipient: "landlord-staff;West Midlands Police"))
        #expect(police.contains("recipient 'West Midlands Police' is not one tenancy-management names"), "\(police)")
        #expect(await answer(export("exp-both001", [n1], recipient: "landlord-staff;repair-contractors")) == "accepted")
        let escape = await answer(export("exp-escape1", [n1], operator: "Chief\u{1B}[31m"))
        #expect(escape.contains("control character"), "\(escape)")

        // Nothing of the refused exchanges, and nothing about S1, was stored.
        let south = try await Offices.sync(offices.south, offices.net)
        #expect(south.disclosures == 1, "the centre's export for E1 only")
        #expect(try Self.disclosures(offices.south, s1).isEmpty, "a forged disclosure reached S1's record")
        if let sqlite = offices.net.centre.sqlite {
            let named: [String] = try sqlite.read { db in try String.fetchAll(db, sql: """
                SELECT t.ref FROM disclosure d JOIN export e ON e.no = d.export_no JOIN tenant t ON t.id = d.tenant_id WHERE e.id = 'exp-forged1'
                """) }
            #expect(named == [n1.rawValue], "the north kiosk's own tenant was taken, S1 left out: \(named)")
        }
    }

    @Test(arguments: Backend.allCases) func aLargeExportGoesInPartsAndEveryTenantArrives(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let refs = Offices.northTenants + [Offices.everyone]
        try offices.north.recordDisclosures(exportID: "exp-parts01", purpose: "tenancy-management", recipient: "landlord-staff",
                                            columns: Self.columns, operator: "clerk", refs.map { (tenant: $0, mask: UInt64(1)) })
        var parts = 0
        while true {
            let (exports, sent, cursor) = try offices.north.disclosureOutbox(entryLimit: 1)
            guard let sent else { break }
            #expect(exports.flatMap(\.entries).count == 1, "one tenant a part")
            let reply = try await offices.net.centre.store.exchangeDisclosures(
                DisclosureExchange(device: "kiosk-north", cursor: cursor, exports: exports, receive: false), from: "kiosk-north")
            _ = try offices.north.applyDisclosures(reply, sent: sent)
            parts += 1
            #expect(parts <= refs.count)
        }
        #expect(parts == refs.count)
        // The south kiosk holds E1 only, and gets the one export with that tenant.
        _ = try await Offices.sync(offices.south, offices.net)
        #expect(try Self.disclosures(offices.south, Offices.everyone).map(\.exportID) == ["exp-parts01"])
        // Sent again from the start, nothing is added twice.
        try offices.north.write { db in try db.execute(sql: "DELETE FROM meta WHERE key = 'disclosure-sent'") }
        let again = try await Offices.sync(offices.north, offices.net)
        #expect(again.disclosures == 0)
        _ = try await Offices.sync(offices.south, offices.net)
        #expect(try Self.disclosures(offices.south, Offices.everyone).count == 1)
    }
}

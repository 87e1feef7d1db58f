import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import ConsentVault
import Foundation
import SyncProtocol
import Testing

/// An export's read of a PostgreSQL centre in pages, the next page read while the last is taken: every tenant
/// once, in register order, with its own values, whether the register fills its last page or not; a taker that
/// fails stops the read, and the connection is left fit for the next transaction.
@Suite struct PostgresPagedReadTests {
    static let slice = TenantSlice(purpose: PurposeID("tenancy-management"), attributes: [AttributeID("full-name"), AttributeID("email")],
                                   special: [], readsDecisions: false)

    /// A centre holding tenants T01…T`count`, each registered with a name and email of their own.
    static func centre(tenants count: Int) async throws -> Centre {
        let centre = try await Centre.make()
        var desk = try await centre.enrolSigning("desk-a")
        let events = (1...count).map { n in
            desk.event(String(format: "T%02d", n), registration(["full-name": "Name \(n)", "email": "t\(n)@example.org"]))
        }
        _ = try await centre.store.push(desk.push(events), from: "desk-a")
        return centre
    }

    @Test(arguments: [(23, 4), (20, 5), (3, 1000)])
    func everyTenantComesOnceInOrderWithItsOwnValues(tenants: Int, pageSize: Int) async throws {
        let centre = try await Self.centre(tenants: tenants)
        defer { centre.store.shutdown() }
        var seen: [String] = []
        _ = try await centre.store.eachTenant(Self.slice, opener: nil, pageSize: pageSize) { ref, state in
            let n = Int(ref.rawValue.dropFirst()) ?? 0
            #expect(state.value(AttributeID("full-name")).answer?.text == "Name \(n)", "\(ref)'s name")
            #expect(state.value(AttributeID("email")).answer?.text == "t\(n)@example.org", "\(ref)'s email")
            seen.append(ref.rawValue)
        }
        #expect(seen == (1...tenants).map { String(format: "T%02d", $0) })
    }

    struct Stop: Error {}

    @Test func aTakerThatFailsStopsTheReadAndTheCentreGoesOn() async throws {
        let centre = try await Self.centre(tenants: 23)
        defer { centre.store.shutdown() }
        var taken = 0
        await #expect(throws: Stop.self) {
            _ = try await centre.store.eachTenant(Self.slice, opener: nil, pageSize: 4) { _, _ in
                taken += 1
                if taken == 6 { throw Stop() }
            }
        }
        #expect(taken == 6, "the read went on after its taker failed")
        var again = 0
        _ = try await centre.store.eachTenant(Self.slice, opener: nil, pageSize: 4) { _, _ in again += 1 }
        #expect(again == 23)
    }
}

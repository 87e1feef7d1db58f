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

    /// Pages of 2 leave some with no tenant granted (no values are asked for there).
    @Test(arguments: [3, 2]) func aConsentPurposeSendsTheGrantedWithTheirValuesAndCountsTheRest(pageSize: Int) async throws {
        let centre = try await Self.centre(tenants: 11)
        defer { centre.store.shutdown() }
        var desk = try await centre.enrolSigning("desk-b")
        // T01, T04, T07, T10 granted email for service updates; T02 withdrew it; the rest never answered.
        let decisions = [1, 4, 7, 10].map { desk.decision(String(format: "T%02d", $0), "service-updates-email", ["email"], .granted) }
            + [desk.decision("T02", "service-updates-email", ["email"], .withdrawn)]
        _ = try await centre.store.push(desk.push(decisions), from: "desk-b")
        let email = AttributeID("email")
        let slice = TenantSlice(purpose: PurposeID("service-updates-email"), attributes: [email], special: [], readsDecisions: true,
                                grantsNeeded: [email])
        var sent: [String: String] = [:]
        var given: [[String?]] = []
        let read = try await centre.store.eachTenant(slice, opener: nil, pageSize: pageSize) { ref, state in
            sent[ref.rawValue] = state.value(email).answer?.text
            let decision = state.decisions[DecisionKey(email, slice.purpose)]
            given.append([ref.rawValue, decision?.state.rawValue, decision.map { String(Millis.from($0.effectiveAt)) },
                          decision?.validUntil.map { String(Millis.from($0)) }])
        }
        #expect(sent == ["T01": "t1@example.org", "T04": "t4@example.org", "T07": "t7@example.org", "T10": "t10@example.org"])
        #expect(read.passedOver == 7)
        // Each grant as the gate needs it: its state, when it was expressed and when it lapses (24 months on).
        let stored = try await centre.rows("""
            SELECT t.ref, d.state, d.effective_at::text, d.valid_until::text FROM decision d JOIN tenant t ON t.id = d.tenant_id
            WHERE d.purpose_id = 'service-updates-email' AND d.state = 'granted' ORDER BY t.ref
            """)
        #expect(given == stored)
        #expect(stored.count == 4 && stored.allSatisfy { $0[3] != nil })
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

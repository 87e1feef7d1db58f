import ConsentCore
import ConsentStore
import Foundation
import Testing
import TestSupport

/// A tenant's erasure requests in staff's held queue (issue 17): asked for twice, a value is one item,
/// and one decision answers every request made before it.
@Suite struct ErasureRequestQueueTests {
    static let policy = Shipped.content.staff!
    static let dob = AttributeID("date-of-birth")

    func request(_ attribute: AttributeID) -> ChangeRequest {
        ChangeRequest(tenant: "T0000001", payload: .request(.erasure, attribute), actor: .tenant, channel: .kiosk)
    }

    func requests(_ db: ConsentDatabase) throws -> [HeldItem] {
        try db.heldItems().filter { if case .erasureRequest = $0.kind { true } else { false } }
    }

    func decide(_ item: HeldItem, erase: Bool) throws -> ChangeRequest {
        try StaffRules.decideErasure(item.event, attribute: item.attribute, erase: erase, tenant: "T0000001", staff: StaffID("pat"),
                                     role: .supervisor, reason: erase ? "erasure-granted" : "erasure-declined", policy: Self.policy)
    }

    @Test func aValueAskedForTwiceIsOneItemAndOneDecisionAnswersBoth() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let first = try t.db.record(request(Self.dob))
        try t.db.record(request(Self.dob))
        let address = try t.db.record(request(AttributeID("address")))
        var items = try requests(t.db)
        #expect(items.map(\.event) == [first.event.id, address.event.id], "a duplicate request shows twice (or the first is not the one shown): \(items)")
        #expect(try t.db.openErasureRequests("T0000001") == [Self.dob, AttributeID("address")])

        // Declining the one shown answers the duplicate too: nothing of it comes back into the queue.
        try t.db.record(try decide(items[0], erase: false))
        items = try requests(t.db)
        #expect(items.map(\.event) == [address.event.id], "the duplicate came back after the decision: \(items)")
        #expect(try t.db.openErasureRequests("T0000001") == [AttributeID("address")])

        // Asked for again after that decision: a new request, shown once.
        let again = try t.db.record(request(Self.dob))
        try t.db.record(request(Self.dob))
        items = try requests(t.db)
        #expect(items.map(\.event) == [address.event.id, again.event.id], "\(items)")

        // Erasing the value answers every open request for it.
        try t.db.record(try decide(items[1], erase: true))
        #expect(try requests(t.db).map(\.event) == [address.event.id])
        #expect(try t.db.openErasureRequests("T0000001") == [AttributeID("address")])
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
    }
}

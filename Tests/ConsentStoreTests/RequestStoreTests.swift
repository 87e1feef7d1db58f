import ConsentCore
import ConsentStore
import Foundation
import Testing
import TestSupport

/// Tenants' requests of every kind in a real SQLite file (issue 22): made at the kiosk or taken by staff,
/// decided by a supervisor, refused only with a reason, never across tenants.
@Suite struct RequestStoreTests {
    static let policy = Shipped.content.staff!
    static let email = AttributeID("email")
    static let dob = AttributeID("date-of-birth")

    func atKiosk(_ ref: TenantRef, _ kind: RequestKind, _ attribute: AttributeID?) -> ChangeRequest {
        ChangeRequest(tenant: ref, payload: .request(kind, attribute), actor: .tenant, channel: .kiosk)
    }

    func decide(_ request: TenantRequest, _ decision: RequestDecision, role: StaffRole = .supervisor) throws -> [ChangeRequest] {
        try StaffRules.decideRequest(request, decision, staff: StaffID("pat"), role: role, policy: Self.policy)
    }

    @Test func aKioskRequestRefusedWithAReasonShowsTheReasonAndARestrictionCarriedOutRestricts() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(atKiosk("T0000001", .rectification, Self.dob))
        try t.db.record(try StaffRules.takeRequest(.restriction, attribute: Self.email, tenant: "T0000001", staff: StaffID("sam"), channel: .paper,
                                                   verification: "signed letter", policy: Self.policy))
        var requests = try t.db.requests(of: "T0000001")
        #expect(requests.map(\.kind) == [.rectification, .restriction] && requests.allSatisfy(\.isOpen))
        #expect(try t.db.requestQueue().count == 2)

        try t.db.record(try decide(requests[0], .refuse("needed-for-tenancy")))
        try t.db.record(try decide(requests[1], .carryOut(nil)))
        requests = try t.db.requests(of: "T0000001")
        guard case .refused(_, "needed-for-tenancy") = requests[0].outcome else {
            Issue.record("the refusal's reason is lost: \(requests[0].outcome)")
            return
        }
        #expect(requests[1].restrictsNow)
        #expect(try t.db.requestQueue().isEmpty, "decided requests still wait")
        #expect(try t.db.requestQueue(openOnly: false).count == 2)

        // The export's reader carries the restriction to the gate, which denies the value for every use.
        var seen: TenantState?
        _ = try t.db.eachTenant { _, state in seen = state }
        #expect(seen?.restricted == [Self.email])
        #expect(Policy.evaluate(Self.email, for: PurposeID("tenancy-management"), of: seen, at: Date(), in: Shipped.content.catalogue)
                == .denied(.restricted))
        // Lifted: used again.
        try t.db.record(try decide(requests[1], .lift(nil)))
        _ = try t.db.eachTenant { _, state in seen = state }
        #expect(seen?.restricted == [])
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
    }

    @Test func aRequestIsNeverRefusedWithoutAReasonNorDecidedTwiceNorByTheSupportRole() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(atKiosk("T0000001", .access, nil))
        let request = try #require(try t.db.requests(of: "T0000001").first)
        #expect(throws: StaffRefusal.refusalReasonRequired) { try decide(request, .refuse("   ")) }
        // Staff's own words would reach the tenant untranslated: only a coded reason is taken.
        #expect(throws: StaffRefusal.unknownRefusalReason("needed for the tenancy")) { try decide(request, .refuse("needed for the tenancy")) }
        #expect(throws: StaffRefusal.notAllowed(.support, .decideErasure)) { try decide(request, .carryOut(nil), role: .support) }
        try t.db.record(try decide(request, .carryOut(nil)))
        let answered = try #require(try t.db.requests(of: "T0000001").first)
        #expect(throws: StaffRefusal.requestNotOpen(request.event, "carried-out")) { try decide(answered, .refuse("too late")) }
        #expect(throws: StaffRefusal.requestNotOpen(request.event, "no restriction in force")) { try decide(answered, .lift(nil)) }
    }

    @Test func aTenantCannotDecideTheirOwnRequestNorReachAnotherTenantsValue() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", annValues))
        let mine = try t.db.record(atKiosk("T0000001", .restriction, Self.email))
        // The tenant at the kiosk records a verification of their own request: refused before the ledger.
        let byTenant = ChangeRequest(tenant: "T0000001", payload: .verification(of: mine.event.id, attribute: Self.email, approved: true),
                                     actor: .tenant, channel: .kiosk)
        #expect(throws: StoreError.self) { try t.db.record(byTenant) }
        // Staff deciding T0000001's request under T0000002's record: the store finds no such request of T0000002.
        let crossed = ChangeRequest(tenant: "T0000002", payload: .verification(of: mine.event.id, attribute: Self.email, approved: true),
                                    actor: .staff(StaffID("pat"), verification: "supervisor", reason: "request-carried-out"), channel: .system)
        #expect(throws: StoreError.self) { try t.db.record(crossed) }
        #expect(try t.db.requests(of: "T0000001").first?.isOpen == true)
        #expect(try t.db.requests(of: "T0000002").isEmpty)
        // A request names its own tenant's attribute: an access request names none, the others one.
        #expect(throws: StoreError.self) { try t.db.record(atKiosk("T0000001", .access, Self.email)) }
        #expect(throws: StoreError.self) { try t.db.record(atKiosk("T0000001", .restriction, nil)) }
        // Staff take requests by phone or from paper only.
        #expect(throws: StaffRefusal.requestChannel(.system)) {
            try StaffRules.takeRequest(.access, attribute: nil, tenant: "T0000001", staff: StaffID("sam"), channel: .system, verification: nil,
                                       policy: Self.policy)
        }
    }

    @Test func aRectificationCarriedOutCorrectsTheValue() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(atKiosk("T0000001", .rectification, Self.dob))
        let request = try #require(try t.db.requests(of: "T0000001").first)
        #expect(throws: StaffRefusal.valueRequired(Self.dob)) { try decide(request, .carryOut(nil)) }
        try t.db.record(try decide(request, .carryOut(.value("1970-06-01"))))
        #expect(try t.db.tenantState("T0000001")?.value(Self.dob).answer == .value("1970-06-01"))
        #expect(try t.db.requests(of: "T0000001").first.map { if case .carriedOut = $0.outcome { true } else { false } } == true)
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
    }
}

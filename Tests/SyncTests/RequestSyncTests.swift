import CentralStorePostgres
import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import Testing
import TestSupport

/// Tenants' requests of the new kinds travel both ways like any event (issue 22): made at a kiosk, queued at the
/// centre and at a desk, decided there, and the outcome (a refusal's reason, a restriction in force) back at the kiosk.
@Suite struct RequestSyncTests {
    static let email = AttributeID("email")
    static let name = AttributeID("full-name")

    @Test(arguments: Backend.allCases) func aRequestMadeAtAKioskIsDecidedAtADeskAndTheKioskSeesTheOutcome(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 2, tenants: ["T0000001"])
        let (kiosk, desk) = (network.devices[0], network.devices[1])
        let policy = try #require(Shipped.content.staff)
        let restrict = try kiosk.record(ChangeRequest(tenant: "T0000001", payload: .request(.restriction, Self.email), actor: .tenant, channel: .kiosk))
        let rectify = try kiosk.record(ChangeRequest(tenant: "T0000001", payload: .request(.rectification, Self.name), actor: .tenant, channel: .kiosk))
        let access = try kiosk.record(ChangeRequest(tenant: "T0000001", payload: .request(.access, nil), actor: .tenant, channel: .kiosk))
        try await network.heal()

        let history = try await network.centre.history("T0000001")
        #expect(history.contains { $0.id == restrict.event.id && $0.payload == .request(.restriction, Self.email) }, "the restriction request did not reach the centre")
        #expect(history.contains { $0.id == access.event.id && $0.payload == .request(.access, nil) }, "the access request did not reach the centre")
        if let centre = network.centre.sqlite {
            #expect(try centre.requestQueue().map(\.event) == [restrict.event.id, rectify.event.id, access.event.id], "the centre's queue")
        }
        let queued = try desk.requestQueue()
        #expect(queued.map(\.event) == [restrict.event.id, rectify.event.id, access.event.id], "the desk's queue after a sync")

        try desk.record(try StaffRules.decideRequest(queued[0], .carryOut(nil), staff: StaffID("pat"), role: .supervisor, policy: policy))
        try desk.record(try StaffRules.decideRequest(queued[1], .refuse("needed-for-tenancy"), staff: StaffID("pat"), role: .supervisor, policy: policy))
        try await network.heal()

        for db in [kiosk, desk] + [network.centre.sqlite].compactMap({ $0 }) {
            let requests = try db.requests(of: "T0000001")
            #expect(requests.map(\.outcome.name) == ["carried-out", "refused", "open"], "\(db.device): \(requests)")
            if case .refused(_, let reason) = requests[1].outcome { #expect(reason == "needed-for-tenancy", "\(db.device)") }
            var state: TenantState?
            _ = try db.eachTenant { _, s in state = s }
            #expect(state?.restricted == [Self.email], "\(db.device): the restriction does not hold in its exports")
        }
        // The centre's export reader applies the restriction too (a PostgreSQL centre once refused every export instead).
        let slice = TenantSlice(purpose: PurposeID("service-updates-email"), attributes: [Self.email, Self.name], special: [], readsDecisions: true)
        var atCentre: TenantState?
        if let centre = network.centre.sqlite {
            _ = try centre.eachTenant(slice) { _, s in atCentre = s }
        } else if let centre = network.centre.postgres {
            _ = try await centre.eachTenant(slice, opener: nil) { _, s in atCentre = s }
        }
        #expect(atCentre?.restricted == [Self.email], "the centre's export reader does not apply the restriction")
        let problems = try await network.problems()
        #expect(problems.isEmpty, "\(problems)")
    }

    /// Four eyes on requests (a review found a request decided by its own taker jammed the device's sync for good):
    /// who took a request by phone does not decide it, but answers an access request, and the centre takes that answer.
    @Test(arguments: Backend.allCases) func whoTookARequestAnswersAnAccessRequestButDecidesNoOther(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 1, tenants: ["T0000001"])
        let desk = network.devices[0]
        let policy = try #require(Shipped.content.staff)
        let pat = StaffID("pat")
        for kind in [RequestKind.erasure, .restriction, .access] {
            try desk.record(try StaffRules.takeRequest(kind, attribute: kind == .access ? nil : Self.email, tenant: "T0000001", staff: pat,
                                                       channel: .phone, verification: "called back", policy: policy))
        }
        let queued = try desk.requestQueue()
        #expect(queued.map(\.kind) == [.erasure, .restriction, .access])
        for request in queued.prefix(2) {
            #expect(throws: StaffRefusal.sameStaff, "pat decided the \(request.kind) request they took") {
                try StaffRules.decideRequest(request, .carryOut(nil), staff: pat, role: .supervisor, policy: policy)
            }
            #expect(throws: StaffRefusal.sameStaff) { try StaffRules.decideRequest(request, .refuse("needed-for-tenancy"), staff: pat, role: .supervisor, policy: policy) }
        }
        // The held queue's way of deciding an erasure request holds to it too, and an access request's taker answers it but does not refuse it.
        #expect(throws: StaffRefusal.sameStaff) {
            try StaffRules.decideErasure(queued[0].event, attribute: Self.email, erase: false, tenant: "T0000001", takenBy: queued[0].actor, staff: pat,
                                         role: .supervisor, reason: "erasure-declined", policy: policy)
        }
        #expect(throws: StaffRefusal.sameStaff) { try StaffRules.decideRequest(queued[2], .refuse("identity-not-confirmed"), staff: pat, role: .supervisor, policy: policy) }
        try desk.record(try StaffRules.decideRequest(queued[2], .carryOut(nil), staff: pat, role: .supervisor, policy: policy))
        try await network.heal()
        let history = try await network.centre.history("T0000001")
        #expect(history.contains { if case .verification(of: let target, attribute: _, approved: true) = $0.payload { target == queued[2].event } else { false } },
                "the centre refused the access answer by its taker")
        let problems = try await network.problems()
        #expect(problems.isEmpty, "\(problems)")
    }
}

extension RequestSyncTests {
    /// A rectification carries the value the tenant says is right (plain, or sealed for a special category) to the
    /// centre and to a desk; the desk carries the plain one out without typing it, and every replica then holds it.
    @Test(arguments: Backend.allCases) func aProposedValueTravelsWithItsRequestAndIsAppliedWhereItIsCarriedOut(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 2, tenants: ["T0000001"])
        let (kiosk, desk) = (network.devices[0], network.devices[1])
        let policy = try #require(Shipped.content.staff)
        let ethnicity = AttributeID("ethnic-origin")
        let rename = try kiosk.record(ChangeRequest(tenant: "T0000001", payload: .request(.rectification, Self.name, proposed: .value("Zofia Nowak-Kowalska")),
                                                    actor: .tenant, channel: .kiosk))
        let special = try kiosk.record(ChangeRequest(tenant: "T0000001", payload: .request(.rectification, ethnicity, proposed: .value("white-roma")),
                                                     actor: .tenant, channel: .kiosk))
        try await network.heal()
        let problems = try await network.problems()
        #expect(problems.isEmpty, "a request with a proposed value was refused: \(problems)")

        let queued = try desk.requestQueue()
        #expect(queued.map(\.event) == [rename.event.id, special.event.id], "the desk's queue after a sync")
        #expect(queued.first?.proposed == .value("Zofia Nowak-Kowalska"))
        let sealed = try #require(queued.last)
        #expect(sealed.proposed == .value("white-roma") || sealed.proposalWithheld, "a sealed proposal read as something else: \(sealed)")
        try desk.record(try StaffRules.decideRequest(queued[0], .carryOut(nil), staff: StaffID("pat"), role: .supervisor, policy: policy))
        try await network.heal()
        for db in [kiosk, desk] + [network.centre.sqlite].compactMap({ $0 }) {
            #expect(try db.tenantState("T0000001")?.value(Self.name).answer == .value("Zofia Nowak-Kowalska"), "\(db.device)")
            #expect(try db.requests(of: "T0000001").map(\.outcome.name) == ["carried-out", "open"], "\(db.device)")
        }
        #expect(try await network.problems().isEmpty)
    }
}

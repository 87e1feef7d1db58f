import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import Testing
import TestSupport

/// A device learns the centre's number for each event it pushed, from the push's reply or, when that reply was
/// lost, from the event coming back in a pull, and puts it wherever its projection names the event: the decision
/// the event set, and each earlier withdrawal the decision still remembers.
@Suite struct AcknowledgedNumbersTests {
    @Test(arguments: [Fault.none, .dropReply])
    func theCentresNumbersReachTheDecisionAndEveryWithdrawalItRemembers(fault: Fault) async throws {
        let network = try await Network.make(.sqlite, devices: 1, tenants: ["T0000001", "T0000002"])
        let device = network.devices[0]
        let purpose = PurposeID("service-updates-email")
        let key = DecisionKey(AttributeID("email"), purpose)
        func decide(_ ref: TenantRef, _ state: DecisionState) throws {
            try device.record(ChangeRequest(tenant: ref, payload: .decision(purpose, [key.attribute], state,
                                                                          notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                                            actor: .tenant, channel: .kiosk))
            network.clocks[0].advance(by: 60)
        }
        // T0000001 withdraws twice: the decision shows the second and remembers both (its `blocking` text).
        // T0000002 grants then withdraws: the decision is the withdrawal alone.
        try decide("T0000001", .granted)
        try decide("T0000001", .withdrawn)
        try decide("T0000001", .withdrawn)
        try decide("T0000002", .granted)
        try decide("T0000002", .withdrawn)
        let remembered = try #require(try device.tenantState("T0000001")?.decisions[key])
        #expect(remembered.blocking.count == 2 && remembered.blocking.allSatisfy { $0.centralSequence == nil })

        _ = try? await network.client(0, fault: fault).syncOnce()
        try await network.heal()

        for ref: TenantRef in ["T0000001", "T0000002"] {
            let here = try #require(try device.tenantState(ref)?.decisions[key])
            let there = try #require(try await network.centre.decisions(ref)[key])
            #expect(here.centralSequence != nil, "\(ref): the deciding event is numbered")
            #expect(here.centralSequence == there.centralSequence, "\(ref)")
            #expect(here.blocking == there.blocking, "\(ref): every remembered withdrawal carries the centre's number")
        }
        let stops = try #require(try device.tenantState("T0000001")?.decisions[key]?.blocking)
        #expect(stops.count == 2 && stops.allSatisfy { $0.centralSequence != nil })
        let problems = try await network.problems()
        #expect(problems.isEmpty, "\(problems)")
    }
}

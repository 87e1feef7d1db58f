import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import Testing
import TestSupport

/// Staff mode's four-eyes rule across sync: a grant held on one desk, confirmed on another, becomes
/// the decision at the centre and on the desk that held it.
@Suite struct HeldGrantSyncTests {
    @Test(arguments: Backend.allCases) func aGrantHeldOnOneDeskAndConfirmedOnAnotherBecomesTheDecisionEverywhere(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 2, tenants: ["T0000001"])
        let key = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
        let held = try network.devices[0].record(ChangeRequest(
            tenant: "T0000001", payload: .heldGrant(PurposeID("service-updates-email"), [AttributeID("email")],
                                                    notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
            actor: .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request"), channel: .phone))
        try await network.heal()
        #expect(try await network.centre.decisions("T0000001")[key] == nil, "held, not yet a decision")
        #expect(try await network.centre.heldGrants("T0000001") == [held.event.id], "held at the centre")
        #expect(try network.devices[1].tenantState("T0000001")?.heldGrants.keys.contains(held.event.id) == true)

        try network.devices[1].record(ChangeRequest(
            tenant: "T0000001", payload: .verification(of: held.event.id, attribute: AttributeID("email"), approved: true),
            actor: .staff(StaffID("pat"), verification: "supervisor", reason: "supervisor-check"), channel: .system))
        try await network.heal()
        var views = try network.devices.map { db in
            let state = try #require(try db.tenantState("T0000001"))
            return (db.device.rawValue, state.decisions[key], Set(state.heldGrants.keys))
        }
        views.append(("centre", try await network.centre.decisions("T0000001")[key], try await network.centre.heldGrants("T0000001")))
        for (name, decision, heldGrants) in views {
            #expect(decision?.state == .granted, "\(name)")
            #expect(decision?.event == held.event.id, "\(name): the held grant is the decision")
            #expect(heldGrants.isEmpty, "\(name)")
        }
        let problems = try await network.problems()
        #expect(problems.isEmpty, "\(problems)")
    }
}

import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import Testing

/// Staff mode's four-eyes rule across sync: a grant held on one desk, confirmed on another, becomes
/// the decision at the centre and on the desk that held it.
@Suite struct HeldGrantSyncTests {
    @Test func aGrantHeldOnOneDeskAndConfirmedOnAnotherBecomesTheDecisionEverywhere() async throws {
        let network = try await Network.make(devices: 2, tenants: ["T0000001"])
        let key = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
        let held = try network.devices[0].record(ChangeRequest(
            tenant: "T0000001", payload: .heldGrant(PurposeID("service-updates-email"), [AttributeID("email")],
                                                    notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
            actor: .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request"), channel: .phone))
        try await network.heal()
        #expect(try network.centre.tenantState("T0000001")?.decisions[key] == nil, "held, not yet a decision")
        #expect(try network.devices[1].tenantState("T0000001")?.heldGrants.keys.contains(held.event.id) == true)

        try network.devices[1].record(ChangeRequest(
            tenant: "T0000001", payload: .verification(of: held.event.id, attribute: AttributeID("email"), approved: true),
            actor: .staff(StaffID("pat"), verification: "supervisor", reason: "supervisor-check"), channel: .system))
        try await network.heal()
        for db in [network.centre] + network.devices {
            let state = try #require(try db.tenantState("T0000001"))
            #expect(state.decisions[key]?.state == .granted, "\(db.path)")
            #expect(state.decisions[key]?.event == held.event.id, "\(db.path): the held grant is the decision")
            #expect(state.heldGrants.isEmpty, "\(db.path)")
            let report = try db.verify()
            #expect(report.ok, "\(db.path): \(report.problems)")
        }
    }
}

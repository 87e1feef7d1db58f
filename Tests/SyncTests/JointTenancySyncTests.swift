import ConsentCore
import ConsentStore
import Foundation
import Testing
import TestSupport

/// A joint tenancy is a value like the office (`joint-tenancy`): staff key it on one device, it reaches the
/// centre (SQLite or PostgreSQL) and every other device, each tenant keeps their own decisions there, and
/// every projection is still the fold of its ledger.
@Suite struct JointTenancySyncTests {
    @Test(arguments: Backend.allCases)
    func aJointTenancyKeyedOnOneDeviceReachesTheCentreAndTheOthersWithEachTenantsOwnChoices(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 2, tenants: ["J1", "J2", "J3"])
        let desk = net.devices[0], other = net.devices[1]
        for ref: TenantRef in ["J1", "J2"] {
            try desk.record(ChangeRequest(tenant: ref, payload: .correction(JointTenancy.attribute, .value("TEN-5"), pending: false),
                                          actor: .staff(StaffID("S1"), verification: nil, reason: "joint tenancy agreement"), channel: .paper,
                                          evidence: "joint tenancy agreement seen"))
        }
        // One joint tenant agrees; the other does not.
        try desk.record(decide("J1", "service-updates-email", ["full-name", "email"], .granted))
        try await net.heal()

        #expect(try other.jointTenants(of: "J1") == ["J2"])
        #expect(try other.jointTenants(of: "J2") == ["J1"])
        #expect(try other.jointTenants(of: "J3") == [])
        #expect(try other.tenantState("J2")?.value(JointTenancy.attribute).answer?.text == "TEN-5")
        if let centre = net.centre.sqlite { #expect(try centre.jointTenants(of: "J2") == ["J1"]) }
        let key = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
        #expect(try await net.centre.decisions("J1")[key]?.state == .granted)
        #expect(try await net.centre.decisions("J2")[key] == nil, "J1's grant reached J2 at the centre")
        #expect(try other.tenantState("J2")?.decisions[key] == nil, "J1's grant reached J2 on the other device")
        #expect(try other.tenantState("J1")?.decisions[key]?.state == .granted)
        #expect(try await net.problems() == [])
    }
}

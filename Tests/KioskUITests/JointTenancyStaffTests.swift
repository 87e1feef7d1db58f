import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// Phone support and joint tenancies (issue 22): the open record says whose it is and names the other
/// tenants of the tenancy by reference alone, before the caller is checked and while acting, so staff act
/// for the tenant they verified and no one else.
@Suite struct JointTenancyStaffTests {
    @Test func theVerifyAndTenantScreensNameTheOtherTenantByReferenceOnly() {
        var d = StaffDrive()
        d.send(.signedIn(StaffMember(id: "sam", name: "Sam", role: .support)))
        var call = CallSession(ref: Sample.ref, name: "Ann Smith", markers: [], state: Sample.state, caller: .none(required: 2))
        call.jointTenants = ["T0000009"]
        d.send(.opened(call))
        #expect(d.model.state.screen == .verify)
        let warning = "Joint tenancy with T0000009: this is T0000001's own record. Act only for the caller you verified"
        #expect(d.allText.contains(warning), "\(d.allText)")
        // Details alone do not verify a joint tenant: the other tenant knows them.
        d.verify(dob: "1970-05-01", postcode: "ls11aa")
        #expect(d.model.state.screen == .stronger)
        #expect(d.allText.contains("a joint tenant knows them too"), "\(d.allText)")
        #expect(d.allText.contains("this tenant's own number"), "\(d.allText)")
        d.press("called-back")
        #expect(d.model.state.screen == .tenant)
        #expect(d.model.state.call?.caller.isVerified == true)
        #expect(d.allText.contains(warning), "\(d.allText)")
    }

    @Test func aTenantOfTheirOwnSeesNoWarning() {
        var d = StaffDrive()
        d.open(role: .support)
        #expect(!d.allText.contains("Joint tenancy"))
        d.verify(dob: "1970-05-01", postcode: "ls11aa")
        #expect(!d.allText.contains("Joint tenancy with"))
    }
}

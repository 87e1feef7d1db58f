import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TestSupport

/// The tenancy's end (`kept-by-staff`): staff record it, the kiosk never asks for it, and shows it once held.
@Suite struct TenancyEndKioskTests {
    @Test func aTenantIsNotAskedWhenTheirTenancyEndedButSeesTheDayOnceStaffRecordedIt() {
        let current = GenderIdentityKioskTests.signedIn(GenderIdentityKioskTests.state([:]))
        #expect(!GenderIdentityKioskTests.actions(current).contains("attr:tenancy-end"), "a tenant is not asked when they left")
        #expect(!GenderIdentityKioskTests.labels(current).contains { $0.hasPrefix("Tenancy ended") })

        let left = GenderIdentityKioskTests.signedIn(GenderIdentityKioskTests.state(["tenancy-end": .value("2025-03-31")]))
        #expect(GenderIdentityKioskTests.actions(left).contains("attr:tenancy-end"), "held: shown, and the tenant may ask to correct it")
        #expect(GenderIdentityKioskTests.labels(left).contains { $0.hasPrefix("Tenancy ended") && $0.contains("2025") },
                "\(GenderIdentityKioskTests.labels(left))")
    }
}

extension TenancyEndKioskTests {
    @Test func aTenantCannotEraseTheirTenancyEndThemselvesOnlyAskStaff() {
        // Erasing it would stop the retention clock: it is a request for staff, as the date of birth is.
        #expect(!Shipped.content.catalogue.tenantMayErase(AttributeID("tenancy-end")))
        #expect(Shipped.content.catalogue.tenantMayErase(AttributeID("email")))
    }
}

import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// An export to every recipient of a purpose records them all; the tenant reads each by its name.
@Suite struct DisclosureRecipientTests {
    @Test func aDisclosureToTwoRecipientsNamesBothInTheTenantsLanguage() {
        var d = Drive()
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: Sample.state, started: d.now)))
        d.send(.disclosures([DisclosureLine(date: "2026-11-02", purpose: PurposeID("tenancy-management"),
                                            recipient: "landlord-staff;repair-contractors", attributes: [AttributeID("address")])]))
        d.press("disclosures")
        let lines = d.model.items(now: d.now).items().map(\.label).joined(separator: "\n")
        #expect(lines.contains("Our housing staff; Firms who do repairs for us"), "\(lines)")
        #expect(!lines.contains("recipient."), "no message key shown to the tenant: \(lines)")
    }
}

import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// Arrows point the way the line is read (issue 17): "→" in English, "←" in Urdu, where the
/// recipient is to the left of the use.
@Suite struct KioskArrowTests {
    @Test(arguments: [("en", "→", "←"), ("ur", "←", "→")])
    func theDisclosuresArrowPointsTheWayTheLineReads(_ language: String, _ arrow: String, _ wrong: String) {
        var d = Drive()
        d.press("lang:\(language)")
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: Sample.state, started: d.now)))
        d.send(.disclosures([DisclosureLine(date: "2026-11-02", purpose: PurposeID("service-updates-email"), recipient: "landlord-staff",
                                            attributes: [AttributeID("email")])]))
        d.press("disclosures")
        #expect(d.model.state.screen == .disclosures)
        #expect(d.text.contains(arrow) && !d.text.contains(wrong), "\(language):\n\(d.text)")
    }
}

import ConsentCore
import Foundation
import Testing
@testable import ConsentForms
import TestSupport

/// Staff's markers (`vulnerable`, `safe-address`) imply health or safety data: they are held for a
/// safeguarding purpose with its basis, Art. 9 condition (DPA 2018 Sch. 1 para 18), policy document,
/// notice and retention, and `consent forms check` refuses a marker without one (issue 24).
@Suite struct SafeguardingTests {
    static let content = Result { try Content.load(forms: Shipped.forms, localization: Shipped.localization) }

    func loadError(_ path: String, _ old: String, _ new: String) throws -> FormsError? {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try scratch.edit(path, replacing: old, with: new)
        do {
            _ = try Content.load(forms: scratch.forms, localization: scratch.localization)
            return nil
        } catch {
            return error
        }
    }

    @Test func theMarkersAreHeldForSafeguardingUnderScheduleOneParagraph18() throws {
        let content = try Self.content.get()
        let purpose = try #require(content.catalogue.purpose(PurposeID("safeguarding")))
        #expect(purpose.markers == ["vulnerable", "safe-address"])
        #expect(purpose.art9Condition == .substantialPublicInterest && purpose.schedule1Paragraph == 18)
        #expect(purpose.policyDocument?.isEmpty == false && purpose.retention == .afterTenancyEnd(months: 24) && !purpose.recipients.isEmpty)
        #expect(purpose.legalBasis.control == .fixed, "a tenant cannot switch off a marker that protects them")
        let staff = try #require(content.staff)
        for marker in staff.markers {
            #expect(content.catalogue.purposes.contains { $0.markers.contains(marker.id) }, "marker \(marker.id) has no purpose")
        }
        // Its notice says, in every language, why, on what ground, and that the tenant gives nothing for it.
        for language in ["en", "pl", "ro", "ur"] {
            let summary = content.noticeSummary(purpose, language)
            #expect(summary.contains("18"), "\(language): no paragraph 18 in \(summary)")
            #expect(summary.contains(content.localizer.text("required.markers", language)), "\(language): \(summary)")
            #expect(!content.localizer.text("notice.safeguarding.v1", language).isEmpty)
        }
        #expect(content.noticeSummary(purpose, "en").contains("You do not have to give us anything for this"))
        #expect(!content.noticeSummary(purpose, "en").contains("The law says we must send this"), "the CORE return's words on a marker")
    }

    @Test func aMarkerWithoutAPurposeIsRefusedNamingTheMarker() throws {
        let error = try #require(try loadError("Forms/purposes.yaml", "    markers: [vulnerable, safe-address]\n", "    markers: [vulnerable]\n"))
        #expect(error.file == "staff.yaml" && error.entry == "marker 'safe-address'", "\(error)")
        #expect(error.message.contains("has no purpose") && error.message.contains("para 18"), "\(error.message)")
    }

    @Test func aPurposeHoldingMarkersNeedsItsArt9ConditionAndPolicyDocument() throws {
        let noCondition = try #require(try loadError("Forms/purposes.yaml", "    art9-condition: \"9(2)(g)\"\n    schedule-1-paragraph: 18\n", ""))
        #expect(noCondition.entry == "purpose 'safeguarding'" && noCondition.message.contains("staff marker 'vulnerable'")
                && noCondition.message.contains("fill in 'art9-condition'"), "\(noCondition)")
        let noDocument = try #require(try loadError(
            "Forms/purposes.yaml", "    appropriate-policy-document: \"DEMO: none written; the DPO's file DP-02, section on safeguarding\"\n", ""))
        #expect(noDocument.entry == "purpose 'safeguarding'" && noDocument.message.contains("paragraph 18")
                && noDocument.message.contains("fill in 'appropriate-policy-document'"), "\(noDocument)")
        let unknown = try #require(try loadError("Forms/purposes.yaml", "    markers: [vulnerable, safe-address]\n", "    markers: [vulnerable, safe-address, flight-risk]\n"))
        #expect(unknown.entry == "purpose 'safeguarding'" && unknown.message.contains("marker 'flight-risk', which is not in staff.yaml"), "\(unknown)")
    }
}

import ConsentCore
import ConsentForms
import Foundation
import Testing

/// `validity-months` in `Forms/purposes.yaml`: a consent purpose's own period before the tenant is asked again.
@Suite struct ValidityMonthsTests {
    @Test func aConsentPurposeMayHaveItsOwnPeriodAndOthersKeepTheRegisters() throws {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try scratch.edit("Forms/purposes.yaml", replacing: "    retention: until withdrawn or 2 years\n",
                         with: "    retention: until withdrawn or 2 years\n    validity-months: 12\n")
        let content = try Content.load(forms: scratch.forms, localization: scratch.localization)
        let catalogue = content.catalogue
        let updates = try #require(catalogue.purpose(PurposeID("service-updates-email")))
        #expect(catalogue.validityMonths(of: updates) == 12)
        let involvement = try #require(catalogue.purpose(PurposeID("emergency-contact")))
        #expect(catalogue.validityMonths(of: involvement) == 24, "no period of its own: register.yaml's consent-validity-months")
    }

    @Test func aPeriodOnAPurposeThatIsNeverAskedIsRefused() throws {
        let error = try #require(try OrganisationTests().loadError {
            try $0.edit("Forms/purposes.yaml", replacing: "    retention: 6 years after tenancy end\n",
                        with: "    retention: 6 years after tenancy end\n    validity-months: 12\n")
        })
        #expect(error.entry == "purpose 'tenancy-management'")
        #expect(error.message.contains("'validity-months' applies only to a consent purpose"))
    }

    @Test func anImpossiblePeriodIsRefusedWithTheRange() throws {
        let error = try #require(try OrganisationTests().loadError {
            try $0.edit("Forms/purposes.yaml", replacing: "    retention: until withdrawn\n", with: "    retention: until withdrawn\n    validity-months: 500\n")
        })
        #expect(error.entry == "purpose 'emergency-contact'")
        #expect(error.message.contains("must be 0 (until withdrawn) to 120"))
    }
}

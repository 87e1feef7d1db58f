import ConsentCore
import ConsentForms
import Foundation
import Testing
import TestSupport

/// Each purpose's `retention` rule in Forms/purposes.yaml: parsed into a ``RetentionRule``, required of
/// every purpose, refused with what to write when malformed, and worded in the notice (issue 24).
@Suite struct RetentionRuleTests {
    @Test func eachFormParses() {
        #expect(RetentionRule(parsing: "until withdrawn") == .untilWithdrawn)
        #expect(RetentionRule(parsing: "Until withdrawn or 2 years") == .untilWithdrawnOr(months: 24))
        #expect(RetentionRule(parsing: "6 years after tenancy end") == .afterTenancyEnd(months: 72))
        #expect(RetentionRule(parsing: "1 year after tenancy end") == .afterTenancyEnd(months: 12))
        #expect(RetentionRule(parsing: "18 months after tenancy end") == .afterTenancyEnd(months: 18))
        #expect(RetentionRule(parsing: "1 month after  tenancy end") == .afterTenancyEnd(months: 1))
        #expect(RetentionRule(parsing: "2 years after decision") == .afterDecision(months: 24))
        #expect(RetentionRule(parsing: "6 years after submission") == .afterSubmission(months: 72))
    }

    @Test func malformedRulesDoNotParse() {
        for text in ["", "6", "6 years", "0 years after tenancy end", "-1 years after tenancy end", "six years after tenancy end",
                     "6 weeks after tenancy end", "until withdrawn or 6 months", "6 months after decision", "until withdrawn or", "forever",
                     "6 months after submission", "after submission", "0 years after submission"] {
            #expect(RetentionRule(parsing: text) == nil, "\(text)")
        }
    }

    @Test func shippedPurposesCarryTheirRules() throws {
        let content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
        func rule(_ id: String) -> RetentionRule? { content.catalogue.purpose(PurposeID(id))?.retention }
        #expect(rule("tenancy-management") == .afterTenancyEnd(months: 72))
        #expect(rule("service-updates-email") == .untilWithdrawnOr(months: 24))
        #expect(rule("equality-monitoring") == .afterDecision(months: 12))
        #expect(rule("safeguarding") == .afterTenancyEnd(months: 24))
        // The CORE log is kept from the day it is sent, not from the end of a tenancy.
        #expect(rule("regulator-returns") == .afterSubmission(months: 72))
        let tenancy = try #require(content.catalogue.purpose(PurposeID("tenancy-management")))
        #expect(content.retentionText(tenancy, "en") == "Kept for 6 years after your tenancy ends")
        let email = try #require(content.catalogue.purpose(PurposeID("service-updates-email")))
        #expect(content.retentionText(email, "en") == "Until you withdraw, or 2 years at most")
        #expect(content.retentionText(email, "pl") == "Do czasu wycofania zgody, najwyżej 2 lata")
        let equality = try #require(content.catalogue.purpose(PurposeID("equality-monitoring")))
        #expect(content.retentionText(equality, "en") == "Kept for 1 year from the day you choose")
        let returns = try #require(content.catalogue.purpose(PurposeID("regulator-returns")))
        #expect(content.retentionText(returns, "en") == "Kept for 6 years from the day we send the form")
        #expect(content.retentionText(returns, "pl") == "Przechowywane przez 6 lat od dnia wysłania formularza")
        #expect(content.retentionText(returns, "ro") == "Păstrate 6 ani de la data trimiterii formularului")
    }

    @Test func monthsAfterTenancyEndAreWordedInMonths() throws {
        let content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
        var purpose = try #require(content.catalogue.purpose(PurposeID("works-in-your-area")))
        purpose.retention = .afterTenancyEnd(months: 3)
        #expect(content.retentionText(purpose, "en") == "Kept for 3 months after your tenancy ends")
        #expect(content.retentionText(purpose, "ro") == "Păstrate 3 luni după încheierea contractului de închiriere")
    }

    @Test func aPurposeWithoutARuleIsRefusedNamingPurposeAndField() throws {
        let error = try #require(try OrganisationTests().loadError {
            try $0.edit("Forms/purposes.yaml", replacing: "    retention: 6 years after tenancy end\n", with: "")
        })
        #expect(error.file == "purposes.yaml")
        #expect(error.entry == "purpose 'tenancy-management'")
        #expect(error.message.contains("add 'retention'"))
        #expect(error.message.contains("'N years after tenancy end'"))
    }

    @Test func aMalformedRuleIsRefusedWithWhatToWrite() throws {
        let error = try #require(try OrganisationTests().loadError {
            try $0.edit("Forms/purposes.yaml", replacing: "    retention: 2 years after tenancy end\n", with: "    retention: 2 years\n")
        })
        #expect(error.file == "purposes.yaml")
        #expect(error.entry == "purpose 'safeguarding'")
        #expect(error.message.contains("'retention: 2 years' is not a rule"))
        #expect(error.message.contains("'until withdrawn or N years'"))
    }

    @Test func theOldYearsFieldIsRefusedWithWhatToWrite() throws {
        let error = try #require(try OrganisationTests().loadError {
            try $0.edit("Forms/purposes.yaml", replacing: "    retention: 6 years after tenancy end\n", with: "    retention-years: 6\n")
        })
        #expect(error.entry == "purpose 'tenancy-management'")
        #expect(error.message.contains("'retention-years' is no longer read"))
    }
}

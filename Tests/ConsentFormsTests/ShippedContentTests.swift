import ConsentCore
import Testing
@testable import ConsentForms
import TestSupport

@Suite struct ShippedContentTests {
    let content: Content

    init() throws {
        content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
    }

    @Test func catalogueHoldsTheAttributesAHousingAssociationNeeds() {
        let ids = Set(content.catalogue.attributes.map(\.id.rawValue))
        for id in ["full-name", "preferred-name", "date-of-birth", "sex", "gender-identity", "address", "postcode", "mobile", "landline",
                   "email", "preferred-contact", "preferred-language", "emergency-contact", "health-needs",
                   "ethnic-origin", "religion", "sexual-orientation"] {
            #expect(ids.contains(id), "missing attribute \(id)")
        }
        let special = Set(content.catalogue.attributes.filter(\.isSpecial).map(\.id.rawValue))
        #expect(special == ["health-needs", "ethnic-origin", "religion", "sexual-orientation", "gender-identity", "gender-identity-write-in"])
    }

    @Test func censusChoiceListsHaveEveryCategoryAndPreferNotToSay() throws {
        let ethnic = try #require(content.catalogue.attribute(AttributeID("ethnic-origin")))
        #expect(ethnic.choices.count == 19)
        #expect(Set(ethnic.choices.compactMap(\.group)) == ["asian", "black", "mixed", "white", "other"])
        let religion = try #require(content.catalogue.attribute(AttributeID("religion")))
        #expect(religion.choices.map(\.id) == ["none", "christian", "buddhist", "hindu", "jewish", "muslim", "sikh", "other"])
        for id in ["ethnic-origin", "religion", "sexual-orientation"] {
            #expect(content.catalogue.attribute(AttributeID(id))?.offersPreferNotToSay == true)
        }
    }

    @Test func purposesCarryTheirLegalBasis() throws {
        let expected: [String: LegalBasis] = [
            "tenancy-management": .contract, "emergency-contact": .consent, "emergency-sharing": .vitalInterests,
            "service-updates-email": .consent, "service-updates-sms": .consent, "works-in-your-area": .legitimateInterests, "tailoring-services": .consent,
            "equality-monitoring": .legitimateInterests, "regulator-returns": .legalObligation, "safeguarding": .legalObligation, "resident-involvement": .consent,
        ]
        for (id, basis) in expected {
            let purpose = try #require(content.catalogue.purpose(PurposeID(id)), "missing purpose \(id)")
            #expect(purpose.legalBasis == basis)
            #expect(!purpose.recipients.isEmpty)
            #expect(!purpose.notices.isEmpty)
        }
        #expect(content.catalogue.purpose(PurposeID("equality-monitoring"))?.specialCondition == "dpa-2018-sch1-para8")
    }

    @Test func everySpecialCategoryPurposeNamesItsArt9ConditionAndScheduleOneParagraph() throws {
        let expected: [String: (Art9Condition, Int?)] = [
            "tailoring-services": (.explicitConsent, nil), "equality-monitoring": (.substantialPublicInterest, 8),
            "regulator-returns": (.substantialPublicInterest, 6), "safeguarding": (.substantialPublicInterest, 18),
        ]
        for purpose in content.catalogue.purposes {
            let special = purpose.attributes.contains { content.catalogue.attribute($0)?.isSpecial == true }
            if let (condition, paragraph) = expected[purpose.id.rawValue] {
                #expect(purpose.art9Condition == condition, "\(purpose.id)")
                #expect(purpose.schedule1Paragraph == paragraph, "\(purpose.id)")
                #expect((purpose.policyDocument != nil) == (paragraph != nil), "\(purpose.id): policy document where Sch. 1 needs one")
            } else {
                #expect(!special && purpose.art9Condition == nil, "\(purpose.id) uses a special category: add it here")
            }
        }
        // Emergency sharing rests on vital interests and holds no special category (health is never exported under it).
        let sharing = try #require(content.catalogue.purpose(PurposeID("emergency-sharing")))
        #expect(sharing.recipients == ["emergency-services"] && sharing.art9Condition == nil)
        // The CORE log goes to the ministry.
        #expect(content.catalogue.purpose(PurposeID("regulator-returns"))?.recipients == ["ministry-core"])
    }

    @Test func fourLanguagesIncludingOneRightToLeft() {
        let codes = content.localizer.languages.map(\.code)
        #expect(Set(codes).isSuperset(of: ["en", "pl", "ro", "ur"]))
        #expect(content.localizer.language("ur").direction == .rightToLeft)
        #expect(content.localizer.language("pl").name == "Polski")
    }

    @Test func everyLanguageHasEveryKeyOfTheTemplate() {
        let english = Set(content.localizer.language("en").keys)
        for language in content.localizer.languages {
            #expect(Set(language.keys) == english, "\(language.code) differs from the template")
        }
    }

    @Test func pluralsFollowEachLanguagesRule() {
        let l = content.localizer
        #expect(l.plural("retention.years", count: 1, "en") == "Kept for 1 year after your tenancy ends")
        #expect(l.plural("retention.years", count: 6, "en") == "Kept for 6 years after your tenancy ends")
        // Polish has three forms: 1, 2–4 (not 12–14), and the rest.
        let pl = [1, 2, 5, 12, 22, 25].map { l.plural("retention.years", count: $0, "pl") }
        #expect(Set(pl).count == 6)
        #expect(l.language("pl").plural.form(for: 22) == l.language("pl").plural.form(for: 2))
        #expect(l.language("pl").plural.form(for: 12) == l.language("pl").plural.form(for: 5))
        #expect(l.language("ro").plural.form(for: 19) == 1)
        #expect(l.language("ro").plural.form(for: 20) == 2)
    }

    @Test func unknownLanguageFallsBackToEnglish() {
        #expect(content.localizer.text("show.title", "xx") == "What we hold about you")
        #expect(content.localizer.text("show.reference", "en", ["reference": "AB-1"]) == "Tenancy reference: AB-1")
    }
}

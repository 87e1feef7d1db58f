import ConsentCore
import ConsentForms
import Foundation
import Testing
import TestSupport

/// Sex and gender identity as the 2021 census asks them (issue 24): sex is "What is your sex?" (female,
/// male); gender identity is a voluntary question for people aged 16 and over, with a write-in after "No",
/// handled as a special category (the Gender Recognition Act 2004 s.22 protects it) and never in a message.
/// The old `gender` question is retired, not removed: databases that hold its answers keep opening.
@Suite struct SexAndGenderIdentityTests {
    let content: Content
    var catalogue: Catalogue { content.catalogue }

    init() throws {
        content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
    }

    @Test func sexIsTheCensusQuestionWithItsTwoAnswersAndPreferNotToSay() throws {
        let sex = try #require(catalogue.attribute(AttributeID("sex")))
        #expect(sex.type == .choice && sex.choices.map(\.id) == ["female", "male"])
        #expect(sex.offersPreferNotToSay && !sex.isSpecial && sex.askedFromAge == nil)
        #expect(content.localizer.text("attribute.sex.question", "en") == "What is your sex?")
    }

    @Test func genderIdentityIsVoluntaryFrom16MaskedAndNeverMailed() throws {
        let identity = try #require(catalogue.attribute(AttributeID("gender-identity")))
        #expect(identity.type == .choice && identity.choices.map(\.id) == ["yes", "no"])
        #expect(identity.isSpecial && identity.neverMailed && identity.offersPreferNotToSay && identity.askedFromAge == 16)
        #expect(content.localizer.text("attribute.gender-identity.question", "en")
                == "Is the gender you identify with the same as your sex registered at birth?")
        let writeIn = try #require(catalogue.attribute(AttributeID("gender-identity-write-in")))
        #expect(writeIn.type == .text && writeIn.isSpecial && writeIn.neverMailed && writeIn.askedFromAge == 16)
        #expect(writeIn.askedIf == AskCondition(attribute: AttributeID("gender-identity"), choice: "no"))
        for language in ["pl", "ro", "ur"] {
            for key in ["attribute.sex.question", "attribute.gender-identity.question", "choice.gender-identity.no", "value.retired"] {
                #expect(content.localizer.hasText(key, language), "\(language) has no \(key)")
            }
        }
    }

    @Test func theOldGenderQuestionIsRetiredAndNoPurposeUsesIt() throws {
        let gender = try #require(catalogue.attribute(AttributeID("gender")), "removed: databases holding it would lose it")
        #expect(gender.isRetired)
        #expect(catalogue.purposes(using: gender.id).isEmpty)
        let equality = try #require(catalogue.purpose(PurposeID("equality-monitoring")))
        #expect(equality.attributes.contains(AttributeID("sex")) && equality.attributes.contains(AttributeID("gender-identity")))
        let core = try #require(catalogue.purpose(PurposeID("regulator-returns")))
        #expect(core.attributes.contains(AttributeID("sex")))
        #expect(!core.attributes.contains(AttributeID("gender-identity")) && !core.attributes.contains(AttributeID("gender-identity-write-in")),
                "the CORE return never carries gender identity")
    }

    @Test func aMailTemplateNamingGenderIdentityIsRefused() throws {
        for attribute in ["gender-identity", "gender-identity-write-in", "religion"] {
            let scratch = try ScratchContent()
            defer { scratch.remove() }
            try scratch.edit("Forms/templates.yaml", replacing: "withholds: [date-of-birth]", with: "withholds: [date-of-birth, \(attribute)]")
            let error = #expect(throws: FormsError.self) { try Content.load(forms: scratch.forms, localization: scratch.localization) }
            #expect(error?.message.contains("'\(attribute)', a special category") == true, "\(String(describing: error))")
        }
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try scratch.edit("Forms/templates.yaml", replacing: "channel: email", with: "channel: gender-identity")
        #expect(throws: FormsError.self) { try Content.load(forms: scratch.forms, localization: scratch.localization) }
    }

    @Test func aPurposeCannotUseARetiredAttributeNorMailOneMarkedNeverMailedWithoutSpecial() throws {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try scratch.edit("Forms/purposes.yaml", replacing: "attributes: [date-of-birth, sex, postcode,", with: "attributes: [date-of-birth, gender, postcode,")
        let error = #expect(throws: FormsError.self) { try Content.load(forms: scratch.forms, localization: scratch.localization) }
        #expect(error?.message.contains("'gender' is retired") == true, "\(String(describing: error))")

        let other = try ScratchContent()
        defer { other.remove() }
        try other.edit("Forms/attributes.yaml", replacing: "  - id: sex\n    type: choice\n", with: "  - id: sex\n    type: choice\n    never-mailed: true\n")
        let mailed = #expect(throws: FormsError.self) { try Content.load(forms: other.forms, localization: other.localization) }
        #expect(mailed?.message.contains("needs 'special: true'") == true, "\(String(describing: mailed))")
    }

    /// The 16+ rule, around the birthday, and the write-in only after "No".
    @Test func genderIdentityIsAskedFromThe16thBirthdayAndTheWriteInOnlyAfterNo() throws {
        let now = Date(timeIntervalSince1970: 1_796_428_800) // 2026-12-05
        let identity = AttributeID("gender-identity"), writeIn = AttributeID("gender-identity-write-in")
        func state(_ values: [String: AttributeValue]) -> TenantState {
            TenantState.fold(TenantRef("T1"), [Event(
                id: EventID(device: DeviceID("d"), sequence: 1), tenant: TenantRef("T1"), hlc: HLCTimestamp(millis: 1),
                effectiveAt: now, actor: .system("test"), channel: .importFile,
                payload: .registration(values: Dictionary(uniqueKeysWithValues: values.map { (AttributeID($0.key), $0.value) })))])
        }
        #expect(!catalogue.asks(identity, of: state(["date-of-birth": .value("2010-12-06")]), at: now), "15, 16 tomorrow")
        #expect(catalogue.asks(identity, of: state(["date-of-birth": .value("2010-12-05")]), at: now), "16 today")
        #expect(catalogue.asks(identity, of: state(["date-of-birth": .value("1970-05-01")]), at: now))
        #expect(!catalogue.asks(identity, of: state([:]), at: now), "no date of birth: not known to be 16")
        #expect(catalogue.asks(AttributeID("sex"), of: state(["date-of-birth": .value("2015-01-01")]), at: now), "sex is asked at any age")
        #expect(!catalogue.asks(AttributeID("gender"), of: state(["date-of-birth": .value("1970-05-01")]), at: now), "retired: never asked")
        let adult = ["date-of-birth": AttributeValue.value("1970-05-01")]
        #expect(!catalogue.asks(writeIn, of: state(adult), at: now))
        #expect(!catalogue.asks(writeIn, of: state(adult.merging(["gender-identity": .value("yes")]) { a, _ in a }), at: now))
        #expect(!catalogue.asks(writeIn, of: state(adult.merging(["gender-identity": .preferNotToSay]) { a, _ in a }), at: now))
        #expect(catalogue.asks(writeIn, of: state(adult.merging(["gender-identity": .value("no")]) { a, _ in a }), at: now))
        #expect(!catalogue.asks(writeIn, of: state(["date-of-birth": .value("2012-01-01"), "gender-identity": .value("no")]), at: now))
    }

    @Test func noChannelRecordsGenderIdentityForAnUnder16OrANewValueOfARetiredAttribute() throws {
        let now = Date(timeIntervalSince1970: 1_796_428_800) // 2026-12-05
        func register(_ values: [String: AttributeValue]) throws(ChangeError) {
            _ = try ChangeRules.check(ChangeRequest(
                tenant: TenantRef("T1"), payload: .registration(values: Dictionary(uniqueKeysWithValues: values.map { (AttributeID($0.key), $0.value) })),
                actor: .system("import"), channel: .importFile), validator: content.validator, now: now)
        }
        #expect(throws: ChangeError.notAsked(AttributeID("gender-identity"))) {
            try register(["date-of-birth": .value("2011-01-01"), "gender-identity": .value("yes")])
        }
        #expect(throws: ChangeError.notAsked(AttributeID("gender-identity"))) { try register(["gender-identity": .value("yes")]) }
        #expect(throws: ChangeError.notAsked(AttributeID("gender-identity-write-in"))) {
            try register(["date-of-birth": .value("1970-05-01"), "gender-identity": .value("yes"), "gender-identity-write-in": .value("Woman")])
        }
        try register(["date-of-birth": .value("1970-05-01"), "gender-identity": .value("no"), "gender-identity-write-in": .value("Non-binary")])
        #expect(throws: ChangeError.retired(AttributeID("gender"))) { try register(["gender": .value("woman")]) }
        #expect(throws: ChangeError.retired(AttributeID("gender"))) {
            _ = try ChangeRules.check(ChangeRequest(tenant: TenantRef("T1"), payload: .correction(AttributeID("gender"), .value("man"), pending: false),
                                                    actor: .tenant, channel: .kiosk), validator: content.validator, now: now)
        }
        // What is held can still be erased by the tenant.
        _ = try ChangeRules.check(ChangeRequest(tenant: TenantRef("T1"), payload: .erasure(AttributeID("gender")), actor: .tenant, channel: .kiosk),
                                  validator: content.validator, now: now)
    }
}

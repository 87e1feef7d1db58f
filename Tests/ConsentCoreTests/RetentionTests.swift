import ConsentCore
import Foundation
import Testing

/// When a purpose lets a value go, by each form of retention rule; dates written out by hand.
@Suite struct RetentionTests {
    static let phone = AttributeID("phone"), note = AttributeID("note"), office = AttributeID("office")
    static let tenancy = PurposeDefinition(id: PurposeID("tenancy"), legalBasis: .contract, attributes: [phone, office],
                                           retention: .afterTenancyEnd(months: 72))
    static let updates = PurposeDefinition(id: PurposeID("updates"), legalBasis: .consent, attributes: [phone],
                                           retention: .untilWithdrawnOr(months: 24))
    static let survey = PurposeDefinition(id: PurposeID("survey"), legalBasis: .legitimateInterests, attributes: [note],
                                          retention: .afterDecision(months: 12))
    static let returns = PurposeDefinition(id: PurposeID("returns"), legalBasis: .legalObligation, attributes: [note],
                                           retention: .afterSubmission(months: 72))
    static let catalogue = Catalogue(
        attributes: [AttributeDefinition(id: phone, type: .text), AttributeDefinition(id: note, type: .text),
                     AttributeDefinition(id: office, type: .text)],
        purposes: [tenancy, updates, survey, returns])

    /// 2020-01-01, 2026-01-01 and 2026-01-02, midnight UTC.
    static let ended = Date(timeIntervalSince1970: 1_577_836_800)
    static let sixYearsOn = Date(timeIntervalSince1970: 1_767_225_600)
    static let dayAfter = Date(timeIntervalSince1970: 1_767_312_000)

    func facts(end: Date? = ended, decisions: [Retention.Use: Retention.Decided] = [:], sent: [PurposeID: Date] = [:]) -> Retention.Facts {
        Retention.Facts(tenant: TenantRef("R1"), tenancyEnd: end, held: [Self.phone: Self.ended, Self.note: Self.ended, Self.office: Self.ended],
                        decisions: decisions, lastSent: sent)
    }

    @Test func aValueGoesTheDayAfterTheLastPurposeKeepingItLetsGoAndTheOfficeNever() {
        // Six years after the end (72 months): still kept on the last day, gone the day after.
        let justBefore = Self.sixYearsOn.addingTimeInterval(-1)
        #expect(!Retention.due(facts(), catalogue: Self.catalogue, now: justBefore).contains(Self.phone))
        #expect(Retention.due(facts(), catalogue: Self.catalogue, now: Self.dayAfter).contains(Self.phone))
        #expect(!Retention.due(facts(), catalogue: Self.catalogue, now: Self.dayAfter).contains(Self.office))
        #expect(Retention.due(facts(end: nil), catalogue: Self.catalogue, now: Self.dayAfter).isEmpty, "no end date: a tenant, all kept")
    }

    @Test func aGrantInForceKeepsItsAttributeWhileTheTenancyLastsAndAWithdrawalOrLapseDoesNot() {
        let granted = Retention.Decided(state: .granted, effectiveAt: Self.sixYearsOn.addingTimeInterval(-86_400), validUntil: nil)
        let use = Retention.Use(Self.updates.id, Self.phone)
        func kept(end: Date?, _ decided: Retention.Decided) -> Bool {
            Retention.keeps(Self.updates, Self.phone, facts(end: end, decisions: [use: decided]), recordedAt: Self.ended, now: Self.dayAfter)
        }
        #expect(kept(end: nil, granted), "a tenant's grant in force keeps the phone")
        #expect(kept(end: Self.dayAfter.addingTimeInterval(30 * 86_400), granted), "a tenancy that ends next month still lasts")
        #expect(!kept(end: Self.dayAfter, granted), "the grant lets go the day the tenancy ends")
        var withdrawn = granted
        withdrawn.state = .withdrawn
        #expect(!kept(end: nil, withdrawn))
        var lapsed = granted
        lapsed.validUntil = Self.sixYearsOn
        #expect(!kept(end: nil, lapsed))
        // Six years after a tenancy that ended in 2020, nothing keeps the phone: the grant ended with the tenancy.
        #expect(Retention.due(facts(decisions: [use: granted]), catalogue: Self.catalogue, now: Self.dayAfter).contains(Self.phone))
    }

    @Test func aMarkerGoesWhenThePurposeHoldingItLetsGoCountedFromTheDayItWasSet() {
        let safeguarding = PurposeDefinition(id: PurposeID("safeguarding"), legalBasis: .vitalInterests, attributes: [Self.note],
                                             retention: .afterTenancyEnd(months: 24), markers: ["vulnerable"])
        let support = PurposeDefinition(id: PurposeID("support"), legalBasis: .consent, attributes: [Self.note],
                                        retention: .untilWithdrawn, markers: ["helper"])
        let checks = PurposeDefinition(id: PurposeID("checks"), legalBasis: .legitimateInterests, attributes: [Self.note],
                                       retention: .afterDecision(months: 12), markers: ["visit-in-pairs"])
        let catalogue = Catalogue(attributes: Self.catalogue.attributes, purposes: [safeguarding, support, checks])
        func due(end: Date?, now: Date) -> [String] {
            var held = facts(end: end)
            held.markers = ["vulnerable": Self.ended, "helper": Self.ended, "visit-in-pairs": Self.ended, "dropped-from-forms": Self.ended]
            return Retention.markersDue(held, catalogue: catalogue, now: now)
        }
        let twoYearsOn = Date(timeIntervalSince1970: 1_640_995_200)  // 2022-01-01
        #expect(due(end: nil, now: Self.dayAfter) == ["visit-in-pairs"], "a tenant keeps every marker but one counted from its setting")
        #expect(due(end: Self.ended, now: twoYearsOn.addingTimeInterval(-1)) == ["helper", "visit-in-pairs"],
                "the tenancy over: the consent purpose's marker goes at once, safeguarding's two years on")
        #expect(due(end: Self.ended, now: twoYearsOn) == ["helper", "visit-in-pairs", "vulnerable"],
                "a marker no purpose holds is left for staff")
    }

    @Test func afterDecisionCountsFromTheLaterOfDecisionAndRecordingAndSubmissionFromTheLastSending() {
        // The note: the survey keeps it 12 months after its decision; returns keep it while a tenant, then 6 years after sending.
        let survey = Retention.Use(Self.survey.id, Self.note)
        let answered = Retention.Decided(state: .notAsked, effectiveAt: Self.sixYearsOn, validUntil: nil)
        #expect(!Retention.due(facts(decisions: [survey: answered]), catalogue: Self.catalogue, now: Self.dayAfter).contains(Self.note))
        #expect(Retention.due(facts(), catalogue: Self.catalogue, now: Self.dayAfter).contains(Self.note),
                "recorded in 2020, no decision since, never sent, tenancy over: gone")
        #expect(!Retention.due(facts(sent: [Self.returns.id: Self.ended]), catalogue: Self.catalogue, now: justBeforeSixYears).contains(Self.note))
        #expect(!Retention.due(facts(end: nil), catalogue: Self.catalogue, now: Self.dayAfter).contains(Self.note), "a return may still be due")
        var objected = answered
        objected.state = .objected
        #expect(Retention.due(facts(end: nil, decisions: [Retention.Use(Self.returns.id, Self.note): objected]), catalogue: Self.catalogue,
                              now: Self.dayAfter).contains(Self.note), "an objection stops the return keeping it, and the survey's year since 2020 is over")
    }

    var justBeforeSixYears: Date { Self.sixYearsOn.addingTimeInterval(-1) }

    @Test func anEndDateIsReadAsStoredAndInTheFormsStaffType() {
        #expect(Validator.dayStart("2020-01-01") == Self.ended)
        #expect(Validator.dayStart("01/01/2020") == Self.ended)
        #expect(Validator.dayStart("2020-02-30") == nil)
    }
}

import ConsentCore
import Foundation
import Testing

/// Each legal basis behaves as the law expects: vital interests cannot be withdrawn and do not
/// expire; under a legal obligation a refusal is carried, not dropped; values held only for equality
/// monitoring (DPA 2018 Sch. 1 para 8) are never revealed to staff for decisions about the tenant.
@Suite struct LegalBasisRulesTests {
    static let name = AttributeID("full-name"), contact = AttributeID("emergency-contact"), ethnic = AttributeID("ethnic-origin")
    static let keepContact = PurposeID("emergency-contact"), sharing = PurposeID("emergency-sharing"), core = PurposeID("core-return")
    static let catalogue = Catalogue(
        attributes: Fixture.catalogue.attributes + [
            AttributeDefinition(id: contact, type: .text),
            AttributeDefinition(id: ethnic, type: .choice, isSpecial: true, offersPreferNotToSay: true, choices: [Choice(id: "white-irish")]),
        ],
        purposes: Fixture.catalogue.purposes + [
            PurposeDefinition(id: keepContact, legalBasis: .consent, attributes: [name, contact], notices: [NoticeVersion(version: 1, effective: Fixture.day0)]),
            PurposeDefinition(id: sharing, legalBasis: .vitalInterests, attributes: [name, Fixture.postcode],
                              notices: [NoticeVersion(version: 1, effective: Fixture.day0)]),
            PurposeDefinition(id: core, legalBasis: .legalObligation, specialCondition: "dpa-2018-sch1-para6", art9Condition: .substantialPublicInterest,
                              attributes: [ethnic, Fixture.postcode], notices: [NoticeVersion(version: 1, effective: Fixture.day0)]),
        ], consentValidityMonths: 24)
    static let validator = try! Validator(catalogue: catalogue)

    func tenant(_ payloads: [EventPayload]) -> TenantState {
        TenantState.fold(Fixture.ref, payloads.enumerated().map { i, p in
            Fixture.event(Fixture.kiosk, Int64(i + 1), p, hlc: Int64(Fixture.day0.timeIntervalSince1970 * 1000) + Int64(i))
        })
    }

    @Test func emergencySharingSurvivesAWithdrawnContactConsentAndTheExpiry() throws {
        let c = Self.catalogue
        let registered = EventPayload.registration(values: [Self.name: .value("Ann Smith"), Fixture.postcode: .value("LS1 4AB"), Self.contact: .value("Bo, 07700900123")])
        let until = ChangeRules.adding(months: 24, to: Fixture.day0)
        let grant = EventPayload.decision(Self.keepContact, [Self.name, Self.contact], .granted, notice: NoticeShown(version: 1, language: "en"), validUntil: until)
        let withdrawn = tenant([registered, grant, .decision(Self.keepContact, [Self.name, Self.contact], .withdrawn, notice: nil, validUntil: nil)])
        let lapsed = tenant([registered, grant])
        let later = until.addingTimeInterval(86_400)
        #expect(Policy.evaluate(Self.contact, for: Self.keepContact, of: withdrawn, at: Fixture.day0, in: c) == .denied(.withdrawn))
        #expect(Policy.evaluate(Self.contact, for: Self.keepContact, of: lapsed, at: later, in: c) == .denied(.expired))
        for state in [withdrawn, lapsed] {
            for attribute in [Self.name, Fixture.postcode] {
                #expect(Policy.evaluate(attribute, for: Self.sharing, of: state, at: later, in: c) == .allowed, "\(attribute)")
            }
            #expect(Policy.effectiveDecision(DecisionKey(Self.name, Self.sharing), of: state, at: later, in: c) == .always)
        }
        // Nobody can switch it off: not the tenant, not staff for them.
        for state in [DecisionState.withdrawn, .objected] {
            let stop = ChangeRequest(tenant: Fixture.ref, payload: .decision(Self.sharing, [Self.name], state, notice: nil, validUntil: nil),
                                     actor: .tenant, channel: .kiosk)
            #expect(throws: ChangeError.notSwitchable(Self.sharing)) { try ChangeRules.check(stop, validator: Self.validator, now: later) }
        }
        #expect(LegalBasis.vitalInterests.allowedDecisions.isEmpty)
    }

    @Test func underALegalObligationARefusalIsCarriedNotIgnoredOrDropped() {
        let c = Self.catalogue
        let declined = tenant([.registration(values: [Self.ethnic: .preferNotToSay, Fixture.postcode: .value("LS1 4AB")])])
        let decision = Policy.evaluate(Self.ethnic, for: Self.core, of: declined, at: Fixture.day0, in: c)
        #expect(decision == .denied(.preferNotToSay))
        #expect(LegalBasis.legalObligation.carriesRefusal && !LegalBasis.contract.carriesRefusal)
        // An objection recorded while the return rested on public task stays the tenant's refusal.
        let objected = tenant([.registration(values: [Self.ethnic: .value("white-irish")]),
                               .decision(Self.core, [Self.ethnic], .objected, notice: nil, validUntil: nil)])
        #expect(Policy.evaluate(Self.ethnic, for: Self.core, of: objected, at: Fixture.day0, in: c) == .denied(.objected))
        let policy = PurposePolicy(purpose: c.purpose(Self.core)!, attributes: [Self.ethnic], catalogue: c)
        #expect(policy.readsDecisions)
        #expect(policy.evaluate(0, of: objected, at: Fixture.day0) == .denied(.objected), "the export path agrees")
        for reason in [DenialReason.preferNotToSay, .objected, .withdrawn] { #expect(reason.isTenantRefusal) }
        for reason in [DenialReason.notHeld, .erased, .noConsent, .expired, .unavailable] { #expect(!reason.isTenantRefusal) }
    }

    @Test func equalityMonitoringValuesAreNeverRevealedForDecisionsAboutATenant() throws {
        let c = Fixture.catalogue
        let now = Fixture.day0.addingTimeInterval(86_400)
        let state = tenant([.registration(values: [Fixture.religion: .value("christian"), Fixture.health: .value("wheelchair user")])])
        // Religion is used only by equality monitoring (Sch. 1 para 8) here: refused, whatever the reason.
        let refusal = try #require(StaffRules.revealRefusal(Fixture.religion, of: state, at: now, catalogue: c))
        #expect(refusal == .notForDecisions(Fixture.religion, heldFor: [Fixture.equality]))
        #expect(refusal.description.contains("never allows decisions about a person"))
        let context = StaffContext(staff: StaffID("dee"), role: .dpLead, caller: StaffRulesTests.verified)
        #expect(throws: StaffRefusal.notForDecisions(Fixture.religion, heldFor: [Fixture.equality])) {
            try StaffRules.reveal(Fixture.religion, of: state, context: context, reason: "caller-request", at: now,
                                  policy: StaffRulesTests.policy, catalogue: c)
        }
        // Health needs without consent to tailoring: held for no purpose that plans support.
        #expect(StaffRules.revealRefusal(Fixture.health, of: state, at: now, catalogue: c) != nil)
        // With explicit consent to tailoring, it may be revealed (and the read is recorded).
        let granted = tenant([.registration(values: [Fixture.health: .value("wheelchair user")]),
                              Fixture.decide(Fixture.tailoring, [Fixture.health], .granted)])
        #expect(StaffRules.revealRefusal(Fixture.health, of: granted, at: now, catalogue: c) == nil)
        let request = try StaffRules.reveal(Fixture.health, of: granted, context: context, reason: "caller-request", at: now,
                                            policy: StaffRulesTests.policy, catalogue: c)
        #expect(request.payload == .access(Fixture.health))
        #expect(c.purpose(Fixture.equality)?.allowsDecisionsAboutTenant == false && c.purpose(Fixture.tailoring)?.allowsDecisionsAboutTenant == true)
    }
}

import ConsentCore
import Foundation
import PropertyBased
import Testing

@Suite struct PolicyTests {
    let c = Fixture.catalogue
    let later = Fixture.day0.addingTimeInterval(86_400)

    func tenant(_ payloads: [EventPayload]) -> TenantState {
        TenantState.fold(Fixture.ref, payloads.enumerated().map { i, p in
            Fixture.event(Fixture.kiosk, Int64(i + 1), p, hlc: Int64(Fixture.day0.timeIntervalSince1970 * 1000) + Int64(i))
        })
    }

    @Test func failsClosedOnAnythingUnknownOrMissing() {
        let t = tenant([.registration(values: [Fixture.email: .value("a@example.org")])])
        #expect(Policy.evaluate(AttributeID("shoe-size"), for: Fixture.updates, of: t, at: later, in: c) == .denied(.unknownAttribute))
        #expect(Policy.evaluate(Fixture.email, for: PurposeID("marketing"), of: t, at: later, in: c) == .denied(.unknownPurpose))
        #expect(Policy.evaluate(Fixture.email, for: Fixture.updates, of: nil, at: later, in: c) == .denied(.unknownTenant))
        #expect(Policy.evaluate(Fixture.email, for: Fixture.updates, of: t, at: later, in: c) == .denied(.noConsent))
        #expect(Policy.evaluate(Fixture.email, for: Fixture.equality, of: t, at: later, in: c) == .denied(.notDeclared))
        #expect(Policy.evaluate(Fixture.name, for: Fixture.tenancy, of: t, at: later, in: c) == .denied(.notHeld))
    }

    @Test func contractPurposeNeedsNoConsentButAValue() {
        let t = tenant([.registration(values: [Fixture.email: .value("a@example.org")])])
        #expect(Policy.evaluate(Fixture.email, for: Fixture.tenancy, of: t, at: later, in: c) == .allowed)
    }

    @Test func consentGrantThenWithdrawal() {
        var t = tenant([.registration(values: [Fixture.email: .value("a@example.org")]),
                        Fixture.decide(Fixture.updates, [Fixture.email], .granted)])
        #expect(Policy.evaluate(Fixture.email, for: Fixture.updates, of: t, at: later, in: c) == .allowed)
        t = tenant([.registration(values: [Fixture.email: .value("a@example.org")]),
                    Fixture.decide(Fixture.updates, [Fixture.email], .granted),
                    Fixture.decide(Fixture.updates, [Fixture.email], .withdrawn)])
        #expect(Policy.evaluate(Fixture.email, for: Fixture.updates, of: t, at: later, in: c) == .denied(.withdrawn))
    }

    @Test func expiredConsentIsDenied() {
        let t = tenant([.registration(values: [Fixture.email: .value("a@example.org")]),
                        .decision(Fixture.updates, [Fixture.email], .granted, notice: NoticeShown(version: 1, language: "en"),
                                  validUntil: later)])
        #expect(Policy.evaluate(Fixture.email, for: Fixture.updates, of: t, at: later.addingTimeInterval(-1), in: c) == .allowed)
        #expect(Policy.evaluate(Fixture.email, for: Fixture.updates, of: t, at: later, in: c) == .denied(.expired))
    }

    @Test func objectionPurposeIsOnUntilObjected() {
        var t = tenant([.registration(values: [Fixture.religion: .value("none")])])
        #expect(Policy.evaluate(Fixture.religion, for: Fixture.equality, of: t, at: later, in: c) == .allowed)
        t = tenant([.registration(values: [Fixture.religion: .value("none")]), Fixture.decide(Fixture.equality, [Fixture.religion], .objected)])
        #expect(Policy.evaluate(Fixture.religion, for: Fixture.equality, of: t, at: later, in: c) == .denied(.objected))
    }

    @Test func preferNotToSayIsNeverUsed() {
        let t = tenant([.registration(values: [Fixture.religion: .preferNotToSay])])
        #expect(Policy.evaluate(Fixture.religion, for: Fixture.equality, of: t, at: later, in: c) == .denied(.preferNotToSay))
    }

    @Test func specialCategoryWithoutAnArticle9ConditionIsDenied() {
        // `regulator` is public task without a special condition: the catalogue loader refuses such a
        // purpose, and the policy still fails closed if one slips through.
        let t = tenant([.registration(values: [Fixture.religion: .value("none")])])
        #expect(Policy.evaluate(Fixture.religion, for: Fixture.regulator, of: t, at: later, in: c) == .denied(.noSpecialCondition))
    }

    /// Random histories: whatever happened, an allowed use always has a held value and a basis
    /// that permits it; everything else is denied.
    @Test func allowedImpliesHeldValueAndPermittingBasis() async {
        let attributes = c.attributes.map(\.id) + [AttributeID("unknown")]
        let purposes = c.purposes.map(\.id) + [PurposeID("unknown")]
        await propertyCheck(count: 300, input: Gen.int(in: 0...9_999).array(of: 0...25), Gen.int(in: 0...999)) { ops, probe in
            var payloads: [EventPayload] = [.registration(values: [Fixture.email: .value("x@example.org")])]
            for op in ops { payloads.append(Self.payload(op, c)) }
            let t = tenant(payloads)
            let attribute = attributes[probe % attributes.count]
            let purpose = purposes[(probe / attributes.count) % purposes.count]
            let decision = Policy.evaluate(attribute, for: purpose, of: t, at: later, in: c)
            guard decision == .allowed else { return }
            let p = c.purpose(purpose)
            #expect(p?.attributes.contains(attribute) == true)
            guard case .held(.value, _) = t.value(attribute) else {
                Issue.record("allowed without a held value")
                return
            }
            switch p?.legalBasis.control {
            case .fixed?: break
            case .optIn?: #expect(t.decisions[DecisionKey(attribute, purpose)]?.state == .granted)
            case .optOut?: #expect(t.decisions[DecisionKey(attribute, purpose)]?.state.stopsUse != true)
            case nil: Issue.record("allowed for an unknown purpose")
            }
        }
    }

    static func payload(_ op: Int, _ c: Catalogue) -> EventPayload {
        let purpose = c.purposes[op % c.purposes.count]
        let attribute = purpose.attributes[(op / 7) % purpose.attributes.count]
        let values: [AttributeID: AttributeValue] = [attribute: (op / 3) % 5 == 0 ? .preferNotToSay : .value("v\(op)")]
        switch (op / 50) % 6 {
        case 0: return .registration(values: values)
        case 1: return .correction(attribute, values[attribute] ?? .value("x"), pending: false)
        case 2: return .erasure(attribute)
        default:
            let state = DecisionState.allCases[(op / 11) % DecisionState.allCases.count]
            return Fixture.decide(purpose.id, [attribute], state)
        }
    }
}

import ConsentCore
import Foundation
import Testing

/// How long a consent lasts (the register's period, or a purpose's own), and which grants lapse soon.
@Suite struct ExpiryTests {
    static let short = PurposeID("short-consent"), forever = PurposeID("until-withdrawn")
    static let catalogue = Catalogue(
        attributes: Fixture.catalogue.attributes,
        purposes: Fixture.catalogue.purposes + [
            PurposeDefinition(id: short, legalBasis: .consent, attributes: [Fixture.email],
                              notices: [NoticeVersion(version: 1, effective: Fixture.day0)], validityMonths: 6),
            PurposeDefinition(id: forever, legalBasis: .consent, attributes: [Fixture.email],
                              notices: [NoticeVersion(version: 1, effective: Fixture.day0)], validityMonths: 0),
        ], consentValidityMonths: 24)
    static let validator = try! Validator(catalogue: catalogue)
    /// 2026-07-01 and 2028-01-01, midnight UTC: six and twenty-four months after `Fixture.day0` (2026-01-01).
    static let sixMonthsOn = Date(timeIntervalSince1970: 1_782_864_000)
    static let twoYearsOn = Date(timeIntervalSince1970: 1_830_297_600)

    func grantUntil(_ purpose: PurposeID) throws -> Date? {
        let request = ChangeRequest(tenant: Fixture.ref, payload: .decision(purpose, [Fixture.email], .granted,
                                    notice: NoticeShown(version: 1, language: "en"), validUntil: nil), actor: .tenant, channel: .kiosk,
                                    effectiveAt: Fixture.day0)
        let checked = try ChangeRules.check(request, validator: Self.validator, now: Fixture.day0)
        guard case let .decision(_, _, _, _, until) = checked.payload else { Issue.record("not a decision"); return nil }
        return until
    }

    @Test func aPurposesOwnValidityOverridesTheRegistersAndZeroMeansUntilWithdrawn() throws {
        #expect(try grantUntil(Self.short) == Self.sixMonthsOn)
        #expect(try grantUntil(Self.forever) == nil)
        #expect(try grantUntil(Fixture.updates) == Self.twoYearsOn, "no validity of its own: the register's 24 months")
    }

    func row(_ ref: String, _ purpose: PurposeID, _ state: DecisionState = .granted, until: Date?, effective: Date = Fixture.day0,
             attribute: AttributeID = Fixture.email) -> Expiry.Row {
        Expiry.Row(tenant: TenantRef(ref), purpose: purpose, attribute: attribute, state: state, effectiveAt: effective, validUntil: until)
    }

    @Test func onlyGrantsInForceThatEndWithinTheWindowAreListedSoonestFirstOnePerTenantAndPurpose() {
        let now = Self.sixMonthsOn.addingTimeInterval(-20 * 86_400)   // 2026-06-11
        let day = 86_400.0
        let rows = [
            row("T3", Fixture.updates, until: now.addingTimeInterval(25 * day)),
            row("T1", Fixture.updates, until: now.addingTimeInterval(5 * day)),
            row("T1", Fixture.updates, until: now.addingTimeInterval(5 * day), attribute: Fixture.name),
            row("T2", Fixture.updates, until: now.addingTimeInterval(31 * day)),                  // after the window
            row("T4", Fixture.updates, until: now.addingTimeInterval(-1 * day)),                  // already lapsed
            row("T5", Fixture.updates, .withdrawn, until: now.addingTimeInterval(3 * day)),       // withdrawn
            row("T6", Fixture.updates, until: nil),                                                // never lapses
            row("T7", Fixture.tenancy, until: now.addingTimeInterval(3 * day), attribute: Fixture.name), // not a consent purpose
            row("T8", Fixture.updates, until: now.addingTimeInterval(3 * day), effective: now.addingTimeInterval(day)), // not yet in force
            row("T9", PurposeID("gone"), until: now.addingTimeInterval(3 * day)),                 // purpose no longer listed
        ]
        let listed = Expiry.lapsing(rows, from: now, days: 30, in: Self.catalogue)
        #expect(listed == [
            LapsingGrant(tenant: TenantRef("T1"), purpose: Fixture.updates, attributes: [Fixture.email, Fixture.name].sorted(),
                         until: now.addingTimeInterval(5 * day)),
            LapsingGrant(tenant: TenantRef("T3"), purpose: Fixture.updates, attributes: [Fixture.email], until: now.addingTimeInterval(25 * day)),
        ])
        #expect(Expiry.lapsing(rows, from: now, days: 1, in: Self.catalogue).isEmpty)
    }
}

import ConsentCore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// What a centre makes of a pushed change against its channel's rules (`WireCheck.ruleProblem`,
/// `ChannelRules`), with the shipped Forms: a change as its channel makes it passes, the same change
/// with the guard taken off (applied at once, not held, never lapsing) is refused.
@Suite struct ChannelRuleCheckTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    static let support = Actor.staff(StaffID("bob"), verification: "date-of-birth+postcode", reason: "caller-request")
    let validator = Shipped.content.validator

    func problem(_ payload: EventPayload, _ actor: Actor = .tenant, _ channel: Channel = .kiosk, clear: [(String, String)] = [],
                 edit: (inout EventRecord) -> Void = { _ in }) -> String? {
        var f = Forger("kiosk-1", key: Curve25519.Signing.PrivateKey(), start: Self.start)
        return WireCheck.ruleProblem(f.event("T1", payload, actor: actor, channel: channel, clear: clear, edit: edit), validator: validator)
    }

    func correction(_ attribute: String, _ value: String, pending: Bool, _ actor: Actor = .tenant, _ channel: Channel = .kiosk,
                    evidence: String? = nil) -> String? {
        problem(.correction(AttributeID(attribute), .value(value), pending: pending), actor, channel, clear: [(attribute, value)]) { record in
            record.evidence = evidence
        }
    }

    @Test func eachChannelsCorrectionsWaitWhereItsOwnRulesMakeThemWait() {
        // At the kiosk: what needs evidence waits; what staff keep is never the tenant's to correct.
        #expect(correction("date-of-birth", "1950-01-01", pending: false)?.contains("waits for staff to verify it") == true)
        #expect(correction("date-of-birth", "1950-01-01", pending: true) == nil)
        #expect(correction("preferred-name", "Ann", pending: false) == nil)
        #expect(correction("tenancy-end", "2001-01-31", pending: false)?.contains("kept by staff") == true)
        #expect(correction("tenancy-end", "2001-01-31", pending: true)?.contains("kept by staff") == true)
        // By phone: contact details (held-attributes in Forms/staff.yaml) and what needs evidence wait.
        #expect(correction("mobile", "07700900999", pending: false, Self.support, .phone)?.contains("taken by phone waits") == true)
        #expect(correction("mobile", "07700900999", pending: true, Self.support, .phone) == nil)
        #expect(correction("date-of-birth", "1950-01-01", pending: false, Self.support, .phone, evidence: "passport seen") != nil)
        #expect(correction("preferred-name", "Ann", pending: false, Self.support, .phone) == nil)
        // On paper: what needs evidence waits unless evidence is noted; staff keep the tenancy's end.
        #expect(correction("date-of-birth", "1950-01-01", pending: false, Self.support, .paper)?.contains("without evidence") == true)
        #expect(correction("date-of-birth", "1950-01-01", pending: false, Self.support, .paper, evidence: "passport seen") == nil)
        #expect(correction("mobile", "07700900999", pending: false, Self.support, .paper) == nil)
        #expect(correction("tenancy-end", "2001-01-31", pending: false, Self.support, .paper, evidence: "notice to quit") == nil)
    }

    @Test func aGrantStaffKeyForASpecialCategoryIsHeldAndEveryConsentLapses() throws {
        let tailoring = try #require(Shipped.content.catalogue.purpose(PurposeID("tailoring-services")))
        let notice = NoticeShown(version: 1, language: "en")
        let direct = EventPayload.decision(tailoring.id, tailoring.attributes, .granted, notice: notice, validUntil: nil)
        let held = EventPayload.heldGrant(tailoring.id, tailoring.attributes, notice: notice, validUntil: nil)
        #expect(problem(direct, Self.support, .phone, edit: Forger.lapsing())?.contains("held grant") == true)
        #expect(problem(direct, Self.support, .paper, edit: Forger.lapsing())?.contains("held grant") == true)
        #expect(problem(held, Self.support, .phone, edit: Forger.lapsing()) == nil)
        // The tenant's own grant at the kiosk is theirs to give at once.
        #expect(problem(direct, edit: Forger.lapsing()) == nil)
        // A grant needs no second person where it covers no special category.
        let email = EventPayload.decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted, notice: notice, validUntil: nil)
        #expect(problem(email, Self.support, .phone, edit: Forger.lapsing()) == nil)

        // A consent lasts the register's 24 months from when it was given: never without an end, never longer
        // (beyond an hour for a device's clock stepped back between checking and recording).
        #expect(problem(email)?.contains("has no end date") == true)
        #expect(problem(held, Self.support, .phone)?.contains("has no end date") == true)
        #expect(problem(email, edit: Forger.lapsing(after: 25))?.contains("claims to last until") == true)
        #expect(problem(email) { record in
            Forger.lapsing()(&record)
            record.validUntil? += 3_600_000 - 1
        } == nil)
        #expect(problem(email) { record in
            Forger.lapsing()(&record)
            record.validUntil? += 3_600_000 + 1
        } != nil)
        #expect(problem(email, edit: Forger.lapsing(after: 1)) == nil, "an earlier end only asks again sooner")
        let withdrawal = EventPayload.decision(PurposeID("service-updates-email"), [AttributeID("email")], .withdrawn, notice: nil, validUntil: nil)
        #expect(problem(withdrawal) == nil)
        #expect(problem(withdrawal, edit: Forger.lapsing())?.contains("carries no end date") == true)
    }
}

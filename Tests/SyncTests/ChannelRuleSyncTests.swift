import CentralStore
import ConsentCore
import ConsentStore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// A stolen kiosk (its database and signing key) pushes changes its own channel never makes: correctly
/// chained and signed, each passes `ChangeRules` alone. The centre re-runs the channel's rules
/// (`ChannelRules`): each push is refused with a 400 naming the event and the rule, nothing of it is
/// applied, and the same changes made as the channels make them go through.
@Suite struct ChannelRuleSyncTests {
    static let tailoring = PurposeID("tailoring-services")
    static let emailUpdates = PurposeID("service-updates-email")
    static let support = Actor.staff(StaffID("helper-1"), verification: "date-of-birth+postcode", reason: "caller-request")

    @Test(arguments: Backend.allCases) func eachChangeItsChannelNeverMakesIsRefusedWithNothingApplied(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: ["T1", "T2"])
        let store = net.centre.store
        try await net.centre.registerStaff(["helper-1"], role: .support)
        let rogue = Forger("kiosk-stolen", key: Curve25519.Signing.PrivateKey(), start: Network.start(backend))
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        _ = try await store.enrol(EnrolRequest(code: code, device: rogue.id, signingKey: rogue.key.publicKey.rawRepresentation))
        let before = try await net.centre.events()
        let tailoring = try #require(Shipped.content.catalogue.purpose(Self.tailoring)).attributes
        let dob = AttributeID("date-of-birth"), tenancyEnd = AttributeID("tenancy-end")

        let attacks: [(name: String, expected: String, request: PushRequest)] = try [
            ("the tenant at the kiosk ends their own tenancy (kept by staff)", "kept by staff", {
                var f = rogue
                return try f.push([f.event("T1", .correction(tenancyEnd, .value("2001-01-31"), pending: false), clear: [("tenancy-end", "2001-01-31")])])
            }()),
            ("the tenant at the kiosk changes their date of birth at once", "waits for staff to verify it", {
                var f = rogue
                return try f.push([f.event("T1", .correction(dob, .value("1950-01-01"), pending: false), clear: [("date-of-birth", "1950-01-01")])])
            }()),
            ("a support member grants special-category consent by phone without a second person", "held grant", {
                var f = rogue
                return try f.push([f.event("T2", .decision(Self.tailoring, tailoring, .granted, notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                                           actor: Self.support, channel: .phone, edit: Forger.lapsing())])
            }()),
            ("a support member changes a mobile number by phone at once", "waits for staff to verify it", {
                var f = rogue
                return try f.push([f.event("T2", .correction(AttributeID("mobile"), .value("07700900999"), pending: false), actor: Self.support,
                                           channel: .phone, clear: [("mobile", "07700900999")])])
            }()),
            ("a support member changes a date of birth through the system at once", "carries out a decided request", {
                var f = rogue
                return try f.push([f.event("T2", .correction(dob, .value("1950-01-01"), pending: false), actor: Self.support, channel: .system,
                                           clear: [("date-of-birth", "1950-01-01")])])
            }()),
            ("a consent grant that never lapses", "has no end date", {
                var f = rogue
                return try f.push([f.event("T1", .decision(Self.emailUpdates, [AttributeID("email")], .granted,
                                                           notice: NoticeShown(version: 1, language: "en"), validUntil: nil))])
            }()),
            ("a consent grant lasting a century", "claims to last until", {
                var f = rogue
                return try f.push([f.event("T1", .decision(Self.emailUpdates, [AttributeID("email")], .granted,
                                                           notice: NoticeShown(version: 1, language: "en"), validUntil: nil)) { record in
                    Forger.lapsing(after: 1_200)(&record)
                }])
            }()),
            ("a withdrawal that lapses", "carries no end date", {
                var f = rogue
                return try f.push([f.event("T1", .decision(Self.emailUpdates, [AttributeID("email")], .withdrawn, notice: nil, validUntil: nil)) { record in
                    record.validUntil = record.effectiveAt
                }])
            }()),
        ]
        for attack in attacks {
            do {
                _ = try await store.push(attack.request, from: rogue.id)
                Issue.record("\(attack.name): accepted")
            } catch {
                #expect(error.description.contains(attack.expected), "\(attack.name): \(error.description)")
                #expect(error.description.contains("kiosk-stolen#1"), "\(attack.name): names the event: \(error.description)")
                if case .invalid = error {} else { Issue.record("\(attack.name): refused as \(error), not as a bad request") }
            }
            #expect(try await net.centre.events() == before, "\(attack.name): nothing of it was applied")
        }

        // The same changes as their channels make them: pending, held, lapsing when the purpose says.
        var honest = rogue
        let events = [
            honest.event("T1", .correction(dob, .value("1950-01-01"), pending: true), clear: [("date-of-birth", "1950-01-01")]),
            honest.event("T1", .request(.rectification, tenancyEnd, proposed: .value("2001-01-31")), clear: [("tenancy-end", "2001-01-31")]),
            honest.event("T2", .heldGrant(Self.tailoring, tailoring, notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                         actor: Self.support, channel: .phone, edit: Forger.lapsing()),
            honest.event("T2", .correction(AttributeID("mobile"), .value("07700900999"), pending: true), actor: Self.support, channel: .phone,
                         clear: [("mobile", "07700900999")]),
            honest.event("T1", .decision(Self.emailUpdates, [AttributeID("email")], .granted, notice: NoticeShown(version: 1, language: "en"),
                                         validUntil: nil), edit: Forger.lapsing()),
            honest.event("T1", .decision(Self.emailUpdates, [AttributeID("email")], .withdrawn, notice: nil, validUntil: nil)),
        ]
        let reply = try await store.push(try honest.push(events), from: rogue.id)
        #expect(reply.results.map(\.outcome) == Array(repeating: .applied, count: events.count))
        #expect(try await net.centre.events().count == before.count + events.count)
        #expect(try await net.problems().isEmpty)
    }
}

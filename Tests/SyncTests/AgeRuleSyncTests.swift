import CentralStore
import ConsentCore
import ConsentStore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// The census asks gender identity only of people aged 16 or over, and every device asks it only
/// then. A tampered device that answers it for a younger tenant, or for one whose age the centre
/// cannot tell, is refused at both centres with nothing applied; an answer for an adult and an
/// erasure for anyone go through.
@Suite struct AgeRuleSyncTests {
    static let identity = "gender-identity"

    /// 1 January of the year `years` before the network's start: the tenant is `years` old all through the test.
    static func born(_ years: Int, before backend: Backend) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return String(format: "%04d-01-01", calendar.component(.year, from: Network.start(backend)) - years)
    }

    /// A gender-identity answer sealed as a device seals it (bytes the centre does not open), or "prefer not to say".
    static func answer(preferNot: Bool = false) -> WireValue {
        preferNot
            ? WireValue(attribute: identity, preferNot: true, digest: Data(repeating: 3, count: 32))
            : WireValue(attribute: identity, preferNot: false, digest: Data(repeating: 9, count: 32), keyID: "org-hpke",
                        sealed: Data((0..<48).map { _ in UInt8.random(in: 0...255) }))
    }

    static func give(_ f: inout Forger, _ ref: TenantRef, preferNot: Bool = false) -> WireEvent {
        f.event(ref, .correction(AttributeID(identity), .value(""), pending: false), sealed: [answer(preferNot: preferNot)])
    }

    static func register(_ f: inout Forger, _ ref: TenantRef, born: String?) -> WireEvent {
        var values = [("full-name", "Robin \(ref.rawValue)")]
        if let born { values.append(("date-of-birth", born)) }
        return f.event(ref, .registration(values: [:]), clear: values)
    }

    @Test(arguments: Backend.allCases) func anAnswerForSomeoneUnderSixteenIsRefusedWithNothingApplied(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: [])
        let store = net.centre.store
        var rogue = Forger("kiosk-rogue", key: Curve25519.Signing.PrivateKey(), start: Network.start(backend))
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        _ = try await store.enrol(EnrolRequest(code: code, device: rogue.id, signingKey: rogue.key.publicKey.rawRepresentation))

        // Registered first, in a push of its own: the centre then holds the date of birth.
        let young = TenantRef("TY15"), unknownAge = TenantRef("TNODOB"), adult = TenantRef("TA40"), sixteen = TenantRef("TS16")
        let registrations = [Self.register(&rogue, young, born: Self.born(15, before: backend)),
                             Self.register(&rogue, unknownAge, born: nil),
                             Self.register(&rogue, adult, born: Self.born(40, before: backend)),
                             Self.register(&rogue, sixteen, born: Self.born(16, before: backend))]
        #expect(try await store.push(try rogue.push(registrations), from: rogue.id).results.map(\.outcome) == Array(repeating: .applied, count: 4))
        let before = try await net.centre.events()

        let attacks: [(name: String, expected: String, events: (inout Forger) -> [WireEvent])] = [
            ("an answer for a 15-year-old whose date of birth the centre holds", "was 15 then", { [Self.give(&$0, young)] }),
            ("\"prefer not to say\" for the same 15-year-old", "was 15 then", { [Self.give(&$0, young, preferNot: true)] }),
            ("an answer for a tenant with no date of birth held", "has no date of birth held here", { [Self.give(&$0, unknownAge)] }),
            ("a new 15-year-old registered and answered in one batch", "was 15 then", { f in
                [Self.register(&f, TenantRef("TNEW15"), born: Self.born(15, before: backend)), Self.give(&f, TenantRef("TNEW15"))]
            }),
            ("an adult's answer followed by a 15-year-old's in the same batch", "was 15 then", { f in
                [Self.give(&f, adult), Self.give(&f, young)]
            }),
        ]
        for attack in attacks {
            var f = rogue
            let request = try f.push(attack.events(&f))
            do {
                _ = try await store.push(request, from: rogue.id)
                Issue.record("\(attack.name): accepted")
            } catch {
                #expect(error.description.contains(attack.expected) && error.description.contains("age 16"), "\(attack.name): \(error.description)")
                if case .invalid = error {} else { Issue.record("\(attack.name): refused as \(error), not as a bad request") }
            }
            #expect(try await net.centre.events() == before, "\(attack.name): nothing of it was applied")
        }

        // The same device, within the rule: answers for a 40- and a 16-year-old, and an erasure for the 15-year-old.
        let honest = [Self.give(&rogue, adult), Self.give(&rogue, sixteen, preferNot: true),
                      rogue.event(young, .erasure(AttributeID(Self.identity)))]
        let reply = try await store.push(try rogue.push(honest), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.applied, .applied, .applied])
        #expect(try await net.centre.events().count == before.count + 3)
    }
}

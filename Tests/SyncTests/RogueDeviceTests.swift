import CentralStore
import ConsentCore
import ConsentStore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// A device that is really enrolled but was tampered with: it chains, digests and signs whatever it
/// sends, so only the centre's own checks stand between it and the register. Each crafted push is
/// refused with a message naming the event and the rule, and leaves the centre as it was, at both
/// centres; an honest push from the same device then goes through.
@Suite struct RogueDeviceTests {
    static let tailoring = PurposeID("tailoring-services")

    @Test(arguments: Backend.allCases) func eachForgedPushIsRefusedWithNothingApplied(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: ["T1", "T2"])
        let store = net.centre.store
        let rogue = Forger("kiosk-rogue", key: Curve25519.Signing.PrivateKey(), start: Network.start(backend))
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        _ = try await store.enrol(EnrolRequest(code: code, device: rogue.id, signingKey: rogue.key.publicKey.rawRepresentation))
        let before = try await net.centre.events()
        let tailoring = try #require(Shipped.content.catalogue.purpose(Self.tailoring)).attributes

        // Each attack starts from the rogue's untouched chain: a refused push leaves nothing to follow.
        let attacks: [(name: String, expected: String, request: PushRequest)] = try [
            ("a special-category grant with no notice, for a tenant who never agreed", "notice", {
                var f = rogue
                return try f.push([f.event("T1", .decision(Self.tailoring, tailoring, .granted, notice: nil, validUntil: nil))])
            }()),
            ("a full name holding ESC and BEL", "control", {
                var f = rogue
                return try f.push([f.event("T1", .correction(AttributeID("full-name"), .value("Ann \u{1B}[2J\u{07}Smith"), pending: false),
                                           clear: [("full-name", "Ann \u{1B}[2J\u{07}Smith")])])
            }()),
            ("a vulnerable marker set by the tenant at the kiosk", "member of staff", {
                var f = rogue
                return try f.push([f.event("T2", .marker("vulnerable", set: true))])
            }()),
            ("a vulnerable marker set by a member of staff who exists nowhere", "not in the centre's staff registry", {
                var f = rogue
                return try f.push([f.event("T2", .marker("vulnerable", set: true),
                                           actor: .staff(StaffID("ghost"), verification: "dob+postcode", reason: "tenant-request"), channel: .phone)])
            }()),
            ("a grant keyed by a member of staff as if at the kiosk", "kiosk", {
                var f = rogue
                return try f.push([f.event("T2", .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                                                           notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                                           actor: .staff(StaffID("alice"), verification: nil, reason: nil))])
            }()),
            ("a switch of the tenancy's contract purpose", "cannot be switched", {
                var f = rogue
                return try f.push([f.event("T2", .decision(PurposeID("tenancy-management"), [AttributeID("email")], .withdrawn,
                                                           notice: nil, validUntil: nil))])
            }()),
            ("a data key that names the organisation's key but is random bytes", "does not open", {
                var f = rogue
                let event = f.event("T2", .correction(AttributeID("ethnic-origin"), .value(""), pending: false), sealed: [
                    WireValue(attribute: "ethnic-origin", preferNot: false, digest: Data(repeating: 7, count: 32), keyID: "dk-forged",
                              sealed: Data((0..<40).map { _ in UInt8.random(in: 0...255) }))])
                let poisoned = WireDataKey(keyID: "dk-forged", kekID: sharedKey.id, wrapped: Data((0..<60).map { _ in UInt8.random(in: 0...255) }))
                return try f.push([event], dataKeys: [poisoned])
            }()),
            ("a data key wrapped by a key the organisation does not hold", "not the organisation's key", {
                var f = rogue
                let other = KeyEncryptionKey.generate()
                return try f.push([f.event("T2", .erasure(AttributeID("email")))],
                                  dataKeys: [WireDataKey(keyID: "dk-other", kekID: other.id, wrapped: Data(repeating: 1, count: 60))])
            }()),
            ("an erasure request made by a member of staff", "a request is made by the tenant at the kiosk", {
                var f = rogue
                return try f.push([f.event("T1", .request(.erasure, AttributeID("full-name")),
                                           actor: .staff(StaffID("pat"), verification: nil, reason: nil), channel: .system)])
            }()),
            ("an erasure request that also says it was approved, for a purpose", "malformed", {
                var f = rogue
                return try f.push([f.event("T1", .request(.erasure, AttributeID("full-name"))) { record in
                    record.state = "approved"
                    record.purpose = "tenancy-management"
                }])
            }()),
            ("an erasure request carrying a new value for what it asks to erase", "carries no values", {
                var f = rogue
                return try f.push([f.event("T1", .request(.erasure, AttributeID("full-name")), clear: [("full-name", "Someone Else")])])
            }()),
            ("a push without a signed head", "not signed", {
                var f = rogue
                return try f.push([f.event("T2", .erasure(AttributeID("email")))], signed: false)
            }()),
        ]
        for attack in attacks {
            do {
                _ = try await store.push(attack.request, from: rogue.id)
                Issue.record("\(attack.name): accepted")
            } catch {
                #expect(error.description.contains(attack.expected), "\(attack.name): \(error.description)")
                if case .invalid = error {} else { Issue.record("\(attack.name): refused as \(error), not as a bad request") }
            }
            #expect(try await net.centre.events() == before, "\(attack.name): nothing of it was applied")
        }
        // The same device, honest: its chain still starts where it did, and the push is applied.
        var honest = rogue
        let grant = honest.event("T1", .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                                                 notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                                 edit: Forger.lapsing())
        let request = honest.event("T1", .request(.erasure, AttributeID("full-name")))
        let reply = try await store.push(try honest.push([grant, request]), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.applied, .applied])
        #expect(try await net.centre.events().count == before.count + 2)
        #expect(try await net.problems().isEmpty)
    }

    @Test(arguments: Backend.allCases) func aDeviceCannotEnrolWithoutASigningKey(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: ["T1"])
        let code = try await net.centre.store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        do {
            _ = try await net.centre.store.enrol(EnrolRequest(code: code, device: "kiosk-unsigned"))
            Issue.record("a device enrolled without a signing key")
        } catch {
            #expect(error.description.contains("signing key"), "\(error.description)")
        }
        // The code was not spent on the refusal: the same device enrols with its key.
        let key = Curve25519.Signing.PrivateKey()
        _ = try await net.centre.store.enrol(EnrolRequest(code: code, device: "kiosk-unsigned", signingKey: key.publicKey.rawRepresentation))
    }
}

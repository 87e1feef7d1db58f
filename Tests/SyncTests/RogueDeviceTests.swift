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

    /// A centre on `backend` holding `tenants`, with a tampered device `id` enrolled there as `kind`, and the
    /// events the centre held before that device pushed anything.
    static func enrolledRogue(_ backend: Backend, tenants: [TenantRef], id: String = "kiosk-rogue",
                              kind: DeviceKind = .kiosk) async throws -> (net: Network, rogue: Forger, before: [WireEvent]) {
        let net = try await Network.make(backend, devices: 0, tenants: tenants)
        let rogue = Forger(id, key: Curve25519.Signing.PrivateKey(), start: Network.start(backend))
        let code = try await net.centre.store.issueEnrolmentCode(office: "Leeds", lifetime: 600, kind: kind)
        _ = try await net.centre.store.enrol(EnrolRequest(code: code, device: rogue.id, signingKey: rogue.key.publicKey.rawRepresentation))
        return (net, rogue, try await net.centre.events())
    }

    @Test(arguments: Backend.allCases) func eachForgedPushIsRefusedWithNothingApplied(backend: Backend) async throws {
        let (net, rogue, before) = try await Self.enrolledRogue(backend, tenants: ["T1", "T2"])
        let store = net.centre.store
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
            // Review 5: the system's name took a device past the staff registry and every staff rule.
            ("an erasure of a tenant's name and date of birth in the system's name", "the centre's own work", {
                var f = rogue
                return try f.push([f.event("T2", .erasure(AttributeID("full-name")), actor: .system("retention"), channel: .system)])
            }()),
            ("a grant in the system's name, as if by an import", "recorded by the system", {
                var f = rogue
                return try f.push([f.event("T1", .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                                                           notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                                           actor: .system("import"), channel: .importFile)])
            }()),
            ("an actor of a kind that does not exist", "actor of kind", {
                var f = rogue
                return try f.push([f.event("T1", .erasure(AttributeID("email"))) { $0.actor = "robot" }])
            }()),
            // Review 5: numbers no arithmetic may take stopped the centre (a trap), unsigned pushes included.
            ("a device sequence of -2^63, unsigned", "sequence", {
                var f = rogue
                return try f.push([f.event("T1", .erasure(AttributeID("email"))) { $0.sequence = .min }], signed: false)
            }()),
            ("sequences 2^63-1 then 1", "sequence", {
                var f = rogue
                let first = f.event("T1", .erasure(AttributeID("email"))) { $0.sequence = .max }
                return try f.push([first, f.event("T1", .erasure(AttributeID("mobile"))) { $0.sequence = 1 }])
            }()),
            ("a grant lasting until 2^63-1 milliseconds", "after 2300", {
                var f = rogue
                return try f.push([f.event("T1", .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                                                           notice: NoticeShown(version: 1, language: "en"), validUntil: nil)) { $0.validUntil = .max }])
            }()),
            // Review 5: a grant beats the withdrawals numbered up to its causal context; one claimed ahead of the centre
            // would beat withdrawals not yet made.
            ("a decision that says it follows a central event not yet numbered", "has numbered only", {
                var f = rogue
                return try f.push([f.event("T1", .decision(PurposeID("service-updates-email"), [AttributeID("email")], .withdrawn,
                                                           notice: nil, validUntil: nil)) { $0.causal = 1_000_000 }])
            }()),
            ("an effective time of -2^63", "before 1970", {
                var f = rogue
                return try f.push([f.event("T1", .erasure(AttributeID("email"))) { $0.effectiveAt = .min }])
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

    /// A pushed event may carry a central number (the field a pull fills in): the centre numbers what it stores
    /// itself, next after its own last, whatever the device wrote there, so a device can neither take an
    /// existing event's number nor push the centre's numbering (and every device's pull cursor) to the end.
    @Test(arguments: Backend.allCases) func aCentralNumberADevicePushesIsNotTheOneStored(backend: Backend) async throws {
        var (net, rogue, before) = try await Self.enrolledRogue(backend, tenants: ["T1", "T2"])
        let store = net.centre.store
        let last = try #require(before.last?.central)
        var events: [WireEvent] = []
        for (tenant, forged) in [("T1", Int64(1)), ("T2", Int64.max)] {
            var event = rogue.event(TenantRef(tenant), .request(.erasure, AttributeID("full-name")))
            event.central = forged
            events.append(event)
        }
        let reply = try await store.push(try rogue.push(events), from: rogue.id)
        #expect(reply.results.map(\.central) == [last + 1, last + 2])
        let after = try await net.centre.events()
        #expect(Array(after.prefix(before.count)) == before, "no stored event lost or renumbered")
        #expect(after.dropFirst(before.count).map(\.central) == [last + 1, last + 2])
        #expect(try await store.pull(after: last, limit: 10).events.map(\.record.sequence) == [1, 2])
        #expect(try await net.problems().isEmpty)
    }

    /// A staff terminal may record in the system's name (a register import keyed at the desk), but never as the
    /// retention run, which is the centre's own work: a tampered terminal would clear a safe-address marker, or erase
    /// a tenant's name, with no member of staff named and no staff rule run.
    @Test(arguments: Backend.allCases) func aStaffTerminalCannotPushInTheRetentionRunsName(backend: Backend) async throws {
        let (net, rogue, before) = try await Self.enrolledRogue(backend, tenants: ["T1", "T2"], id: "desk-rogue", kind: .staff)
        let store = net.centre.store
        for payload in [EventPayload.marker("safe-address", set: false), .erasure(AttributeID("full-name"))] {
            var f = rogue
            let request = try f.push([f.event("T2", payload, actor: Retention.actor, channel: .system)])
            do {
                _ = try await store.push(request, from: rogue.id)
                Issue.record("\(payload.kind) in the retention run's name: accepted")
            } catch {
                #expect(error.description.contains("the centre's own work"), "\(payload.kind): \(error.description)")
            }
            #expect(try await net.centre.events() == before, "\(payload.kind): nothing of it was applied")
        }
    }

    /// Review 5: a reference holding terminal escapes reached the centre's register and was printed raw on staff's
    /// screens (`consent tenant list` set the title, cleared the screen and forged a line). A new reference must be
    /// one the register could hold.
    @Test(arguments: Backend.allCases) func aRegistrationUnderAReferenceHoldingEscapesIsNotTaken(backend: Backend) async throws {
        var (net, rogue, before) = try await Self.enrolledRogue(backend, tenants: ["T1"])
        let store = net.centre.store
        let ref = TenantRef("\u{1B}]0;PWNED\u{07}\u{1B}[2J\u{1B}[HT0000001\tfake line\nT9")
        let registration = rogue.event(ref, .registration(values: [AttributeID("full-name"): .value("Eve")]), actor: .system("import"),
                                       channel: .importFile, clear: [("full-name", "Eve")])
        let reply = try await store.push(try rogue.push([registration]), from: rogue.id)
        let result = try #require(reply.results.first)
        #expect(result.outcome == .rejected, "\(reply.results)")
        #expect(result.reason?.contains("is not a tenancy reference") == true, "\(result.reason ?? "")")
        #expect(result.reason?.contains("\u{1B}") == false, "the refusal itself carries the escapes")
        #expect(try await net.centre.events() == before)
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

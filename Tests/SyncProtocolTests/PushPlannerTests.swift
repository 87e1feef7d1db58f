import ConsentCore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// The push planner on its own: loaded state and a batch in, the decision out, with no database.
/// Both centres persist what it decides, so what is tested here holds for both.
@Suite struct PushPlannerTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    static let now = Millis.from(start) + 3_600_000
    let planner = PushPlanner(validator: Shipped.content.validator)
    let device = Forger("kiosk-1", key: Curve25519.Signing.PrivateKey(), start: start)

    /// A tenant's own change of email at the kiosk: passes every rule.
    static func email(_ f: inout Forger, _ tenant: TenantRef = "T1", _ address: String = "ann@example.org") -> WireEvent {
        f.event(tenant, .correction(AttributeID("email"), .value(address), pending: false), clear: [("email", address)])
    }

    func state(_ f: Forger? = nil, head: (Int64, Data) = (0, ValueDigest.empty), stored: [Int64: PushState.Stored] = [:],
               tenants: Set<String> = ["T1", "T2"], staff: [String: StaffRole] = [:], takers: [EventID: String] = [:],
               highestCentral: Int64 = 100) -> PushState {
        PushState(enrolment: .active(publicKey: (f ?? device).key.publicKey.rawRepresentation), head: head, stored: stored,
                  knownTenants: tenants, staff: staff, takers: takers, highestCentral: highestCentral, deviceKind: .kiosk)
    }

    func refusal(_ request: PushRequest, _ state: PushState) -> CentralStoreError? {
        do {
            _ = try planner.plan(request, from: device.id, state: state, now: Self.now)
            return nil
        } catch {
            return error
        }
    }

    // MARK: hostile batches

    @Test func aResendWhoseBytesWereAlteredIsRefused() throws {
        var f = device
        let first = Self.email(&f)
        let second = Self.email(&f, "T1", "ann2@example.org")
        let stored: [Int64: PushState.Stored] = [
            1: .init(hash: first.hash, result: PushResult(sequence: 1, outcome: .applied, central: 10)),
            2: .init(hash: second.hash, result: PushResult(sequence: 2, outcome: .applied, central: 11)),
        ]
        // The same number and hash, another record: it no longer hashes to what was stored.
        var edited = second
        edited.record.reason = "edited"
        let request = try f.push([first, edited])
        let error = try #require(refusal(request, state(head: (2, second.hash), stored: stored)))
        #expect(error.description.contains("differs from the one stored under that number"), "\(error)")
        // Another hash under a used number (a copied database that went its own way).
        var other = device
        _ = Self.email(&other)
        let diverged = Self.email(&other, "T2", "bob@example.org")
        let copied = try #require(refusal(try other.push([diverged]), state(head: (2, second.hash), stored: stored)))
        #expect(copied.description.contains("differs"), "\(copied)")
        // The very events resent get their earlier answers, and nothing is new.
        let plan = try planner.plan(try f.push([first, second]), from: device.id, state: state(head: (2, second.hash), stored: stored), now: Self.now)
        #expect(plan.resent.map(\.central) == [10, 11])
        #expect(plan.accepted.isEmpty && plan.rejected == nil && plan.audit.isEmpty)
    }

    @Test func aGapInTheChainIsRefused() throws {
        var f = device
        _ = Self.email(&f)
        let second = Self.email(&f, "T2")
        let error = try #require(refusal(try f.push([second]), state()))
        #expect(error == .gap(expected: 1))
        // A chain that does not follow the stored head's hash.
        var g = device
        let first = Self.email(&g)
        let broken = try #require(refusal(try g.push([first]), state(head: (0, Data(repeating: 1, count: 32)))))
        #expect(broken.description.contains("does not follow the device's chain"), "\(broken)")
    }

    @Test func anUnsignedOrFalselySignedHeadIsRefused() throws {
        var f = device
        let event = Self.email(&f)
        let unsigned = try #require(refusal(try f.push([event], signed: false), state()))
        #expect(unsigned.description.contains("not signed"), "\(unsigned)")
        let stranger = Forger("kiosk-1", key: Curve25519.Signing.PrivateKey(), start: Self.start)
        let wrongKey = try #require(refusal(try stranger.push([event]), state()))
        #expect(wrongKey.description.contains("not signed"), "\(wrongKey)")
        var keyless = state()
        keyless.enrolment = .active(publicKey: nil)
        let noKey = try #require(refusal(try f.push([event]), keyless))
        #expect(noKey.description.contains("enrolled without a signing key"), "\(noKey)")
        var revoked = state()
        revoked.enrolment = .revoked
        #expect(refusal(try f.push([event]), revoked) == .revoked(device.id))
    }

    @Test func aChangeByStaffTheCentreDoesNotKnowIsRefused() throws {
        var f = device
        let marker = f.event("T2", .marker("vulnerable", set: true),
                             actor: .staff(StaffID("ghost"), verification: "dob+postcode", reason: "tenant-request"), channel: .phone)
        let request = try f.push([marker])
        let error = try #require(refusal(request, state(staff: ["alice": .support])))
        #expect(error.description.contains("kiosk-1#1") && error.description.contains("ghost")
                && error.description.contains("not in the centre's staff registry"), "\(error)")
        #expect(refusal(request, state(staff: ["ghost": .supervisor])) == nil)
        let support = try #require(refusal(request, state(staff: ["ghost": .support])), "support staff do not set markers")
        #expect(support.description.contains("kiosk-1#1") && support.description.contains("support role may not"), "\(support)")
    }

    @Test func aConfirmationNeedsASecondPersonWhoseRoleMayConfirmThatWay() throws {
        let held = EventID(device: DeviceID("desk-9"), sequence: 4)
        let taken = [held: "alice"]
        func confirmation(by id: String, _ method: String) throws -> PushRequest {
            var f = device
            return try f.push([f.event("T1", .verification(of: held, attribute: AttributeID("email"), approved: true),
                                       actor: .staff(StaffID(id), verification: method, reason: "supervisor-check"), channel: .system)])
        }
        let staff: [String: StaffRole] = ["alice": .supervisor, "bob": .support, "carol": .supervisor]
        let own = try #require(refusal(try confirmation(by: "alice", StaffRules.RecordedMethod.evidence), state(staff: staff, takers: taken)))
        #expect(own.description.contains("kiosk-1#1") && own.description.contains("four eyes"), "\(own)")
        let support = try #require(refusal(try confirmation(by: "bob", StaffRules.RecordedMethod.supervisor), state(staff: staff, takers: taken)))
        #expect(support.description.contains("support role may not"), "\(support)")
        #expect(refusal(try confirmation(by: "bob", StaffRules.RecordedMethod.callBack), state(staff: staff, takers: taken)) == nil)
        #expect(refusal(try confirmation(by: "carol", StaffRules.RecordedMethod.supervisor), state(staff: staff, takers: taken)) == nil)

        // The held grant and its confirmation by the same person in one batch.
        var f = device
        let grant = f.event("T1", .heldGrant(PurposeID("service-updates-email"), [AttributeID("email")],
                                             notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                            actor: .staff(StaffID("carol"), verification: "date-of-birth+postcode", reason: "caller-request"), channel: .phone,
                            edit: Forger.lapsing())
        let confirm = f.event("T1", .verification(of: EventID(device: DeviceID(f.id), sequence: grant.record.sequence),
                                                  attribute: AttributeID("email"), approved: true),
                              actor: .staff(StaffID("carol"), verification: StaffRules.RecordedMethod.supervisor, reason: "supervisor-check"),
                              channel: .system)
        let same = try #require(refusal(try f.push([grant, confirm]), state(staff: staff)))
        #expect(same.description.contains("kiosk-1#2") && same.description.contains("four eyes"), "\(same)")
    }

    @Test func aRuleBrokenOrAValueSentInClearRefusesTheBatchNamingTheEvent() throws {
        var f = device
        let fine = Self.email(&f)
        let grant = f.event("T1", .decision(PurposeID("tailoring-services"), [AttributeID("health-needs")], .granted, notice: nil, validUntil: nil))
        let error = try #require(refusal(try f.push([fine, grant]), state()))
        #expect(error.description.contains("kiosk-1#2") && error.description.contains("notice"), "\(error)")

        var g = device
        let clear = g.event("T1", .correction(AttributeID("religion"), .value("none"), pending: false), clear: [("religion", "none")])
        let unsealed = try #require(refusal(try g.push([clear]), state()))
        #expect(unsealed.description.contains("special-category value religion was sent unsealed"), "\(unsealed)")

        var h = device
        let nul = h.event("T1", .erasure(AttributeID("email")), actor: .system("a\u{0}b"), channel: .system)
        let refused = try #require(refusal(try h.push([nul]), state()))
        #expect(refused.description.contains("NUL"), "\(refused)")
    }

    // MARK: what an accepted batch becomes

    @Test func anUnknownTenantEndsTheBatchAndANewOneIsRegisteredInOrder() throws {
        var f = device
        let registerT3 = f.event("T3", .registration(values: [AttributeID("full-name"): .value("Cy")]), actor: .system("test"),
                                 channel: .importFile, clear: [("full-name", "Cy")])
        let registerT4 = f.event("T4", .registration(values: [AttributeID("full-name"): .value("Di")]), actor: .system("test"),
                                 channel: .importFile, clear: [("full-name", "Di")])
        let t3 = Self.email(&f, "T3")
        let stranger = Self.email(&f, "T9")
        let after = Self.email(&f, "T1")
        let plan = try planner.plan(try f.push([registerT3, registerT4, t3, stranger, after]), from: device.id, state: state(), now: Self.now)
        #expect(plan.newTenants == ["T3", "T4"])
        #expect(plan.accepted.map(\.record.sequence) == [1, 2, 3])
        #expect(plan.head.sequence == 3 && plan.head.hash == t3.hash)
        #expect(plan.rejected?.event.record.sequence == 4)
        #expect(plan.rejected?.reason.contains("tenant T9 is not registered here") == true)
        #expect(plan.signedHead == nil, "the head names an event that was not stored")
        #expect(plan.audit == ["rejected event kiosk-1#4: tenant T9 is not registered here"])
        let response = plan.response(outcomes: [.applied, .applied, .superseded], central: [7, 8, 9])
        #expect(response.results.map(\.outcome) == [.applied, .applied, .superseded, .rejected])
        #expect(response.results.map(\.central) == [7, 8, 9, nil])
    }

    /// A registration names every value, so one for a tenant the centre holds (say an office's kiosk importing another
    /// office's reference) would overwrite their name, date of birth, email and office: it ends the batch, kept on the
    /// device, and so does a second registration of a tenant the same batch registered (review 3 G2).
    @Test func aRegistrationOfATenantAlreadyHeldEndsTheBatch() throws {
        var f = device
        let before = Self.email(&f, "T1")
        let takeover = f.event("T2", .registration(values: [AttributeID("full-name"): .value("Mallory")]), actor: .system("test"),
                               channel: .importFile, clear: [("full-name", "Mallory")])
        let plan = try planner.plan(try f.push([before, takeover, Self.email(&f, "T1")]), from: device.id, state: state(), now: Self.now)
        #expect(plan.accepted.map(\.record.sequence) == [1])
        #expect(plan.newTenants.isEmpty)
        #expect(plan.rejected?.event.record.sequence == 2)
        #expect(plan.rejected?.reason.contains("tenant T2 is already registered at the centre") == true, "\(String(describing: plan.rejected))")

        var g = device
        let first = g.event("T5", .registration(values: [AttributeID("full-name"): .value("Eve")]), actor: .system("test"),
                            channel: .importFile, clear: [("full-name", "Eve")])
        let again = g.event("T5", .registration(values: [AttributeID("full-name"): .value("Mallory")]), actor: .system("test"),
                            channel: .importFile, clear: [("full-name", "Mallory")])
        let twice = try planner.plan(try g.push([first, again]), from: device.id, state: state(), now: Self.now)
        #expect(twice.newTenants == ["T5"] && twice.accepted.count == 1 && twice.rejected?.event.record.sequence == 2)
    }

    @Test func aResendThenNewEventsAndTheClockAudit() throws {
        var f = device
        let first = Self.email(&f)
        let stored: [Int64: PushState.Stored] = [1: .init(hash: first.hash, result: PushResult(sequence: 1, outcome: .overridden, central: 4))]
        let second = Self.email(&f, "T2")
        let request = try f.push([first, second])
        let plan = try planner.plan(request, from: device.id, state: state(head: (1, first.hash), stored: stored), now: Self.now)
        #expect(plan.resent == [PushResult(sequence: 1, outcome: .overridden, central: 4)])
        #expect(plan.accepted.map(\.record.sequence) == [2])
        #expect(plan.signedHead == request.head)
        #expect(plan.audit.isEmpty)
        #expect(PushPlanner.storedSequences(request, head: 1) == [1])
        // The centre's clock two days behind the device's (review 3, G1): the event is not taken, the device keeps
        // it (and those after it), and the audit names it with what to do.
        let behind = try planner.plan(request, from: device.id, state: state(head: (1, first.hash), stored: stored),
                                      now: Self.now - 2 * 86_400_000)
        #expect(behind.accepted.isEmpty && behind.head.sequence == 1 && behind.signedHead == nil)
        let reason = try #require(behind.rejected?.reason)
        #expect(behind.rejected?.event.record.sequence == 2)
        #expect(reason.contains("event kiosk-1#2 (correction for T2) is dated") && reason.contains("47 hours ahead of the centre's clock"), "\(reason)")
        #expect(reason.contains("clock is or was ahead; set it right"), "\(reason)")
        #expect(behind.audit == ["rejected \(reason)"])
        #expect(behind.response(outcomes: [], central: []).results.last?.outcome == .rejected)
        // A day behind is still taken.
        let dayBehind = try planner.plan(request, from: device.id, state: state(head: (1, first.hash), stored: stored), now: Self.now - 86_400_000)
        #expect(dayBehind.accepted.map(\.record.sequence) == [2] && dayBehind.rejected == nil)
        #expect(PushPlan.outcome(.appliedNeedsReconfirmation) == .applied && PushPlan.outcome(.overriddenByWithdrawal) == .overridden)
    }
}

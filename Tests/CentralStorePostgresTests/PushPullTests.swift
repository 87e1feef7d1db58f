import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import SyncProtocol
import Testing

@Suite struct EnrolmentTests {
    @Test func aCodeEnrolsOnceAndTheSecretIsChecked() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        let code = try await centre.store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        let reply = try await centre.store.enrol(TestDevice.enrolment(code, "kiosk-1"))
        #expect(reply.office == "Leeds")
        try await centre.store.authenticate(device: "kiosk-1", secret: reply.secret)
        await #expect(throws: CentralStoreError.unauthenticated("kiosk-1")) {
            try await centre.store.authenticate(device: "kiosk-1", secret: reply.secret + "x")
        }
        await #expect(throws: CentralStoreError.badEnrolmentCode) {
            try await centre.store.enrol(TestDevice.enrolment(code, "kiosk-2"))
        }
        let expired = try await centre.store.issueEnrolmentCode(office: "York", lifetime: -1)
        await #expect(throws: CentralStoreError.badEnrolmentCode) {
            try await centre.store.enrol(TestDevice.enrolment(expired, "kiosk-3"))
        }
        try await centre.store.revoke(device: "kiosk-1")
        await #expect(throws: CentralStoreError.self) { try await centre.store.revoke(device: "kiosk-1") }
        await #expect(throws: CentralStoreError.revoked("kiosk-1")) {
            try await centre.store.authenticate(device: "kiosk-1", secret: reply.secret)
        }
        let devices = try await centre.store.devices()
        #expect(devices.map(\.id) == ["kiosk-1"])
        #expect(devices.first?.revokedAt != nil)
    }

    @Test func reopeningKeepsTheSchemaAndANewerOneIsRefused() async throws {
        let centre = try await Centre.make()
        try await centre.enrol("kiosk-1")
        centre.store.shutdown()
        let again = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        #expect(try await again.devices().map(\.id) == ["kiosk-1"])
        again.shutdown()
        _ = try await Centre.rows("INSERT INTO schema_version (version) VALUES (99)", at: centre.location)
        await #expect(throws: CentralStoreSetupError.newerSchema(found: 99, known: PostgresSchema.version)) {
            _ = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        }
    }
}

@Suite struct PushPullTests {
    @Test func pushedEventsComeBackIdenticalInCentralOrder() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        try await centre.enrol("kiosk-1")
        var device = TestDevice("kiosk-1")
        // What a name may hold (control and bidi characters are refused by the Forms' rules everywhere).
        let naughty = "O'Brien \\ \"quoted\" Zoë 😀 '; DROP TABLE tenant; -- %s ${x} ﷽"
        let events = [
            device.event("T0000001", registration(["full-name": naughty, "email": "a@example.org", "postcode": "LS1 4AB"])),
            device.event("T0000001", .correction(AttributeID("ethnic-origin"), .value("white-british"), pending: false), special: ["ethnic-origin"]),
            device.decision("T0000001", "service-updates-email", ["email", "full-name"], .granted),
            device.event("T0000001", .correction(AttributeID("sex"), .preferNotToSay, pending: false)),
        ]
        let key = WireDataKey(keyID: "key-1", kekID: "kek-a", wrapped: Data([1, 2, 3]))
        let reply = try await centre.store.push(device.push(events, dataKeys: [key]), from: "kiosk-1")
        #expect(reply.results.map(\.outcome) == [.applied, .applied, .applied, .applied])
        #expect(reply.results.map(\.central) == [1, 2, 3, 4])

        let pulled = try await centre.pullAll(page: 3)
        #expect(pulled.map(\.record) == events.map(\.record))
        #expect(pulled.map(\.hash) == events.map(\.hash))
        #expect(pulled.map(\.central) == [1, 2, 3, 4])
        #expect(pulled[0].values.first { $0.attribute == "full-name" }?.text == naughty)
        // The special value comes back sealed as it was sent; the centre never had it in clear.
        #expect(pulled[1].values == events[1].values)
        // The centre keeps the pushed data key; pulls carry none (no device opens a special-category value).
        #expect(try await centre.store.pull(after: 1, limit: 5).dataKeys.isEmpty)
        #expect(try await centre.store.wrappedDataKeys().map(\.keyID) == [key.keyID])
        let stored = try await centre.rows("SELECT count(*)::text FROM value WHERE value = 'white-british'")
        #expect(stored == [["0"]])
    }

    @Test func aResentBatchGetsTheSameAnswersAndAGapIsRefused() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        try await centre.enrol("kiosk-1")
        var device = TestDevice("kiosk-1")
        let first = [device.event("T1", registration(["full-name": "A"])), device.decision("T1", "emergency-contact", ["full-name"], .granted)]
        let answers = try await centre.store.push(device.push(first), from: "kiosk-1")
        let again = try await centre.store.push(device.push(first), from: "kiosk-1")
        #expect(again.results == answers.results)
        #expect(try await centre.pullAll().count == 2)
        // A resend edited after the fact, its hash kept, is not the event stored: refused, as at the SQLite centre.
        var edited = first
        edited[1].record.evidence = "changed after the fact"
        await #expect(throws: CentralStoreError.self) { try await centre.store.push(device.push(edited), from: "kiosk-1") }
        #expect(try await centre.pullAll().map(\.record) == first.map(\.record), "nothing of it was stored")

        _ = device.decision("T1", "emergency-contact", ["full-name"], .withdrawn) // never sent
        let later = device.decision("T1", "emergency-contact", ["full-name"], .granted)
        await #expect(throws: CentralStoreError.gap(expected: 3)) {
            try await centre.store.push(device.push([later]), from: "kiosk-1")
        }
        #expect(try await centre.pullAll().count == 2)
    }

    @Test func aBatchThatBreaksARuleChangesNothing() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        try await centre.enrol("kiosk-1")
        try await centre.enrol("kiosk-2")
        var device = TestDevice("kiosk-1")
        var good = device.event("T1", registration(["full-name": "A"]))
        var tampered = good
        tampered.record.tenant = "T2"
        await #expect(throws: CentralStoreError.self) {
            try await centre.store.push(device.push([tampered]), from: "kiosk-1")
        }
        await #expect(throws: CentralStoreError.wrongDevice(claimed: "kiosk-1", authenticated: "kiosk-2")) {
            try await centre.store.push(PushRequest(device: "kiosk-2", events: [good]), from: "kiosk-2")
        }
        good.values[0].text = "B"
        await #expect(throws: CentralStoreError.invalid("event kiosk-1#1: value full-name does not match its digest")) {
            try await centre.store.push(device.push([good]), from: "kiosk-1")
        }
        #expect(try await centre.pullAll().isEmpty)
        #expect(try await centre.rows("SELECT count(*)::text FROM tenant") == [["0"]])
    }

    @Test func anEventTheCentreCannotApplyIsRejectedAndStopsTheBatch() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        try await centre.enrol("kiosk-1")
        var device = TestDevice("kiosk-1")
        let events = [
            device.event("T1", registration(["full-name": "A"])),
            device.decision("T1", "no-such-purpose", ["full-name"], .granted),
            device.event("T2", registration(["full-name": "B"])),
        ]
        let reply = try await centre.store.push(device.push(events), from: "kiosk-1")
        #expect(reply.results.map(\.outcome) == [.applied, .rejected])
        #expect(reply.results[1].reason?.contains("purpose no-such-purpose is not in this side's Forms") == true)
        #expect(try await centre.store.devices().first?.lastSequence == 1)
        #expect(try await centre.pullAll().count == 1)
        #expect(try await centre.store.auditEntries().map(\.what).contains { $0.hasPrefix("rejected") })

        var other = TestDevice("kiosk-2")
        try await centre.enrol("kiosk-2")
        let unknownTenant = other.decision("T9", "emergency-contact", ["full-name"], .granted)
        let refused = try await centre.store.push(other.push([unknownTenant]), from: "kiosk-2")
        #expect(refused.results.map(\.reason) == ["event kiosk-2#1: tenant T9 is not registered here"])
        await #expect(throws: CentralStoreError.revoked("kiosk-3")) {
            var unknown = TestDevice("kiosk-3")
            _ = try await centre.store.push(unknown.push([unknown.event("T1", registration(["full-name": "C"]))]), from: "kiosk-3")
        }
    }

    @Test func aConcurrentWithdrawalStandsOverAGrantThatHadNotSeenIt() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        try await centre.enrol("kiosk-1")
        try await centre.enrol("phone-1")
        var kiosk = TestDevice("kiosk-1"), phone = TestDevice("phone-1")
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        _ = try await centre.store.push(kiosk.push([kiosk.event("T1", registration(["email": "a@example.org"]))]), from: "kiosk-1")
        // The phone withdraws first; the kiosk, offline, grants later by the clock without having seen it.
        let withdrawal = phone.decision("T1", "service-updates-email", ["email"], .withdrawn, causal: 1, effective: start)
        let grant = kiosk.decision("T1", "service-updates-email", ["email"], .granted, causal: 1, effective: start.addingTimeInterval(3600))
        #expect(try await centre.store.push(phone.push([withdrawal]), from: "phone-1").results.map(\.outcome) == [.applied])
        #expect(try await centre.store.push(kiosk.push([grant]), from: "kiosk-1").results.map(\.outcome) == [.overridden])
        let state = try await centre.rows("SELECT state, reconfirm_seq::text FROM decision WHERE purpose_id = 'service-updates-email'")
        #expect(state == [["withdrawn", "2"]])
        // A grant that had seen the withdrawal (central 2) resumes use.
        let informed = kiosk.decision("T1", "service-updates-email", ["email"], .granted, causal: 2, effective: start.addingTimeInterval(7200))
        #expect(try await centre.store.push(kiosk.push([informed]), from: "kiosk-1").results.map(\.outcome) == [.applied])
        #expect(try await centre.rows("SELECT state FROM decision") == [["granted"]])
    }

    @Test func anErasureClearsEarlierValuesButKeepsTheirDigests() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        try await centre.enrol("kiosk-1")
        var device = TestDevice("kiosk-1")
        let events = [
            device.event("T1", registration(["email": "a@example.org", "full-name": "A"])),
            device.event("T1", .erasure(AttributeID("email"))),
        ]
        _ = try await centre.store.push(device.push(events), from: "kiosk-1")
        #expect(try await centre.rows("SELECT attribute_id, value, (digest IS NOT NULL)::text FROM value ORDER BY attribute_id")
            == [["email", nil, "true"], ["full-name", "A", "true"]])
        #expect(try await centre.rows("SELECT status FROM current_value WHERE attribute_id = 'email'") == [["erased"]])
    }
}

import ConsentCore
import ConsentStore
import Foundation
import Crypto
import GRDB
import SyncEngine
import SyncProtocol
import Testing

/// Devices sign their chain heads; the centre refuses unsigned or wrongly signed pushes, and
/// `verifySignedHeads` catches a chain rewritten at the centre with every hash recomputed.
@Suite struct SignedHeadTests {
    @Test func aPushMustCarryAHeadSignedWithTheEnrolledKey() async throws {
        let net = try await Network.make(devices: 1, tenants: ["T1"])
        try net.devices[0].record(decide("T1", "service-updates-email", ["email"], .granted))
        var request = try net.devices[0].outbox()
        let signed = try #require(request.head)
        #expect(signed.isValid(publicKey: try net.devices[0].signingKey().publicKey.rawRepresentation))
        request.head = nil
        #expect(throws: StoreError.self) { try net.centre.acceptPush(request, from: "kiosk-0") }
        request.head = try SignedHead(device: "kiosk-0", sequence: signed.sequence, hash: signed.hash, key: Curve25519Key.other)
        #expect(throws: StoreError.self) { try net.centre.acceptPush(request, from: "kiosk-0") }
        #expect(try net.centre.eventCount() == 1, "nothing applied (the centre holds only the registration)")
        _ = try await net.client(0).syncOnce()
        #expect(try net.centre.verifySignedHeads().isEmpty)
    }

    @Test func aChainRewrittenAtTheCentreNoLongerMatchesTheSignedHead() async throws {
        let net = try await Network.make(devices: 1, tenants: ["T1"])
        try net.devices[0].record(decide("T1", "service-updates-email", ["email"], .granted))
        try net.devices[0].record(decide("T1", "service-updates-sms", ["mobile"], .granted))
        _ = try await net.client(0).syncOnce()
        #expect(try net.centre.verifySignedHeads().isEmpty)
        // Someone with the central file rewrites kiosk-0's last event and recomputes its hash and the head.
        let events = try net.centre.pullPage(after: 0, limit: 100).events.filter { $0.record.device == "kiosk-0" }
        let (previous, last) = (events[events.count - 2], events[events.count - 1])
        var forged = last.record
        forged.evidence = "rewritten"
        let hash = forged.hash(after: previous.hash)
        let path = net.centre.path
        try net.centre.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TRIGGER ledger_append_only_update")
            let no = try Int64.fetchOne(db, sql: "SELECT no FROM device WHERE id = 'kiosk-0'")
            try db.execute(sql: "UPDATE ledger SET evidence = 'rewritten', hash = ? WHERE device_no = ? AND device_seq = ?",
                           arguments: [hash, no, last.record.sequence])
            try db.execute(sql: "UPDATE chain_head SET hash = ? WHERE device_no = ?", arguments: [hash, no])
        }
        try queue.close()
        let centre = try ConsentDatabase.open(at: path, validator: Shipped.content.validator, key: sharedKey)
        defer { try? centre.close() }
        #expect(try centre.verify().ok, "the chain alone looks consistent")
        let problems = try centre.verifySignedHeads()
        #expect(problems.count == 1 && problems[0].contains("kiosk-0") && problems[0].contains("rewritten"), "\(problems)")
    }
}

enum Curve25519Key {
    static let other = Curve25519.Signing.PrivateKey()
}

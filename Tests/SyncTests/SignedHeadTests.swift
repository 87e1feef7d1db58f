import ConsentCore
import ConsentStore
import Foundation
import Crypto
import CentralStore
import CentralStoreSQLite
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// Devices sign their chain heads; the centre refuses unsigned or wrongly signed pushes, and
/// `verifySignedHeads` catches a chain rewritten at the centre with every hash recomputed.
@Suite struct SignedHeadTests {
    @Test(arguments: Backend.allCases) func aPushMustCarryAHeadSignedWithTheEnrolledKey(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: ["T1"])
        let before = try await net.centre.eventCount()
        try net.devices[0].record(decide("T1", "service-updates-email", ["email"], .granted))
        var request = try net.devices[0].outbox()
        let signed = try #require(request.head)
        #expect(signed.isValid(publicKey: try net.devices[0].signingKey().publicKey.rawRepresentation))
        request.head = nil
        let unsigned = request
        await #expect(throws: CentralStoreError.self) { try await net.centre.store.push(unsigned, from: "kiosk-0") }
        request.head = try SignedHead(device: "kiosk-0", sequence: signed.sequence, hash: signed.hash, key: Curve25519Key.other)
        let forged = request
        await #expect(throws: CentralStoreError.self) { try await net.centre.store.push(forged, from: "kiosk-0") }
        #expect(try await net.centre.eventCount() == before, "nothing applied (the centre holds only the registration)")
        _ = try await net.client(0).syncOnce()
        #expect(try await net.centre.eventCount() == before + 1)
        #expect(try await net.problems().isEmpty)
    }

    @Test(arguments: Backend.allCases) func aChainRewrittenAtTheCentreNoLongerMatchesTheSignedHead(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: ["T1"])
        try net.devices[0].record(decide("T1", "service-updates-email", ["email"], .granted))
        try net.devices[0].record(decide("T1", "service-updates-sms", ["mobile"], .granted))
        _ = try await net.client(0).syncOnce()
        #expect(try await net.centre.problems().isEmpty)
        // Someone with access to the centre's storage rewrites kiosk-0's last event and recomputes its hash and the head.
        let events = try await net.centre.events().filter { $0.record.device == "kiosk-0" }
        let (previous, last) = (events[events.count - 2], events[events.count - 1])
        var forged = last.record
        forged.evidence = "rewritten"
        try await net.centre.rewrite(device: "kiosk-0", sequence: last.record.sequence, hash: forged.hash(after: previous.hash))
        let problems = try await net.centre.problems()
        #expect(problems.count == 1 && problems[0].contains("kiosk-0") && problems[0].contains("rewritten"),
                "the chain alone looks consistent; only the signed head shows it: \(problems)")
    }
}

enum Curve25519Key {
    static let other = Curve25519.Signing.PrivateKey()
}

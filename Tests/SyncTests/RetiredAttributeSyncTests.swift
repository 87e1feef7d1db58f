import CentralStore
import ConsentCore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// A device still running the Forms/ of before the `gender` question was retired records a gender answer,
/// then a withdrawal. The centre, on today's Forms/, takes both: the answer is an honest one under the
/// device's forms, and refusing the batch as tampered would hold back the withdrawal behind it.
@Suite struct RetiredAttributeSyncTests {
    @Test(arguments: Backend.allCases) func aRetiredAttributesValueFromADeviceOnOlderFormsDoesNotHoldBackAWithdrawal(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: ["T1"])
        let store = net.centre.store
        var device = Forger("kiosk-old-forms", key: Curve25519.Signing.PrivateKey(), start: Network.start(backend))
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        _ = try await store.enrol(EnrolRequest(code: code, device: device.id, signingKey: device.key.publicKey.rawRepresentation))
        let email = [AttributeID("email")], updates = PurposeID("service-updates-email")
        let events = [
            device.event("T1", .decision(updates, email, .granted, notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                         edit: Forger.lapsing()),
            device.event("T1", .correction(AttributeID("gender"), .value("woman"), pending: false), clear: [("gender", "woman")]),
            device.event("T1", .decision(updates, email, .withdrawn, notice: nil, validUntil: nil)),
        ]
        let reply = try await store.push(try device.push(events), from: device.id)
        #expect(reply.results.map(\.outcome) == [.applied, .applied, .applied])
        #expect(try await net.problems().isEmpty)
    }
}

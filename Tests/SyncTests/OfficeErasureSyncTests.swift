import CentralStore
import ConsentCore
import ConsentStore
import Crypto
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// A device on a binary from before the office was never erased (or a tampered one) pushes an erasure of a
/// tenant's office. The centre keeps the event, so what follows it is not held back, but it changes nothing:
/// without an office the tenant's whole record would go to every device of every office (review 3 G7).
@Suite struct OfficeErasureSyncTests {
    @Test(arguments: Backend.allCases) func anOfficeErasureFromAnOlderDeviceIsKeptButTheTenantStaysWithTheirOffice(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: [])
        let store = net.centre.store
        try await net.centre.record([register("T9", ["full-name": "Nina Nine", "email": "nina@example.org", "office": "Leeds"])])
        // Another office's kiosk, in step before the push.
        let york = try ConsentDatabase.create(at: net.folder.path("york.sqlite"), validator: Shipped.content.validator, device: DeviceID("kiosk-york"),
                                              clock: { Network.start(backend).addingTimeInterval(60) }, key: sharedKey)
        try await net.centre.enrol(york, office: "York", kind: .kiosk)
        _ = try await SyncClient(database: york, transport: LocalTransport(store: store, device: york.device.rawValue)).syncOnce()

        var old = Forger("staff-old-binary", key: Curve25519.Signing.PrivateKey(), start: Network.start(backend).addingTimeInterval(30))
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600, kind: .staff)
        _ = try await store.enrol(EnrolRequest(code: code, device: old.id, signingKey: old.key.publicKey.rawRepresentation))
        let staff: ConsentCore.Actor = .staff(StaffID("S1"), verification: nil, reason: "tenant asked")
        let events = [old.event("T9", .erasure(Office.attribute), actor: staff, channel: .phone),
                      old.event("T9", .correction(AttributeID("email"), .value("nina.new@example.org"), pending: false), actor: staff,
                                channel: .paper, clear: [("email", "nina.new@example.org")])]
        let reply = try await store.push(try old.push(events), from: old.id)
        // Both taken (the correction after it is not held back); the erasure changed nothing.
        #expect(reply.results.map(\.outcome) == [.superseded, .applied], "\(reply.results)")
        let held = try await net.centre.heldValues().other
        #expect(held.contains("Leeds") && held.contains("nina.new@example.org"), "\(held)")

        // The other office's kiosk still pulls nothing of the tenant.
        _ = try await SyncClient(database: york, transport: LocalTransport(store: store, device: york.device.rawValue)).syncOnce()
        let onYork = try york.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tenant WHERE ref = 'T9'") ?? -1 }
        #expect(onYork == 0, "the tenant reached another office's kiosk")
        #expect(try await net.problems().isEmpty)
    }
}

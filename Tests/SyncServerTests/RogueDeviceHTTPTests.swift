import ConsentStore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SyncProtocol
@testable import SyncServer
import Testing

/// A rogue device's push through the server's routes: refused with a 400 that names what is wrong,
/// and nothing of it stored; the same device's honest push is then applied. (`RogueDeviceTests`
/// sends the other crafted pushes to both centres.)
@Suite struct RogueDeviceHTTPTests {
    @Test func aPushCarryingAForgedDataKeyIsRefusedWith400AndNothingStored() async throws {
        let served = try await ServedCentre.make()
        defer { served.remove() }
        let honest = try served.device.outbox()
        let kek = try #require(try served.centre.keyStatus(keyFile: "centre.key", origin: "option").keyID, "the organisation's key")
        let poisoned = PushRequest(device: honest.device, events: honest.events,
                                   dataKeys: honest.dataKeys + [WireDataKey(keyID: "dk-forged", kekID: kek, wrapped: Data((0..<60).map { _ in UInt8.random(in: 0...255) }))],
                                   head: honest.head)
        let events = try served.centralEvents()
        try await served.application().test(.router) { client in
            let refused = try await client.execute(uri: "/v1/push", method: .post, headers: served.credential,
                                                   body: ByteBuffer(data: try JSONEncoder().encode(poisoned)))
            #expect(refused.status == .badRequest)
            #expect(String(buffer: refused.body).contains("data key dk-forged names the organisation's key but does not open with it"),
                    "\(String(buffer: refused.body))")
            #expect(try served.centralEvents() == events, "nothing of the batch was applied")
            let applied = try await client.execute(uri: "/v1/push", method: .post, headers: served.credential,
                                                   body: ByteBuffer(data: try JSONEncoder().encode(honest)))
            #expect(applied.status == .ok, "\(String(buffer: applied.body))")
        }
        #expect(try served.centralEvents() == events + honest.events.count)
        #expect(try served.centre.keyStatus(keyFile: "centre.key", origin: "option").brokenKeys.isEmpty)
    }
}

import CentralStore
import CentralStoreSQLite
import ConsentCore
import ConsentStore
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import SyncServer
import SyncProtocol
import Testing
import TestSupport

/// The routes doing their ordinary work through Hummingbird's router test client: what one enrolled
/// device pushes, another enrolled device pulls back unchanged. (`AbuseTests` and `RogueDeviceHTTPTests`
/// cover the refusals.)
@Suite struct RouteTests {
    @Test func whatOneDevicePushesAnotherPullsBackAsSent() async throws {
        let served = try await ServedCentre.make()
        defer { served.remove() }
        // The device's outbox as its sync client sends it: ten registrations, the chain head signed with
        // the key it enrolled.
        let pushed = try served.device.outbox()
        #expect(pushed.events.count == 10 && pushed.head != nil)
        let other = try ConsentDatabase.create(at: served.folder.appendingPathComponent("kiosk-b.sqlite").path, validator: Shipped.content.validator,
                                               device: DeviceID("kiosk-b"), key: KeyEncryptionKey.generate())
        let code = try served.centre.issueEnrolmentCode(office: "Leeds", lifetime: 3600)
        let binary: HTTPFields = [.contentType: BinaryWire.contentType, .accept: BinaryWire.contentType]
        try await served.application().test(.router) { client in
            let push = try await client.execute(uri: "/v1/push", method: .post, headers: served.credential + binary,
                                                body: ByteBuffer(bytes: BinaryWire.encode(pushed)))
            #expect(push.status == .ok, "\(String(buffer: push.body))")
            let results = try BinaryWire.decode(PushResponse.self, from: Data(buffer: push.body)).results
            #expect(results.map(\.sequence) == pushed.events.map(\.record.sequence) && results.allSatisfy { $0.outcome == .applied })

            let enrolment = EnrolRequest(code: code, device: "kiosk-b", signingKey: try other.signingKey().publicKey.rawRepresentation)
            let enrolled = try await client.execute(uri: "/v1/enrol", method: .post, body: ByteBuffer(data: try JSONEncoder().encode(enrolment)))
            #expect(enrolled.status == .ok, "\(String(buffer: enrolled.body))")
            let secret = try JSONDecoder().decode(EnrolResponse.self, from: Data(buffer: enrolled.body)).secret

            let pull = try await client.execute(uri: "/v1/pull?cursor=0", method: .get,
                                                headers: [.authorization: "Bearer kiosk-b:\(secret)", .accept: BinaryWire.contentType])
            #expect(pull.status == .ok && pull.headers[.contentType] == BinaryWire.contentType)
            let page = try BinaryWire.decode(PullResponse.self, from: Data(buffer: pull.body))
            // The same events, byte for byte in what the chain covers, each now with its central number.
            #expect(page.events.map { WireEvent(record: $0.record, hash: $0.hash, values: $0.values) } == pushed.events)
            #expect(page.events.map(\.central) == results.map(\.central) && !page.more && page.cursor == results.last?.central)
            // And the other device takes them as they came.
            #expect(try other.applyPulled(page).stored == 10)
            #expect(try other.tenants().map(\.reference) == (0..<10).map { "T\(1_000 + $0)" })
        }
    }
}

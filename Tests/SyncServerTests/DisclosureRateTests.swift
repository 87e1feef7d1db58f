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

/// `POST /v1/disclosures` sending export records is limited per device and window (issue 22): past the limit a device is answered 429 with
/// `Retry-After` and the refusal is audited under its name; another device, and the next window, are served.
@Suite struct DisclosureRateTests {
    @Test func aDeviceOverItsDisclosureExchangesIsAnswered429UntilTheWindowEnds() async throws {
        var limits = ServerLimits()
        limits.disclosureExchangesPerWindow = 3
        let served = try await ServedCentre.make(limits)
        defer { served.remove() }
        let other = try ConsentDatabase.create(at: served.folder.appendingPathComponent("kiosk-b.sqlite").path, validator: Shipped.content.validator,
                                               device: DeviceID("kiosk-b"), key: KeyEncryptionKey.generate())
        let code = try served.centre.issueEnrolmentCode(office: "Leeds", lifetime: 3600)
        // Each exchange sends one export record (naming a tenant the centre does not hold: it is left out).
        @Sendable func body(_ device: String, sending: Bool = true) throws -> ByteBuffer {
            let export = WireExport(id: "exp-\(UUID().uuidString.prefix(8))", purpose: "tenancy-management", recipient: "landlord-staff",
                                    columns: ["full-name"], at: 1_790_000_000_000, operator: "x", entries: [WireDisclosure(tenant: "T9999999", columns: 1)])
            return ByteBuffer(data: try JSONEncoder().encode(DisclosureExchange(device: device, cursor: 0, exports: sending ? [export] : [])))
        }
        try await served.application().test(.router) { client in
            for _ in 0..<3 {
                let fine = try await client.execute(uri: "/v1/disclosures", method: .post, headers: served.credential, body: try body("kiosk-a"))
                #expect(fine.status == .ok, "\(String(buffer: fine.body))")
            }
            let over = try await client.execute(uri: "/v1/disclosures", method: .post, headers: served.credential, body: try body("kiosk-a"))
            #expect(over.status == .tooManyRequests, "\(String(buffer: over.body))")
            #expect(over.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 1 && $0 <= 60 } == true, "\(over.headers)")
            #expect(String(buffer: over.body).contains("kiosk-a made more disclosure exchanges than the centre takes in a window"))
            // Receiving the centre's exports is not held back: a device far behind pages through them.
            let receiving = try await client.execute(uri: "/v1/disclosures", method: .post, headers: served.credential, body: try body("kiosk-a", sending: false))
            #expect(receiving.status == .ok, "\(String(buffer: receiving.body))")

            // Another device is not held back by the first.
            let enrolment = EnrolRequest(code: code, device: "kiosk-b", signingKey: try other.signingKey().publicKey.rawRepresentation)
            let enrolled = try await client.execute(uri: "/v1/enrol", method: .post, body: ByteBuffer(data: try JSONEncoder().encode(enrolment)))
            let secret = try JSONDecoder().decode(EnrolResponse.self, from: Data(buffer: enrolled.body)).secret
            let b = try await client.execute(uri: "/v1/disclosures", method: .post, headers: [.authorization: "Bearer kiosk-b:\(secret)"], body: try body("kiosk-b"))
            #expect(b.status == .ok, "\(String(buffer: b.body))")

            // The next window serves the first device again.
            served.clock.advance(by: 61)
            let again = try await client.execute(uri: "/v1/disclosures", method: .post, headers: served.credential, body: try body("kiosk-a"))
            #expect(again.status == .ok, "\(String(buffer: again.body))")
        }
        let audited = try await ServedCentre.waitFor { try served.audit().contains { $0.contains("kiosk-a") && $0.contains("disclosure exchanges") } }
        #expect(audited, "the throttled device's refusal is not in the audit log: \((try? served.audit()) ?? [])")
    }
}

import CentralStore
import ConsentCore
import CentralStoreSQLite
import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// The SQLite centre's enrolment and credentials (`SQLiteCentralStore`), without a server in front.
@Suite struct EnrolmentTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("centre-\(UUID().uuidString)")

    func centre() throws -> SQLiteCentralStore {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try ConsentDatabase.create(at: folder.appendingPathComponent("centre.sqlite").path, validator: Shipped.content.validator,
                                                  device: DeviceID("centre"), key: KeyEncryptionKey.generate(), centre: true)
        return SQLiteCentralStore(database: database)
    }

    func request(_ code: String, _ device: String) -> EnrolRequest {
        EnrolRequest(code: code, device: device, signingKey: Data(repeating: 7, count: 32))
    }

    @Test func aCodeEnrolsOneDeviceOnceAndItsSecretIsItsCredential() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try centre()
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        #expect(code.count == 14 && code.filter { $0 == "-" }.count == 2, "typed as XXXX-XXXX-XXXX: \(code)")
        // Typed in lower case without its dashes, it still reads.
        let enrolled = try await store.enrol(request(code.lowercased().replacingOccurrences(of: "-", with: ""), "kiosk-a"))
        #expect(enrolled.device == "kiosk-a" && enrolled.office == "Leeds")
        try await store.authenticate(device: "kiosk-a", secret: enrolled.secret)
        await #expect(throws: CentralStoreError.unauthenticated("kiosk-a")) { try await store.authenticate(device: "kiosk-a", secret: "guess") }
        await #expect(throws: CentralStoreError.badEnrolmentCode, "used once") { try await store.enrol(request(code, "kiosk-b")) }
        await #expect(throws: CentralStoreError.unauthenticated("kiosk-b")) { try await store.authenticate(device: "kiosk-b", secret: enrolled.secret) }
    }

    @Test func anExpiredOrUnknownCodeEnrolsNobodyAndANameIsEnrolledOnce() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try centre()
        let expired = try await store.issueEnrolmentCode(office: "Leeds", lifetime: -1)
        await #expect(throws: CentralStoreError.badEnrolmentCode) { try await store.enrol(request(expired, "kiosk-a")) }
        await #expect(throws: CentralStoreError.badEnrolmentCode) { try await store.enrol(request("AAAA-BBBB-CCCC", "kiosk-a")) }
        let first = try await store.enrol(request(try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600), "kiosk-a"))
        let again = try await store.issueEnrolmentCode(office: "York", lifetime: 600)
        await #expect(throws: CentralStoreError.self, "a second kiosk-a would take over the first's chain") { try await store.enrol(request(again, "kiosk-a")) }
        try await store.revoke(device: "kiosk-a")
        await #expect(throws: CentralStoreError.revoked("kiosk-a")) { try await store.authenticate(device: "kiosk-a", secret: first.secret) }
    }
}

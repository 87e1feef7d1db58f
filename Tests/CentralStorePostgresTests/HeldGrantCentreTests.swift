import CentralStore
@testable import CentralStorePostgres
import CentralStoreSQLite
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// Held grants (staff mode's four-eyes rule) at both centres: a confirmation pushed later, from
/// another device or in the same batch, makes the held grant the decision; a rejection or a second
/// confirmation does not.
@Suite struct HeldGrantCentreTests {
    @Test func aConfirmationMakesTheHeldGrantTheDecisionAtBothCentres() async throws {
        let content = try Shipped.load()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsentDatabase.create(at: folder.appendingPathComponent("central.sqlite").path, validator: content.validator,
                                                  device: DeviceID("centre"), key: .generate(), centre: true)
        try database.registerStaff(TestDevice.staff)
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        let stores: [any CentralStore] = [SQLiteCentralStore(database: database), centre.store]
        var a = TestDevice("desk-a"), b = TestDevice("desk-b")
        for store in stores {
            for device in [a.id, b.id] {
                _ = try await store.enrol(TestDevice.enrolment(try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600), device))
            }
        }
        func held(_ device: inout TestDevice, _ tenant: String, _ purpose: String, _ attribute: String) -> WireEvent {
            device.event(tenant, .heldGrant(PurposeID(purpose), [AttributeID(attribute)], notice: NoticeShown(version: 1, language: "en"), validUntil: nil))
        }
        func verify(_ device: inout TestDevice, _ tenant: String, _ target: WireEvent, _ attribute: String, approved: Bool) -> WireEvent {
            device.event(tenant, .verification(of: EventID(device: DeviceID(target.record.device), sequence: target.record.sequence),
                                               attribute: AttributeID(attribute), approved: approved))
        }
        var first = [a.event("T1", registration(["email": "t1@example.org", "mobile": "07700900123"])),
                     a.event("T2", registration(["email": "t2@example.org", "mobile": "07700900124"]))]
        let emailHeld = held(&a, "T1", "service-updates-email", "email")
        let smsHeld = held(&a, "T1", "service-updates-sms", "mobile")
        let rejectedHeld = held(&a, "T2", "service-updates-email", "email")
        first += [emailHeld, smsHeld, rejectedHeld]
        // In one batch: a held grant and its confirmation.
        let sameBatchHeld = held(&a, "T2", "service-updates-sms", "mobile")
        first += [sameBatchHeld, verify(&a, "T2", sameBatchHeld, "mobile", approved: true)]
        let second = [verify(&b, "T1", emailHeld, "email", approved: true), verify(&b, "T2", rejectedHeld, "email", approved: false),
                      verify(&b, "T1", emailHeld, "email", approved: true)]
        var replies: [[String]] = []
        for store in stores {
            let one = try await store.push(a.push(first), from: a.id)
            let two = try await store.push(b.push(second), from: b.id)
            replies.append([one, two].map { "\($0.results.map(\.outcome))" })
        }
        #expect(replies[0] == replies[1], "SQLite \(replies[0]) / PostgreSQL \(replies[1])")
        #expect(replies[1].last == "\([PushOutcome.applied, .applied, .superseded])",
                "a second confirmation of the same held grant changes nothing")

        let expected = ["T1 email/service-updates-email=granted by desk-a#3", "T2 mobile/service-updates-sms=granted by desk-a#6"]
        var sqlite: [String] = []
        for tenant in ["T1", "T2"] {
            for (key, record) in try database.tenantState(TenantRef(tenant))?.decisions ?? [:] {
                sqlite.append("\(tenant) \(key.attribute)/\(key.purpose)=\(record.state.rawValue) by \(record.event)")
            }
        }
        #expect(sqlite.sorted() == expected, "the SQLite centre")
        let postgres = try await centre.rows("""
            SELECT t.ref || ' ' || d.attribute_id || '/' || d.purpose_id || '=' || d.state || ' by ' || e.id || '#' || d.event_seq
            FROM decision d JOIN tenant t ON t.id = d.tenant_id JOIN device e ON e.no = d.event_device
            """).compactMap { $0.first ?? nil }.sorted()
        #expect(postgres == expected, "the PostgreSQL centre")
    }
}

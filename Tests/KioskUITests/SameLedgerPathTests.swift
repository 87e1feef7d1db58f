import ConsentCore
import ConsentRegister
import ConsentStore
import Foundation
import Testing
@testable import KioskUI
import TestSupport

/// A decision recorded through the kiosk's code path and through `consent record` (PaperRecords)
/// becomes the same ledger event apart from channel and actor: there is one write path.
@Suite struct SameLedgerPathTests {
    @Test func kioskAndCommandLineWriteTheSameEvent() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("same-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func database(_ name: String) throws -> ConsentDatabase {
            let db = try ConsentDatabase.create(at: dir.appendingPathComponent(name).path, validator: Shipped.content.validator,
                                                device: DeviceID("dev-same"), clock: { now })
            try db.record(ChangeRequest(tenant: Sample.ref, payload: .registration(values: [AttributeID("email"): .value("ann@example.org")]),
                                        actor: .system("test"), channel: .importFile))
            return db
        }
        // The kiosk: grant "Resident involvement" for the email address, after its notice.
        var d = Drive()
        d.now = now
        d.signIn()
        let email = d.overviewIndex("email")
        for _ in 0..<email { d.keys(.down) }
        d.keys(.enter)
        d.press("decide:resident-involvement:granted")
        d.press("agree")
        guard case let .record(kioskRequest, _)? = d.effects.last else {
            Issue.record("the kiosk recorded nothing: \(d.effects)")
            return
        }
        let kioskDB = try database("kiosk.sqlite")
        let fromKiosk = try kioskDB.record(kioskRequest).event

        // The command line: the same decision, by phone, keyed by staff.
        let cliDB = try database("cli.sqlite")
        try cliDB.addStaff("S100", name: "Sam Okafor", role: .support, password: "correct horse battery")
        let entry = DecisionEntry(reference: "T0000001", attributes: ["email"], purpose: "resident-involvement", decision: "grant",
                                  channel: .phone, staff: "S100", noticeVersion: 1, language: "en", verification: "dob+postcode")
        let fromCLI = try cliDB.record(try PaperRecords(content: Shipped.content, database: cliDB).request(entry)).event

        #expect(fromKiosk.payload == fromCLI.payload)
        #expect(fromKiosk.tenant == fromCLI.tenant)
        #expect(fromKiosk.effectiveAt == fromCLI.effectiveAt)
        #expect(fromKiosk.id == fromCLI.id)
        #expect(fromKiosk.channel == .kiosk && fromKiosk.actor == .tenant)
        #expect(fromCLI.channel == .phone && fromCLI.actor == .staff(StaffID("S100"), verification: "dob+postcode", reason: nil))
    }
}

import ConsentCore
import ConsentStore
import Foundation
@testable import KioskUI
import Testing
import TestSupport

/// Staff mode on an enrolled device, whose special-category values only the centre opens: a reveal
/// records the read and asks the centre; staff see the value when it answers, and are told plainly
/// when it cannot be reached or refuses. The value is never stored on the device.
@Suite struct StaffCentreRevealTests {
    /// A centre that answers every reveal with `outcome`, and remembers what it was asked.
    final class FakeCentre: CentreRevealing {
        let outcome: CentreRevealOutcome
        var asked: [(TenantRef, AttributeID, StaffID)] = []
        init(_ outcome: CentreRevealOutcome) { self.outcome = outcome }
        func reveal(_ tenant: TenantRef, _ attribute: AttributeID, staff: StaffID) -> CentreRevealOutcome {
            asked.append((tenant, attribute, staff))
            return outcome
        }
    }

    static let health = AttributeID("health-needs")

    /// A device sealing to an organisation key it cannot open, with one tenant and a health need.
    static func sealedDevice(_ dir: URL) throws -> ConsentDatabase {
        let centre = try ConsentDatabase.create(at: dir.appendingPathComponent("centre.sqlite").path, validator: Shipped.content.validator,
                                                device: DeviceID("centre"), key: .generate(), centre: true)
        let key = try #require(centre.organisationKey)
        try centre.close()
        let device = try ConsentDatabase.create(at: dir.appendingPathComponent("staff.sqlite").path, validator: Shipped.content.validator,
                                                device: DeviceID("staff-1"), key: nil, keyProblem: "a device holds no key")
        try device.adoptOrganisationKey(key)
        try device.record(ChangeRequest(tenant: TenantRef("T0000001"), payload: .registration(values: [
            AttributeID("full-name"): .value("Ann Example"), health: .value("Uses a wheelchair QZXW"),
        ]), actor: .system("test"), channel: .importFile))
        return device
    }

    static func reveal(_ effects: StaffEffects) -> StaffEvent? {
        let model = StaffModel(content: Shipped.content, policy: Shipped.content.staff!,
                               timing: KioskTiming(idleWarning: 60, idleTimeout: 120, sessionLimit: .infinity), now: Date())
        let request = ChangeRequest(tenant: TenantRef("T0000001"), payload: .access(health),
                                    actor: .staff(StaffID("S1"), verification: "security-questions", reason: "support-plan"), channel: .phone)
        guard case .report(let event) = effects.perform(.reveal(request, health), for: model) else { return nil }
        return event
    }

    @Test func aRevealOnASealedDeviceAsksTheCentreAndSaysSoWhenItCannot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("staff-reveal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let device = try Self.sealedDevice(dir)
        defer { try? device.close() }

        let centre = FakeCentre(.value("Uses a wheelchair QZXW"))
        guard case let .revealed(attribute, text)? = Self.reveal(StaffEffects(database: device, centre: centre)) else {
            Issue.record("not revealed through the centre")
            return
        }
        #expect(attribute == Self.health && text == "Uses a wheelchair QZXW")
        #expect(centre.asked.count == 1 && centre.asked.first?.2 == StaffID("S1"), "the centre is asked for the signed-in member of staff")
        let reads = try device.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger WHERE kind = 'access'") }
        #expect(reads == 1, "the read is recorded on the device, to be pushed before the centre is asked")
        guard case .unavailable = try device.tenantState(TenantRef("T0000001"))?.value(Self.health) else { Issue.record("the value was kept"); return }

        for (outcome, expected) in [(CentreRevealOutcome.unreachable("connection refused"), StaffEffects.revealNeedsCentre),
                                    (.refused("no read recorded"), "no read recorded")] {
            guard case .refused(let message)? = Self.reveal(StaffEffects(database: device, centre: FakeCentre(outcome))) else {
                Issue.record("\(outcome) was not refused")
                continue
            }
            #expect(message == expected)
        }
        guard case .refused(let offline)? = Self.reveal(StaffEffects(database: device)) else { Issue.record("no centre, no refusal"); return }
        #expect(offline.contains("reveal needs the centre"))
    }
}

import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import HummingbirdTesting
import Logging
import SyncEngine
import SyncProtocol
import SyncServer
import Testing
import TestSupport

/// Staff reveal on an enrolled device goes through the centre, online, over a real HTTP server on
/// 127.0.0.1: the device records the read (an access event with the member of staff and reason) and
/// pushes it, and the centre opens the value only for that recorded read (`RevealCheck`), on both
/// backends. A kiosk's read, no read, another device's read, a stale one, another office's tenant and
/// a disabled member of staff, and a value held only for equality monitoring, are each refused with their reason.
@Suite struct RevealSyncTests {
    static let ethnicity = AttributeID("ethnic-origin")
    static let health = AttributeID("health-needs")

    /// What the centre answered: the value, or a refusal's reason.
    enum Asked: Equatable {
        case answered(RevealAnswer)
        case refused(RevealRefusal.Reason)
    }

    /// A staff read of `attribute` recorded on `db`, as staff mode records one (`StaffRules.reveal`).
    static func staffRead(_ ref: TenantRef, by staff: String = "S1", _ attribute: AttributeID = ethnicity, at: Date? = nil) -> ChangeRequest {
        ChangeRequest(tenant: ref, payload: .access(attribute), actor: .staff(StaffID(staff), verification: "security-questions", reason: "support-plan"),
                      channel: .phone, effectiveAt: at)
    }

    /// Asks the centre over HTTP, as `consent staff` does; the refusal's reason, or the value.
    static func ask(_ db: ConsentDatabase, port: Int, _ ref: TenantRef, _ attribute: AttributeID = ethnicity,
                    staff: String = "S1") async throws -> Asked {
        let settings = try #require(try db.syncSettings())
        let transport = try HTTPTransport.toTestServer(port: port, device: db.device.rawValue, secret: settings.secret)
        do throws(SyncFailure) {
            return .answered(try await CentreReveal(client: SyncClient(database: db, transport: transport)).reveal(ref, attribute, staff: StaffID(staff)))
        } catch {
            guard case .refused(.revealRefused(let refusal)) = error else { throw error }
            #expect(!refusal.message.isEmpty)
            return .refused(refusal.reason)
        }
    }

    @Test(arguments: Backend.allCases) func onlyARecentStaffReadRecordedAndPushedByThatDeviceOpensTheValueAtTheCentre(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 3, tenants: ["T0000001", "T0000002", "T0000003"], kinds: [.staff, .kiosk, .staff])
        let (staffDevice, kiosk, other) = (net.devices[0], net.devices[1], net.devices[2])
        // A tenant whose health needs are held for tailoring services, with their explicit consent: staff may see them.
        try await net.centre.record([register("T0000011", ["full-name": "Tenant 11", "email": "t11@example.org", "health-needs": "Needs a ramp QZXW"]),
                                     decide("T0000011", "tailoring-services", ["health-needs"], .granted)])
        for i in net.devices.indices { _ = try await net.client(i).syncOnce() }
        #expect(staffDevice.specialValuesSealedForCentre, "the device cannot open the value itself")
        var logger = Logger(label: "reveal-tests")
        logger.logLevel = .critical
        let app = try SyncServer(store: net.centre.store, logger: logger, limits: .patientTestClient).application(host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // Nothing recorded yet: refused, whoever asks.
            #expect(try await Self.ask(staffDevice, port: port, "T0000011", Self.health) == .refused(.noRecordedAccess))
            // A kiosk: the tenant's own read at the kiosk is not a staff read; and a device enrolled as a kiosk
            // (stolen, say) that forges a staff read in a real member's name is refused for what it is (HTTP 403).
            try kiosk.record(ChangeRequest(tenant: "T0000011", payload: .access(Self.health), actor: .tenant, channel: .kiosk))
            #expect(try await Self.ask(kiosk, port: port, "T0000011", Self.health) == .refused(.kioskDevice))
            try kiosk.record(Self.staffRead("T0000011", Self.health))
            #expect(try await Self.ask(kiosk, port: port, "T0000011", Self.health) == .refused(.kioskDevice))
            #expect(try await net.centre.audit().allSatisfy { !$0.contains("revealed health-needs") }, "nothing was revealed")
            #expect(try await Self.ask(staffDevice, port: port, "T0009999") == .refused(.unknownTenant))
            #expect(try await Self.ask(staffDevice, port: port, "T0000001", AttributeID("email")) == .refused(.notSpecial))

            // The staff device records the read; it is pushed, and the centre answers.
            try staffDevice.record(Self.staffRead("T0000011", Self.health))
            #expect(try await Self.ask(staffDevice, port: port, "T0000011", Self.health) == .answered(RevealAnswer(value: "Needs a ramp QZXW")))
            #expect(try await net.centre.audit().contains { $0.contains("revealed health-needs of T0000011 to S1") }, "recorded at the centre")
            #expect(try staffDevice.tenantState("T0000011")?.value(Self.health).answer == nil, "nothing of the answer is kept on the device")
            // Another device, another member of staff or another tenant: no such read.
            #expect(try await Self.ask(other, port: port, "T0000011", Self.health) == .refused(.noRecordedAccess))
            #expect(try await Self.ask(staffDevice, port: port, "T0000011", Self.health, staff: "S2") == .refused(.noRecordedAccess))
            #expect(try await Self.ask(staffDevice, port: port, "T0000003") == .refused(.noRecordedAccess))

            // A value held only for equality monitoring is never shown to staff, even for a read a device recorded
            // (one altered to skip its own check): the centre runs the rule again.
            try staffDevice.record(Self.staffRead("T0000001"))
            #expect(try await Self.ask(staffDevice, port: port, "T0000001") == .refused(.notForDecisions))

            // A read dated more than the window ago is stale.
            let old = net.clocks[0].read().addingTimeInterval(-Double(RevealCheck.window) / 1000 - 120)
            try staffDevice.record(Self.staffRead("T0000003", at: old))
            #expect(try await Self.ask(staffDevice, port: port, "T0000003") == .refused(.staleAccess))

            // A tenant moved to another office that this device has not acted for.
            try await net.centre.record([ChangeRequest(tenant: "T0000002", payload: .correction(Office.attribute, .value("York"), pending: false),
                                                       actor: .staff(StaffID("S2"), verification: nil, reason: "moved house"), channel: .paper,
                                                           evidence: "tenancy transfer seen")])
            try staffDevice.record(Self.staffRead("T0000002"))
            #expect(try await Self.ask(staffDevice, port: port, "T0000002") == .refused(.wrongOffice))

            // A leaver disabled at the centre: their read no longer opens anything.
            try await net.centre.setStaffActive("S1", false)
            #expect(try await Self.ask(staffDevice, port: port, "T0000011", Self.health) == .refused(.staffMayNotReveal))
        }
    }

    @Test func aDeviceEnrolledBeforeKindsWereRecordedIsAKioskAndRevealsNothing() {
        #expect(DeviceKind.recorded(nil) == .kiosk && DeviceKind.recorded("robot") == .kiosk && DeviceKind.recorded("staff") == .staff)
        let request = RevealRequest(tenant: "T0000011", attribute: Self.health.rawValue, staff: "S1")
        let read = RecordedAccess(actor: "staff", staff: "S1", channel: "phone", at: 1_000, role: .supervisor, active: true)
        let facts = RevealFacts(tenantKnown: true, tenantOffice: nil, deviceOffice: "Leeds", deviceChangedTenant: false, access: read,
                                deviceKind: DeviceKind.recorded(nil))
        #expect(RevealCheck.problem(request, facts, now: 2_000, isSpecial: true)?.reason == .kioskDevice)
        var staff = facts
        staff.deviceKind = .staff
        #expect(RevealCheck.problem(request, staff, now: 2_000, isSpecial: true) == nil)
    }

    @Test func aDeviceThatCannotReachTheCentreIsToldSo() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: ["T0000001"])
        try net.devices[0].record(Self.staffRead("T0000001"))
        let transport = try HTTPTransport(server: try #require(URL(string: "http://127.0.0.1:9/")), device: "kiosk-0", secret: "x")
        do throws(SyncFailure) {
            _ = try await CentreReveal(client: SyncClient(database: net.devices[0], transport: transport)).reveal("T0000001", Self.ethnicity, staff: StaffID("S1"))
            Issue.record("answered without a centre")
        } catch {
            guard case .unreachable = error else { Issue.record("\(error)"); return }
        }
    }
}

import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import Testing
import TestSupport

/// A tenant's request, made at a kiosk, to erase what only staff may erase: it travels like any
/// event, waits in staff's queue at the centre and on every desk, and leaves the queue when staff
/// decline it (the value is kept) or erase the value.
@Suite struct ErasureRequestSyncTests {
    static let name = AttributeID("full-name")

    func request(_ ref: TenantRef) -> ChangeRequest {
        ChangeRequest(tenant: ref, payload: .request(.erasure, Self.name), actor: .tenant, channel: .kiosk)
    }

    func requests(_ db: ConsentDatabase) throws -> [HeldItem] {
        try db.heldItems().filter { if case .erasureRequest = $0.kind { true } else { false } }
    }

    @Test(arguments: Backend.allCases) func aKioskRequestReachesTheStaffQueueAndLeavesItWhenStaffDecide(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 2, tenants: ["T0000001"])
        let (kiosk, desk) = (network.devices[0], network.devices[1])
        let policy = try #require(Shipped.content.staff)
        let asked = try kiosk.record(request("T0000001"))
        #expect(try requests(desk).isEmpty, "the desk sees nothing before it syncs")
        try await network.heal()

        #expect(try await network.centre.history("T0000001").contains { $0.id == asked.event.id && $0.payload == .request(.erasure, Self.name) },
                "the request reached the centre")
        if let centre = network.centre.sqlite {
            #expect(try requests(centre).map(\.event) == [asked.event.id], "the centre's staff queue shows it")
        }
        let queued = try requests(desk)
        #expect(queued.map(\.event) == [asked.event.id], "the desk's queue shows it after a sync")
        #expect(queued.first?.kind == .erasureRequest(Self.name) && queued.first?.tenant == "T0000001")

        // A supervisor declines it: the value stays, and the request leaves every queue.
        let item = try #require(queued.first)
        try desk.record(try StaffRules.decideErasure(item.event, attribute: Self.name, erase: false, tenant: item.tenant, staff: StaffID("pat"),
                                                      role: .supervisor, reason: "erasure-declined", policy: policy))
        try await network.heal()
        for db in [kiosk, desk] + [network.centre.sqlite].compactMap({ $0 }) {
            #expect(try requests(db).isEmpty, "\(db.device): a declined request still waits")
            #expect(try db.tenantState("T0000001")?.value(Self.name).answer == .value("Tenant 0"), "\(db.device): declining erased the name")
        }

        // Asked again, and granted: the value is erased everywhere and the queue is empty.
        let again = try kiosk.record(request("T0000001"))
        try await network.heal()
        let second = try #require(try requests(desk).first)
        #expect(second.event == again.event.id)
        try desk.record(try StaffRules.decideErasure(second.event, attribute: Self.name, erase: true, tenant: second.tenant, staff: StaffID("pat"),
                                                      role: .supervisor, reason: "erasure-granted", policy: policy))
        try await network.heal()
        for db in [kiosk, desk] + [network.centre.sqlite].compactMap({ $0 }) {
            #expect(try requests(db).isEmpty, "\(db.device): an answered request still waits")
            #expect(try db.tenantState("T0000001")?.value(Self.name).answer == nil, "\(db.device): the name was not erased")
        }
        let problems = try await network.problems()
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func onlyASupervisorOrTheDataProtectionLeadDecides() throws {
        let policy = try #require(Shipped.content.staff)
        let event = EventID(device: DeviceID("kiosk-0"), sequence: 3)
        #expect(throws: StaffRefusal.notAllowed(.support, .decideErasure)) {
            try StaffRules.decideErasure(event, attribute: Self.name, erase: true, tenant: "T0000001", staff: StaffID("sam"),
                                         role: .support, reason: "erasure-granted", policy: policy)
        }
    }
}

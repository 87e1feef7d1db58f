import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// The staff registry travels from the centre to every device, and the centre re-checks the staff
/// rules of every pushed change: who may act, in which role, and four eyes.
@Suite struct StaffRegistrySyncTests {
    @Test(arguments: Backend.allCases) func staffAddedAtTheCentreReachEveryDeviceAndALeaverIsDisabledEverywhere(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 2, tenants: ["T0000001"])
        #expect(try network.devices[0].staffMember("pat")?.role == .supervisor, "the first sync copied the registry")
        try await network.centre.registerStaff(["newcomer"], role: .support)
        try await network.centre.setStaffActive("pat", false)
        let report = try await network.client(0).syncOnce()
        #expect(report.staff == 2, "one member added, one disabled: \(report)")
        #expect(try network.devices[0].staffMember("newcomer") == StaffMember(id: "newcomer", name: "Staff newcomer", role: .support))
        #expect(try network.devices[0].staffMember("pat") == nil, "a leaver cannot act on a device once it has synced")
        #expect(try network.devices[1].staffMember("pat") != nil, "not yet synced")

        // A device that had not synced yet records a change by the leaver: the centre refuses it.
        try network.devices[1].record(ChangeRequest(
            tenant: "T0000001", payload: .marker("vulnerable", set: true),
            actor: .staff(StaffID("pat"), verification: "date-of-birth+postcode", reason: "caller-request"), channel: .phone))
        await #expect(throws: SyncFailure.self) { _ = try await network.client(1).syncOnce() }
        #expect(try await network.centre.eventCount() == 1, "only the registration is stored at the centre")

        // Sync again with the centre's registry restored: nothing was lost on the device.
        try await network.centre.setStaffActive("pat", true)
        let after = try await network.client(1).syncOnce()
        #expect(after.pushed == 1)
        #expect(try network.devices[1].staffMember("newcomer") != nil)
    }

    @Test(arguments: Backend.allCases) func supportStaffAddedOfflineJoinTheCentreAndHigherRolesAreLeftToIt(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 1, tenants: ["T0000001"])
        let device = network.devices[0]
        try device.addStaff("temp-1", name: "Temp One", role: .support, password: "correct horse battery")
        try device.addStaff("boss", name: "New Boss", role: .dpLead, password: "correct horse battery")
        // A caller withdraws their email updates; the member of staff taking the call was added offline.
        try device.record(ChangeRequest(
            tenant: "T0000001", payload: .decision(PurposeID("service-updates-email"), [AttributeID("email")], .withdrawn, notice: nil, validUntil: nil),
            actor: .staff(StaffID("temp-1"), verification: "date-of-birth+postcode", reason: "caller-request"), channel: .phone))
        let report = try await network.client(0).syncOnce()
        #expect(report.pushed == 1, "the change by the member added offline is accepted")
        #expect(report.staffNotAdded.count == 1 && report.staffNotAdded[0].contains("boss (dp-lead)")
                && report.staffNotAdded[0].contains("consent staff add boss"), "\(report.staffNotAdded)")
        let registry = try await network.centre.store.staffRegistry()
        #expect(registry.members.contains(WireStaffMember(id: "temp-1", name: "Temp One", role: .support, active: true)))
        #expect(!registry.members.contains { $0.id == "boss" })

        // An offer never changes a member the centre knows: not a role, not a leaver.
        try await network.centre.setStaffActive("temp-1", false)
        let offer = StaffRegistry(members: [WireStaffMember(id: "temp-1", name: "Temp One", role: .support, active: true),
                                            WireStaffMember(id: "pat", name: "Pat", role: .dpLead, active: true)])
        let reply = try await network.centre.store.adoptStaff(offer, from: device.device.rawValue)
        #expect(reply.added.isEmpty && reply.notAdded.isEmpty)
        let after = try await network.centre.store.staffRegistry().members
        #expect(after.first { $0.id == "temp-1" }?.active == false)
        #expect(after.first { $0.id == "pat" }?.role == .supervisor)
        // And an offer that breaks the rules of every registry is refused whole.
        let hostile = StaffRegistry(members: [WireStaffMember(id: "evil", name: "Evil\u{7}", role: .support, active: true)])
        await #expect(throws: CentralStoreError.self) { _ = try await network.centre.store.adoptStaff(hostile, from: device.device.rawValue) }
        #expect(try await !network.centre.store.staffRegistry().members.contains { $0.id == "evil" })
    }

    @Test func aRegistryThatBreaksTheRulesIsRefusedWholeAndChangesNothing() throws {
        let folder = try TempFolder()
        let db = try ConsentDatabase.create(at: folder.path("d.sqlite"), validator: Shipped.content.validator, device: DeviceID("d"), key: sharedKey)
        try db.addStaff("alice", name: "Alice", role: .support, password: "correct horse battery")
        let bad = [
            StaffRegistry(members: [WireStaffMember(id: "alice", name: "Alice\u{1B}[2J", role: .dpLead, active: true)]),
            StaffRegistry(members: [WireStaffMember(id: "x", name: "Short id", role: .support, active: true)]),
            StaffRegistry(members: Array(repeating: WireStaffMember(id: "bob", name: "Bob", role: .support, active: true), count: 2)),
        ]
        for registry in bad {
            #expect(throws: StoreError.self) { _ = try db.adoptStaffRegistry(registry) }
        }
        #expect(try db.staffMember("alice")?.role == .support, "nothing changed")
        #expect(try db.staffMember("bob") == nil)
        // A member copied from the centre sets a password here only as the centre named them.
        _ = try db.adoptStaffRegistry(StaffRegistry(members: [WireStaffMember(id: "carol", name: "Carol", role: .supervisor, active: true)]))
        #expect(throws: StoreError.self) { try db.addStaff("carol", name: "Carol", role: .dpLead, password: "a long password") }
        try db.addStaff("carol", name: "Carol", role: .supervisor, password: "a long password")
        guard case .signedIn(let carol) = try db.staffSignIn("carol", password: "a long password") else {
            Issue.record("carol cannot sign in with the password she set")
            return
        }
        #expect(carol.role == .supervisor)
        #expect(throws: StoreError.self) { try db.addStaff("alice", name: "Alice", role: .support, password: "another password") }
    }

    @Test(arguments: Backend.allCases) func aTamperedDeviceCannotConfirmItsOwnHeldGrantNorConfirmAsASupportMember(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 3, tenants: ["T0000001"])
        try await network.centre.registerStaff(["helper"], role: .support)
        let held = try network.devices[0].record(ChangeRequest(
            tenant: "T0000001", payload: .heldGrant(PurposeID("service-updates-email"), [AttributeID("email")],
                                                    notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
            actor: .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request"), channel: .phone))
        try await network.heal()
        let stored = try await network.centre.eventCount()
        // Tampered devices record confirmations the staff app would refuse: the one who held the grant
        // confirming it by a call-back, and a support member confirming as a supervisor.
        for (i, who, how) in [(1, "sam", StaffRules.RecordedMethod.callBack), (2, "helper", StaffRules.RecordedMethod.supervisor)] {
            let confirmation = try network.devices[i].record(ChangeRequest(
                tenant: "T0000001", payload: .verification(of: held.event.id, attribute: AttributeID("email"), approved: true),
                actor: .staff(StaffID(who), verification: how, reason: "supervisor-check"), channel: .system))
            do {
                _ = try await network.client(i).syncOnce()
                Issue.record("\(who)'s confirmation was accepted")
            } catch {
                let text = "\(error)"
                #expect(text.contains("\(confirmation.event.id.device)#\(confirmation.event.id.sequence)"), "names the event: \(text)")
                #expect(text.contains(who == "sam" ? "four eyes" : "may not"), "\(text)")
            }
            #expect(try await network.centre.eventCount() == stored, "nothing of the batch was applied")
            #expect(try await network.centre.heldGrants("T0000001") == [held.event.id], "still held")
        }
    }
}

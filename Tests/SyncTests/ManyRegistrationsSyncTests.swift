import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import Testing
import TestSupport

/// A push or pull of many registrations keeps `tenant_values` once at the end of its transaction (the ingester sets the
/// insert trigger aside from its 16th registration): the rows of tenants registered before it began, after it began,
/// and of older tenants whose values the same transaction changed must all read as their current values, at the centre
/// and on the device that pulls them, and the trigger must be back for the next single registration.
@Suite struct ManyRegistrationsSyncTests {
    /// Each tenant's `tenant_values` text, by reference.
    func rows(_ path: String) throws -> [String: String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                SELECT t.ref, v.cells FROM tenant_values v JOIN tenant t ON t.id = v.tenant_id
                """).map { ($0["ref"] as String, $0["cells"] as String) })
        }
    }

    @Test func manyRegistrationsAndChangesToOlderTenantsReadBackAfterPushAndPull() async throws {
        let net = try await Network.make(.sqlite, devices: 2, tenants: ["T0000001"])
        let (sender, receiver) = (net.devices[0], net.devices[1])
        let newcomers = (100..<120).map { TenantRef("T0000\($0)") }
        var changes = newcomers.map { register($0, ["full-name": "Name of \($0)", "email": "\($0.rawValue.lowercased())@example.org"]) }
        // After the 16th registration: a tenant held before the transaction, and one it registered before setting the
        // trigger aside, each given new current values.
        changes.append(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("full-name"), .value("Ann Corrected"), pending: false),
                                     actor: .system("test"), channel: .importFile))
        changes.append(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("email")), actor: .system("test"), channel: .importFile))
        changes.append(ChangeRequest(tenant: newcomers[0], payload: .correction(AttributeID("mobile"), .value("07700900999"), pending: false),
                                     actor: .system("test"), channel: .importFile))
        try sender.record(changes)

        _ = try await net.client(0).syncOnce()
        _ = try await net.client(1).syncOnce()
        let problems = try await net.problems()
        #expect(problems.isEmpty, "\(problems)")

        let centrePath = try #require(net.centre.sqlite?.path)
        for path in [centrePath, receiver.path] {
            let cells = try rows(path)
            let ann = try #require(cells["T0000001"])
            #expect(ann.contains("Ann Corrected") && !ann.contains("Tenant 0") && !ann.contains("t0@example.org"), "\(path): \(ann)")
            for ref in newcomers { #expect(cells[ref.rawValue]?.contains("Name of \(ref)") == true, "\(path): \(ref) \(cells[ref.rawValue] ?? "no row")") }
            #expect(cells[newcomers[0].rawValue]?.contains("07700900999") == true, "\(path)")
        }

        // One more registration, at the centre and then pulled alone: the insert trigger keeps its row again.
        try await net.centre.record([register("T0000200", ["full-name": "Late Arrival"])])
        _ = try await net.client(1).syncOnce()
        for path in [centrePath, receiver.path] { #expect(try rows(path)["T0000200"]?.contains("Late Arrival") == true, "\(path)") }
        let after = try await net.problems()
        #expect(after.isEmpty, "\(after)")
    }

    /// A pulled page that breaks after the trigger was set aside (its 19th event's hash forged) is refused whole: the
    /// insert trigger is still there and no row changed, and the true page then applies and verifies.
    @Test func aPageRefusedAfterTheTriggerWasSetAsideLeavesNoTrace() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: ["T0000001"])
        let device = net.devices[0]
        let centre = try #require(net.centre.sqlite)
        try centre.record((100..<120).map { register(TenantRef("T0000\($0)"), ["full-name": "Name of T0000\($0)"]) })
        let page = try centre.pullPage(after: 0, limit: 1_000)
        let index = try #require(page.events.indices.filter { page.events[$0].record.kind == "registration" }.dropFirst(18).first)
        var forged = page
        forged.events[index].hash = Data(repeating: 7, count: 32)
        func triggers() throws -> [String] {
            let queue = try DatabaseQueue(path: device.path)
            defer { try? queue.close() }
            return try queue.read { try String.fetchAll($0, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name") }
        }
        let (rowsBefore, triggersBefore) = (try rows(device.path), try triggers())

        #expect(throws: (any Error).self) { try device.applyPulled(forged) }
        #expect(try triggers() == triggersBefore, "the insert trigger was left dropped")
        #expect(try rows(device.path) == rowsBefore)

        _ = try device.applyPulled(page)
        #expect(try rows(device.path)["T0000119"]?.contains("Name of T0000119") == true)
        #expect(try triggers() == triggersBefore)
        let problems = try device.verify().problems
        #expect(problems.isEmpty, "\(problems)")
    }
}


import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import SyncProtocol
import Testing

/// A push reads the projection rows its batch touches before it takes the central counter, under
/// row locks on the batch's tenants. Pushes from several devices about the same tenants, at once,
/// must still merge one after another in central order: nothing lost, no push refused, and the
/// projections exactly what folding the ledger gives.
@Suite struct ConcurrentMergeTests {
    @Test func pushesAboutTheSameTenantsAtOnceMergeAsIfOneAfterAnother() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        // Devices that sign their chain heads, so the centre's own check covers every chain.
        var devices: [TestDevice] = []
        for name in ["registrar", "kiosk-1", "kiosk-2", "phone-1", "phone-2"] {
            devices.append(try await centre.enrolSigning(name))
        }
        var registrar = devices.removeFirst()
        let tenants = (0..<5).map { "T\($0)" }
        _ = try await centre.store.push(registrar.push(tenants.map { registrar.event($0, registration(["email": "\($0)@example.org"])) }),
                                        from: "registrar")
        let batches = 10, perBatch = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, start) in devices.enumerated() {
                group.addTask {
                    let store = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
                    defer { store.shutdown() }
                    var device = start
                    let name = device.id
                    // Clocks apart, so which of two devices' decisions stands depends on merging both.
                    device.clock += Int64(n) * 333
                    for batch in 0..<batches {
                        var events: [WireEvent] = []
                        for i in 0..<perBatch {
                            // Every device visits the tenants in its own order: lock order must not depend on it.
                            let tenant = tenants[(n % 2 == 0 ? i + batch : tenants.count * perBatch - i - batch) % tenants.count]
                            switch (i + n) % 4 {
                            case 0: events.append(device.event(tenant, .correction(AttributeID("email"), .value("\(name)-\(batch)-\(i)@example.org"),
                                                                                   pending: i % 8 == 0)))
                            case 1: events.append(device.decision(tenant, "service-updates-email", ["email"], .withdrawn))
                            default: events.append(device.decision(tenant, "service-updates-email", ["email"], .granted))
                            }
                        }
                        let reply = try await store.push(device.push(events), from: name)
                        #expect(reply.results.count == perBatch)
                        #expect(reply.results.allSatisfy { $0.central != nil })
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = tenants.count + devices.count * batches * perBatch
        #expect(try await centre.rows("SELECT count(*)::text FROM ledger") == [["\(total)"]])
        let report = try await centre.store.verify()
        #expect(report.ok, "\(report.problems)")
        // Every tenant was decided on, and each has one decision row (no duplicate from two merges).
        #expect(try await centre.rows("SELECT count(*)::text FROM decision") == [["\(tenants.count)"]])
    }

    /// Pushes about different tenants run side by side, so a push merges before it knows its central
    /// numbers (another push may take the next ones first): the numbers in the decisions written,
    /// including those inside a withdrawal's list of stops, must still be the ones the ledger gives.
    @Test func decisionsMergedBeforeTheirNumbersAreTakenCarryTheRealNumbers() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        var devices: [TestDevice] = []
        for name in ["kiosk-1", "kiosk-2", "phone-1", "phone-2"] {
            devices.append(try await centre.enrolSigning(name))
        }
        let batches = 15, perBatch = 12
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, start) in devices.enumerated() {
                group.addTask {
                    let store = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
                    defer { store.shutdown() }
                    var device = start
                    let tenants = (0..<3).map { "T\(n)-\($0)" }
                    _ = try await store.push(device.push(tenants.map { device.event($0, registration(["email": "\($0)@example.org"])) }),
                                             from: device.id)
                    for batch in 0..<batches {
                        // Per tenant, four decisions: a grant then three withdrawals (the last stands with all three as
                        // its stops), or for one tenant three withdrawals then a grant (which stands alone).
                        let events = (0..<perBatch).map { i in
                            let state: DecisionState = i / 4 == 2 ? (i % 4 == 3 ? .granted : .withdrawn) : (i % 4 == 0 ? .granted : .withdrawn)
                            return device.decision(tenants[(i / 4 + batch) % 3], "service-updates-email", ["email"], state)
                        }
                        let reply = try await store.push(device.push(events), from: device.id)
                        #expect(reply.results.allSatisfy { $0.central != nil })
                    }
                }
            }
            try await group.waitForAll()
        }
        let report = try await centre.store.verify()
        #expect(report.ok, "\(report.problems)")
        let listed = try await centre.rows("SELECT count(*)::text FROM decision WHERE blocking IS NOT NULL")
        #expect(listed != [["0"]], "some decisions keep more than one stop")
    }
}

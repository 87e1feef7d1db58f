import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import Testing
import TestSupport

/// A SQLite centre numbers every event it stores, its own and those devices push, by the event's
/// ledger position: numbers run 1, 2, 3, … with no gap, in the order the events were stored, and a
/// device learns for each of its events the number the centre's row holds.
@Suite struct CentralNumberingTests {
    @Test func everyStoredEventIsNumberedByItsLedgerPosition() async throws {
        let network = try await Network.make(.sqlite, devices: 2, tenants: ["T0000001", "T0000002", "T0000003"])
        func decide(_ i: Int, _ ref: TenantRef, _ state: DecisionState) throws {
            try network.devices[i].record(SyncTests.decide(ref, "service-updates-email", ["email"], state))
            network.clocks[i].advance(by: 60)
        }
        // Two devices' events reach the centre in two pushes each, with the centre's own events between them.
        try decide(0, "T0000001", .granted)
        try decide(0, "T0000002", .granted)
        try decide(1, "T0000003", .granted)
        _ = try await network.client(0).syncOnce()
        try await network.centre.record([register("T0000004", ["full-name": "Tenant 4", "email": "t4@example.org"])])
        _ = try await network.client(1).syncOnce()
        try decide(0, "T0000001", .withdrawn)
        try decide(1, "T0000002", .withdrawn)
        _ = try await network.client(1).syncOnce()
        _ = try await network.client(0).syncOnce()
        try await network.heal()

        let centre = try DatabaseQueue(path: network.folder.path("centre.sqlite"))
        let numbered = try centre.read { db in
            try Row.fetchAll(db, sql: """
                SELECT l.position, l.central_seq, d.id AS device, l.device_seq FROM ledger l JOIN device d ON d.no = l.device_no ORDER BY l.position
                """)
        }
        try centre.close()
        #expect(numbered.count > 5, "the register, the two devices' four decisions and the centre's own registration")
        #expect(numbered.map { $0["central_seq"] as Int64? } == (1...Int64(numbered.count)).map { Optional($0) },
                "numbers run from 1 with no gap, in stored order")
        #expect(numbered.allSatisfy { ($0["position"] as Int64) == ($0["central_seq"] as Int64) })

        // Each device holds, for each of its own events, the number the centre's row holds.
        let centreNumbers = Dictionary(uniqueKeysWithValues: numbered.map { row in
            ("\(row["device"] as String)#\(row["device_seq"] as Int64)", row["central_seq"] as Int64)
        })
        for (device, made) in zip(network.devices, [3, 2]) {
            let own = try DatabaseQueue(path: device.path)
            let acknowledged = try own.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT l.device_seq, l.central_seq FROM ledger l JOIN device d ON d.no = l.device_no WHERE d.id = ?
                    """, arguments: [device.device.rawValue])
            }
            try own.close()
            #expect(acknowledged.count == made, "\(device.device)")
            for row in acknowledged {
                let name = "\(device.device.rawValue)#\(row["device_seq"] as Int64)"
                #expect((row["central_seq"] as Int64?) == centreNumbers[name], "\(name)")
            }
        }
        let problems = try await network.problems()
        #expect(problems.isEmpty, "\(problems)")
    }
}

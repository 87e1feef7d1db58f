import ConsentCore
@testable import ConsentStore
import Foundation
import Testing

/// The export's merged scans (`eachTenant(TenantSlice)`), whose special categories are read and
/// opened on a second thread and connection, give each tenant exactly what the per-tenant read of
/// the whole projection gives.
@Suite struct SliceScanTests {
    static let purpose = PurposeID("equality-monitoring")
    static let attributes = ["date-of-birth", "gender", "preferred-language", "health-needs", "ethnic-origin", "religion", "sexual-orientation"]
        .map { AttributeID($0) }
    static let special: Set<AttributeID> = [AttributeID("health-needs"), AttributeID("ethnic-origin"), AttributeID("religion"), AttributeID("sexual-orientation")]
    /// More tenants than one hand-over batch, so several batches cross between the threads.
    static let tenants = VaultScanThread.batchSize * 2 + 37

    /// A register where tenants hold varied special values, some prefer not to say, some had one
    /// erased, some objected; ids with gaps (tenants registered then nothing else).
    func populated() throws -> TempDatabase {
        let temp = try TempDatabase()
        let religions = ["christian", "muslim", "<pnts>", "none"]
        try temp.db.batch { b in
            for i in 0..<Self.tenants {
                let ref = TenantRef(String(format: "T%07d", i + 1))
                var values = ["full-name": "Tenant \(i)", "date-of-birth": "1970-05-01"]
                if i % 3 != 0 { values["religion"] = religions[i % religions.count] }
                if i % 5 == 0 { values["ethnic-origin"] = "white-irish" }
                if i % 7 == 0 { values["health-needs"] = "Needs step-free access \(i), ścieżka — لازم QZX" }
                try b.record(register(ref, values))
                if i % 11 == 0 { try b.record(ChangeRequest(tenant: ref, payload: .erasure(AttributeID("religion")), actor: .tenant, channel: .kiosk)) }
                if i % 4 == 0 { try b.record(decide(ref, Self.purpose.rawValue, ["religion", "ethnic-origin"], .objected)) }
            }
        }
        return temp
    }

    var slice: TenantSlice { TenantSlice(purpose: Self.purpose, attributes: Self.attributes, special: Self.special, readsDecisions: true) }

    @Test func theSlicedScanGivesWhatTheWholeReadGivesForEveryTenant() throws {
        let temp = try populated()
        var whole: [TenantRef: TenantState] = [:]
        _ = try temp.db.eachTenant { ref, state in whole[ref] = state }
        var seen = 0
        _ = try temp.db.eachTenant(slice) { ref, state in
            seen += 1
            guard let full = whole[ref] else { Issue.record("\(ref) is not in the register"); return }
            for attribute in Self.attributes {
                #expect(state.value(attribute) == full.value(attribute), "\(ref) \(attribute)")
                let key = DecisionKey(attribute, Self.purpose)
                #expect(state.decisions[key] == full.decisions[key], "\(ref) \(attribute)")
            }
        }
        #expect(seen == Self.tenants)
        // The data really holds what the comparison is about: opened values, erasures, objections.
        let sample = try #require(whole[TenantRef("T0000002")])
        #expect(sample.value(AttributeID("religion")).answer == .value("muslim"))
        #expect(whole.values.contains { if case .erased = $0.value(AttributeID("religion")) { true } else { false } })
    }

    @Test func aSideScanThatWouldReadAnotherSnapshotIsNotStarted() throws {
        let temp = try populated()
        let (position, devices) = try temp.db.read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0, try DeviceNumbers(db))
        }
        let special = Array(Self.special)
        let stale = VaultScanThread.start(database: temp.db, attributes: special, devices: devices, position: position - 1)
        #expect(stale == nil)
        let current = try #require(VaultScanThread.start(database: temp.db, attributes: special, devices: devices, position: position))
        current.finish()
    }

    @Test func stoppingEarlyReleasesTheSideConnection() throws {
        struct Stop: Error {}
        let temp = try populated()
        var read = 0
        #expect(throws: Stop.self) {
            _ = try temp.db.eachTenant(slice) { _, _ in
                read += 1
                if read == 10 { throw Stop() }
            }
        }
        // A write after the stopped export goes through at once, and a new export reads it.
        try temp.db.record(decide("T0000002", Self.purpose.rawValue, ["religion"], .objected))
        var objected = false
        _ = try temp.db.eachTenant(slice) { ref, state in
            if ref == "T0000002" { objected = state.decisions[DecisionKey(AttributeID("religion"), Self.purpose)]?.state == .objected }
        }
        #expect(objected)
    }
}

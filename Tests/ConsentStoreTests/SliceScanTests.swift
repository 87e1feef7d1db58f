import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import Testing

/// The export's merged scans (`eachTenant(TenantSlice)`), whose special categories are read and
/// opened on a second thread and connection, give each tenant exactly what the per-tenant read of
/// the whole projection gives.
@Suite struct SliceScanTests {
    static let purpose = PurposeID("equality-monitoring")
    static let attributes = ["date-of-birth", "sex", "preferred-language", "health-needs", "ethnic-origin", "religion", "sexual-orientation"]
        .map { AttributeID($0) }
    static let special: Set<AttributeID> = [AttributeID("health-needs"), AttributeID("ethnic-origin"), AttributeID("religion"), AttributeID("sexual-orientation")]
    /// More batches than the hand-over holds, so the side thread waits for the export mid-scan.
    static let tenants = VaultScanThread.batchSize * 5 + 37

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
        // Some grants lapse on a day of their own, which the gate must see.
        try temp.db.batch { b in
            for i in stride(from: 2, to: Self.tenants, by: 9) {
                try b.record(ChangeRequest(tenant: TenantRef(String(format: "T%07d", i + 1)), payload: .decision(
                    Self.purpose, [AttributeID("religion")], .granted, notice: NoticeShown(version: 1, language: "en"),
                    validUntil: Date(timeIntervalSince1970: 2_000_000_000 + Double(i) * 86_400)), actor: .tenant, channel: .kiosk))
            }
        }
        var whole: [TenantRef: TenantState] = [:]
        _ = try temp.db.eachTenant { ref, state in whole[ref] = state }
        var seen = 0
        _ = try temp.db.eachTenant(slice) { ref, state in
            seen += 1
            guard let full = whole[ref] else { Issue.record("\(ref) is not in the register"); return }
            for attribute in Self.attributes {
                #expect(state.value(attribute) == full.value(attribute), "\(ref) \(attribute)")
                let key = DecisionKey(attribute, Self.purpose)
                // A slice's decisions hold what the gate reads: state, when expressed, when it lapses.
                #expect(state.decisions[key] == full.decisions[key]?.inForce, "\(ref) \(attribute)")
            }
        }
        #expect(seen == Self.tenants)
        let lapsing = whole.values.compactMap { $0.decisions[DecisionKey(AttributeID("religion"), Self.purpose)]?.validUntil }
        #expect(Set(lapsing).count > 100, "the grants compared lapse on days of their own")
        // The data really holds what the comparison is about: opened values, erasures, objections.
        let sample = try #require(whole[TenantRef("T0000002")])
        #expect(sample.value(AttributeID("religion")).answer == .value("muslim"))
        #expect(whole.values.contains { if case .erased = $0.value(AttributeID("religion")) { true } else { false } })
    }

    @Test func tenantsWithoutTheGrantsARowNeedsArePassedOverAndCountedTheOthersReadInFull() throws {
        let temp = try populated()
        let granted = (0..<Self.tenants).filter { $0 % 6 == 1 }
        try temp.db.batch { b in
            for i in granted { try b.record(decide(TenantRef(String(format: "T%07d", i + 1)), Self.purpose.rawValue, ["religion"], .granted)) }
        }
        var whole: [TenantRef: TenantState] = [:]
        _ = try temp.db.eachTenant { ref, state in whole[ref] = state }
        var needing = slice
        needing.grantsNeeded = [AttributeID("religion")]
        var given: [TenantRef] = []
        // Special categories are read on the vault's thread, which sends every tenant: passing over keeps it in step.
        let read = try temp.db.eachTenant(needing) { ref, state in
            given.append(ref)
            guard let full = whole[ref] else { Issue.record("\(ref) is not in the register"); return }
            for attribute in Self.attributes {
                #expect(state.value(attribute) == full.value(attribute), "\(ref) \(attribute)")
                let key = DecisionKey(attribute, Self.purpose)
                #expect(state.decisions[key] == full.decisions[key]?.inForce, "\(ref) \(attribute): a tenant given has every decision")
            }
        }
        #expect(given == granted.map { TenantRef(String(format: "T%07d", $0 + 1)) })
        #expect(read.passedOver == Self.tenants - granted.count)
        #expect(given.contains("T0000002") && !given.contains("T0000003"))
        #expect(try temp.db.eachTenant(slice) { _, _ in }.passedOver == 0, "a slice needing no grants reads every tenant")
    }

    @Test func aSideScanThatWouldReadAnotherSnapshotIsNotStarted() throws {
        let temp = try populated()
        let (position, devices) = try temp.db.read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0, try DeviceNumbers(db))
        }
        let special = Array(Self.special)
        let stale = VaultScanThread.start(database: temp.db, attributes: special, devices: devices, position: position - 1)
        #expect(stale == nil)
        // A running side scan holds its read snapshot (a later write cannot be checkpointed under it) until finished.
        let current = try #require(VaultScanThread.start(database: temp.db, attributes: special, devices: devices, position: position))
        try temp.db.record(decide("T0000003", Self.purpose.rawValue, ["religion"], .objected))
        #expect(try walReaders(temp.db), "the side scan reads the database")
        current.finish()
        #expect(try !walReaders(temp.db), "a finished side scan lets go")
    }

    /// Whether some connection still reads an older snapshot of either file: a passive checkpoint
    /// (which never waits) then cannot copy every frame of the WAL back.
    func walReaders(_ db: ConsentDatabase) throws -> Bool {
        try db.queue.writeWithoutTransaction { d in
            try ["main", "vault"].contains { file in
                let row = try Row.fetchOne(d, sql: "PRAGMA \(file).wal_checkpoint(PASSIVE)")
                let (log, copied) = (row?[1] as Int? ?? 0, row?[2] as Int? ?? 0)
                return copied < log
            }
        }
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
        // A write after the stopped export can be checkpointed (no side connection is left reading), and a new export reads it.
        try temp.db.record(decide("T0000002", Self.purpose.rawValue, ["religion"], .objected))
        #expect(try !walReaders(temp.db), "the stopped export's side connection let go")
        var objected = false
        _ = try temp.db.eachTenant(slice) { ref, state in
            if ref == "T0000002" { objected = state.decisions[DecisionKey(AttributeID("religion"), Self.purpose)]?.state == .objected }
        }
        #expect(objected)
    }
}

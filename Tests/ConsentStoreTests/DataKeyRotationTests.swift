import ConsentCore
import Foundation
import GRDB
import Testing

@testable import ConsentStore
import TestSupport

/// `consent keys rotate --data-keys` on a real SQLite file: values under several data keys are sealed
/// again under a new one, the old keys are gone (from the rows and from the bytes of the files), the
/// ledger still proves every value, a backup from before opens nothing with the keys after, and a
/// rotation stopped part-way is finished by a rerun.
@Suite struct DataKeyRotationTests {
    static let special = ["health-needs", "religion", "ethnic-origin"].map { AttributeID($0) }

    /// A database whose values are sealed under three data keys, with a correction (history under two
    /// keys) and an erasure; with `centre`, later values are sealed to the organisation's key too.
    static func several(_ t: TempDatabase, centre: Bool = false) throws -> [TenantRef] {
        var refs: [TenantRef] = []
        for batch in 0..<3 {
            if batch > 0 { _ = try t.db.write { d in try t.db.keys.createDataKey(d, now: Date()) } }
            for i in 1...3 {
                let ref = TenantRef(String(format: "T%07d", batch * 3 + i))
                var values = annValues
                values["health-needs"] = "Needs step-free access \(ref.rawValue) QZXW"
                try t.db.record(register(ref, values))
                refs.append(ref)
            }
        }
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("health-needs"), .value("Hearing loop QZXW"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("ethnic-origin")), actor: .tenant, channel: .kiosk))
        if centre {
            // A centre from before it named its own sealing key: it seals to the organisation's key.
            try t.tamper("INSERT INTO meta (key, value) VALUES ('role', 'centre'); DELETE FROM vault.meta WHERE key = 'sealing_key'")
            try t.db.record(register("T0000010", annValues))
            refs.append("T0000010")
        }
        return refs
    }

    static func specialValues(_ db: ConsentDatabase, _ refs: [TenantRef]) throws -> [String] {
        try refs.flatMap { ref in try special.map { "\(ref.rawValue) \($0.rawValue): \(String(describing: try db.tenantState(ref)?.value($0)))" } }
    }

    static func dataKeyIDs(_ db: ConsentDatabase) throws -> Set<String> {
        try db.read { d in Set(try String.fetchAll(d, sql: "SELECT key_id FROM vault.data_key WHERE key_id NOT LIKE 'org-%'")) }
    }

    @Test func valuesUnderSeveralKeysAreSealedAgainTheOldKeysAreGoneAndTheLedgerStillProvesThem() throws {
        let t = try TempDatabase()
        let refs = try Self.several(t, centre: true)
        let before = try Self.specialValues(t.db, refs)
        #expect(before.contains { $0.contains("Hearing loop QZXW") } && before.contains { $0.contains("erased") })
        let old = try Self.dataKeyIDs(t.db)
        #expect(old.count == 3, "\(old)")
        let sealedBefore = try t.db.read { d in try Int.fetchOne(d, sql: "SELECT count(*) FROM vault.value WHERE key_id LIKE 'dk-%'") ?? 0 }
        let keyFile = t.dir.appendingPathComponent("consent.key").path
        try KeyFile.create(t.key, at: keyFile)
        try t.db.close()

        let report = try ConsentDatabase.rotateDataKeys(at: t.path, validator: Shipped.content.validator, keyFile: keyFile, batchSize: 4)
        #expect(report.resealedValues == sealedBefore && !report.resumed)
        #expect(Set(report.destroyedDataKeys) == old && report.organisationSeals > 0 && report.keptDataKeys.isEmpty)
        #expect(report.newKeyID != t.key.id, "the key-encryption key is replaced as well")

        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: try KeyFile.read(keyFile))
        #expect(try Self.specialValues(t.db, refs) == before)
        let verify = try t.db.verify()
        #expect(verify.ok, "\(verify.problems)")
        #expect(try Self.dataKeyIDs(t.db) == [report.newDataKey])
        let used = try t.db.read { d in Set(try String.fetchAll(d, sql: "SELECT DISTINCT key_id FROM vault.value WHERE key_id LIKE 'dk-%'")) }
        #expect(used == [report.newDataKey])
        let status = try t.db.keyStatus(keyFile: keyFile, origin: "test")
        #expect(!status.rotationUnfinished && status.wrapsByKey.count == 1)
        try t.db.close()
        for file in ConsentDatabase.files(at: t.path) where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for id in old { #expect(bytes.range(of: Data(id.utf8)) == nil, "\(file) still holds the old data key id \(id)") }
        }
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: try KeyFile.read(keyFile))
    }

    @Test func aBackupFromBeforeOpensNothingWithTheKeysAfter() throws {
        let t = try TempDatabase()
        let refs = try Self.several(t)
        let before = try Self.specialValues(t.db, refs)
        let keyFile = t.dir.appendingPathComponent("consent.key").path
        try KeyFile.create(t.key, at: keyFile)
        try t.db.close()
        let backup = t.dir.appendingPathComponent("backup")
        try FileManager.default.createDirectory(at: backup, withIntermediateDirectories: true)
        for file in ConsentDatabase.files(at: t.path) where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.copyItem(atPath: file, toPath: backup.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent).path)
        }
        let copy = backup.appendingPathComponent("consent.sqlite").path

        _ = try ConsentDatabase.rotateDataKeys(at: t.path, validator: Shipped.content.validator, keyFile: keyFile)
        let newKey = try KeyFile.read(keyFile)
        #expect(throws: StoreError.self, "the new key-encryption key alone opens the backup's vault") {
            try ConsentDatabase.open(at: copy, validator: Shipped.content.validator, key: newKey)
        }
        // Everything held after the rotation: the new key-encryption key and the vault's wrapped keys, put into the backup.
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: newKey)
        let wraps = try t.db.read { d in try Row.fetchAll(d, sql: "SELECT key_id, kek_id, wrapped, created_at FROM vault.data_key") }
        let vault = try DatabaseQueue(path: ConsentDatabase.vaultPath(for: copy))
        try vault.write { d in
            for row in wraps {
                try d.execute(sql: "INSERT OR REPLACE INTO data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
                              arguments: [row["key_id"], row["kek_id"], row["wrapped"], row["created_at"]])
            }
        }
        try vault.close()
        let old = try ConsentDatabase.open(at: copy, validator: Shipped.content.validator, key: newKey)
        defer { try? old.close() }
        var opened: [String] = []
        for ref in refs {
            for attribute in Self.special {
                if case .held(.value(let text), _) = try old.tenantState(ref)?.value(attribute) { opened.append("\(ref.rawValue): \(text)") }
            }
        }
        #expect(opened.isEmpty, "the backup opened with the keys after the rotation: \(opened.prefix(3))")
        #expect(before.contains { $0.contains("QZXW") }, "the backup held values to find")
    }

    struct Crash: Error {}

    @Test func aRotationStoppedPartWayLeavesEveryValueReadableAndARerunFinishesIt() throws {
        let t = try TempDatabase()
        let refs = try Self.several(t, centre: true)
        let before = try Self.specialValues(t.db, refs)
        let old = try Self.dataKeyIDs(t.db)
        let keyFile = t.dir.appendingPathComponent("consent.key").path
        try KeyFile.create(t.key, at: keyFile)
        try t.db.close()

        var stoppedAt = 0
        #expect(throws: StoreError.self) {
            try ConsentDatabase.rotateDataKeys(at: t.path, validator: Shipped.content.validator, keyFile: keyFile, batchSize: 4) { done, _ in
                if done >= 8 { stoppedAt = done; throw Crash() }
            }
        }
        #expect(stoppedAt == 8)
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: try KeyFile.read(keyFile))
        #expect(try Self.specialValues(t.db, refs) == before, "a value did not open after the rotation stopped part-way")
        #expect(try t.db.verify().ok)
        let during = try Self.dataKeyIDs(t.db)
        #expect(during.isSuperset(of: old) && during.count == 4, "old keys are kept until nothing is sealed under them: \(during)")
        try t.db.close()

        let rerun = try ConsentDatabase.rotateDataKeys(at: t.path, validator: Shipped.content.validator, keyFile: keyFile, batchSize: 4)
        #expect(rerun.resumed && Set(rerun.destroyedDataKeys) == old && during.contains(rerun.newDataKey))
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: try KeyFile.read(keyFile))
        #expect(try Self.specialValues(t.db, refs) == before)
        let verify = try t.db.verify()
        #expect(verify.ok, "\(verify.problems)")
        #expect(try Self.dataKeyIDs(t.db) == [rerun.newDataKey])
    }
}

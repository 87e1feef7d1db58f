import ConsentCore
import ConsentVault
import Crypto
import Foundation
import GRDB

extension ConsentDatabase {
    /// Where a data-key rotation stands, in `vault.meta` (the same file as the keys and values, so each
    /// step commits with what it records): `reseal:<new data key>` while values are sealed again,
    /// then `rewrap:<old key-encryption key>` while the key-encryption key is replaced.
    static let dataKeyRotationMeta = "data_key_rotation"

    /// Replaces every data key this vault holds with one new data key, seals every value under them
    /// again under it, destroys the old ones, and then replaces the key-encryption key (``rotateKey(at:validator:keyFile:afterStep:)``),
    /// so that a backup from before opens nothing with the keys held after. Each step commits on its
    /// own and is recorded in `vault.meta`; killed anywhere, every value still opens with the key file
    /// as it is, and a rerun finishes the rotation begun. The organisation's key pair is not replaced
    /// (devices seal to its public key). Run it while nothing else writes to this database.
    /// `progress(done, total)` is called after each batch of `batchSize` values commits (tests throw
    /// from it to crash on purpose); `afterKeyStep` after each step of the key-encryption key's rotation.
    public static func rotateDataKeys(
        at path: String, validator: Validator, keyFile: String, batchSize: Int = 500,
        progress: (Int, Int) throws -> Void = { _, _ in }, afterKeyStep: (Int) -> Void = { _ in }
    ) throws(StoreError) -> DataKeyRotationReport {
        var db = try open(at: path, validator: validator, key: try KeyFile.read(keyFile))
        defer { try? db.close() }
        var state = try db.read { db in try String.fetchOne(db, sql: "SELECT value FROM vault.meta WHERE key = ?", arguments: [dataKeyRotationMeta]) }
        let resumed = state != nil
        if state == nil {
            if try db.keyRotationUnfinished(keyFile: keyFile) { // an interrupted `keys rotate`: finish it first
                try db.close()
                _ = try rotateKey(at: path, validator: validator, keyFile: keyFile)
                db = try open(at: path, validator: validator, key: try KeyFile.read(keyFile))
            }
            state = try db.write { d in
                guard let id = try db.keys.createDataKey(d, now: db.clock()) else { throw StoreError.keyUnavailable(reason: db.keys.missingReason ?? "no key") }
                try db.setRotationState(d, DataKeyRotationState.reseal(dataKey: id).text)
                return DataKeyRotationState.reseal(dataKey: id).text
            }
        }
        var report = DataKeyRotationReport(keyFile: keyFile, resumed: resumed)
        if case .reseal(let target)? = state.flatMap(DataKeyRotationState.init(text:)) {
            report.newDataKey = target
            try db.resealAll(under: target, batchSize: batchSize, report: &report, progress: progress)
            state = DataKeyRotationState.rewrap(oldKEK: db.keys.kek?.id ?? "").text
        } else {
            report.newDataKey = try db.read { d in
                try String.fetchOne(d, sql: "SELECT key_id FROM vault.data_key WHERE key_id NOT LIKE 'org-%' AND key_id NOT LIKE ? ORDER BY created_at DESC, key_id LIMIT 1",
                                    arguments: [PINKey.likePattern])
            } ?? ""
        }
        if case .rewrap(let oldKEK)? = state.flatMap(DataKeyRotationState.init(text:)) {
            let unfinished = try db.keyRotationUnfinished(keyFile: keyFile)
            let keyFileID = try KeyFile.read(keyFile).id
            try db.close()
            if unfinished || keyFileID == oldKEK {
                _ = try rotateKey(at: path, validator: validator, keyFile: keyFile, afterStep: afterKeyStep)
            }
            db = try open(at: path, validator: validator, key: try KeyFile.read(keyFile))
            try db.write { d in try d.execute(sql: "DELETE FROM vault.meta WHERE key = ?", arguments: [dataKeyRotationMeta]) }
            try db.compactVault()
        }
        report.newKeyID = db.keys.kek?.id ?? ""
        report.organisationSeals = try db.read { d in
            try Int.fetchOne(d, sql: "SELECT count(*) FROM vault.value WHERE key_id LIKE 'org-%'") ?? 0
        }
        return report
    }

    /// Whether a rotation of the key-encryption key was interrupted (`KEY.new` exists, or wraps under another key remain).
    private func keyRotationUnfinished(keyFile: String) throws(StoreError) -> Bool {
        if FileManager.default.fileExists(atPath: Self.pendingKeyPath(for: keyFile)) { return true }
        let kekID = keys.kek?.id ?? ""
        return try read { d in try Int.fetchOne(d, sql: "SELECT count(*) FROM vault.data_key WHERE kek_id != ?", arguments: [kekID]) ?? 0 } > 0
    }

    private func setRotationState(_ db: Database, _ value: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO vault.meta (key, value) VALUES (?, ?)", arguments: [Self.dataKeyRotationMeta, value])
    }

    /// Seals every value under the other data keys held here again under `target`, batch by batch,
    /// then deletes those keys (overwritten on disk: `secure_delete`) and moves on to the key-encryption key.
    private func resealAll(under target: String, batchSize: Int, report: inout DataKeyRotationReport,
                           progress: (Int, Int) throws -> Void) throws(StoreError) {
        guard let key = keys.key(target) else {
            throw .rotationStuck(reason: "the new data key \(target) does not open with this key file")
        }
        let retiring = keys.heldDataKeyIDs.filter { $0 != target }
        let list = retiring.map { _ in "?" }.joined(separator: ",")
        let total = retiring.isEmpty ? 0 : try read { d in
            try Int.fetchOne(d, sql: "SELECT count(*) FROM vault.value WHERE key_id IN (\(list))", arguments: StatementArguments(retiring)) ?? 0
        }
        do { try queue.writeWithoutTransaction { d in try d.execute(sql: "PRAGMA vault.secure_delete = ON") } } catch { throw Self.map(error) }
        var done = 0
        do { try progress(done, total) } catch { throw Self.map(error) }
        var after: ValuePosition? = nil
        while !retiring.isEmpty {
            let (count, last) = try write { d in
                try resealBatch(d, keys: retiring, list: list, under: (target, key), after: after, limit: batchSize)
            }
            guard count > 0 else { break }
            after = last
            done += count
            report.resealedValues += count
            do { try progress(done, total) } catch { throw Self.map(error) }
        }
        let kekID = keys.kek?.id ?? ""
        report.destroyedDataKeys = try write { d in
            // Nothing may be left under a key about to go (checked in the transaction that deletes it). The PIN key
            // stays: every PIN hash depends on it, and a PIN cannot be hashed again without the tenant typing it.
            let left = retiring.isEmpty ? [] : try String.fetchAll(d, sql: "SELECT DISTINCT key_id FROM vault.value WHERE key_id IN (\(list))",
                                                                   arguments: StatementArguments(retiring))
            guard left.isEmpty else { throw StoreError.rotationStuck(reason: "values under \(left.joined(separator: ", ")) were written during the rotation") }
            let gone = try String.fetchAll(d, sql: "SELECT DISTINCT key_id FROM vault.data_key WHERE key_id != ? AND key_id NOT LIKE 'org-%' AND key_id NOT LIKE ? AND kek_id = ?",
                                           arguments: [target, PINKey.likePattern, kekID]).filter { !keys.broken.contains($0) }
            for id in gone { try d.execute(sql: "DELETE FROM vault.data_key WHERE key_id = ?", arguments: [id]) }
            try setRotationState(d, DataKeyRotationState.rewrap(oldKEK: kekID).text)
            return gone
        }
        report.keptDataKeys = try read { d in
            try String.fetchAll(d, sql: "SELECT DISTINCT key_id FROM vault.value WHERE key_id IS NOT NULL AND key_id NOT LIKE 'org-%' AND key_id != ?",
                                arguments: [target])
        }
        try truncateVaultLog()
    }

    /// Seals up to `limit` values under `keys` again under `target` (same salt, same associated data,
    /// so the ledger's digests still prove them); returns how many.
    /// A vault value's primary key, where the next batch of a rotation starts after.
    private typealias ValuePosition = (deviceNo: Int64, sequence: Int64, attribute: String)

    /// Seals up to `limit` values under the target key, in primary-key order from `after`: each batch
    /// continues where the last stopped instead of scanning again past the values already done (the
    /// vault has no index on `key_id`). A rerun after a crash starts from the beginning once.
    private func resealBatch(_ db: Database, keys retiring: [String], list: String, under target: (id: String, key: DataKey),
                             after: ValuePosition?, limit: Int) throws -> (count: Int, last: ValuePosition?) {
        let start = after ?? (Int64.min, Int64.min, "")
        let rows = try Row.fetchAll(db, sql: """
            SELECT v.device_no, v.device_seq, v.attribute_id, v.key_id, v.sealed, t.ref, d.id AS device
            FROM vault.value v JOIN tenant t ON t.id = v.tenant_id JOIN device d ON d.no = v.device_no
            WHERE (v.device_no, v.device_seq, v.attribute_id) > (?, ?, ?) AND v.key_id IN (\(list)) AND v.sealed IS NOT NULL
            ORDER BY v.device_no, v.device_seq, v.attribute_id LIMIT ?
            """, arguments: [start.deviceNo, start.sequence, start.attribute] + StatementArguments(retiring) + [limit])
        let update = try db.makeStatement(sql: """
            UPDATE vault.value SET key_id = ?, sealed = ? WHERE device_no = ? AND device_seq = ? AND attribute_id = ?
            """)
        for row in rows {
            let keyID: String = row["key_id"], sequence: Int64 = row["device_seq"], attribute = AttributeID(row["attribute_id"] as String)
            let tenant = TenantRef(row["ref"] as String), event = EventID(device: DeviceID(row["device"] as String), sequence: sequence)
            let associatedData = Sealing.associatedData(tenant: tenant, attribute: attribute, event: event)
            guard let oldKey = keys.key(keyID),
                  let sealed = try Sealing.reseal(row["sealed"] as Data, from: oldKey, to: target.key, associatedData: associatedData)
            else {
                throw StoreError.rotationStuck(reason: "the \(attribute.rawValue) value of \(tenant.rawValue) (event \(event.device.rawValue)/\(sequence)) does not open under \(keyID)")
            }
            try update.execute(arguments: [target.id, sealed, row["device_no"] as Int64, sequence, attribute.rawValue])
        }
        return (rows.count, rows.last.map { ($0["device_no"] as Int64, $0["device_seq"] as Int64, $0["attribute_id"] as String) })
    }

    /// Checkpoints the vault's WAL and truncates it, so pages with old keys and seals do not linger there.
    private func truncateVaultLog() throws(StoreError) {
        do { try queue.writeWithoutTransaction { d in try d.execute(sql: "PRAGMA vault.wal_checkpoint(TRUNCATE)") } } catch { throw Self.map(error) }
    }

    /// Rewrites the vault file with only what it holds now (`VACUUM`), so no free page keeps a deleted
    /// key or an old seal (the key-encryption key's rotation deletes wraps without `secure_delete`), and
    /// truncates its WAL.
    private func compactVault() throws(StoreError) {
        do { try queue.writeWithoutTransaction { d in try d.execute(sql: "VACUUM vault") } } catch { throw Self.map(error) }
        try truncateVaultLog()
    }
}

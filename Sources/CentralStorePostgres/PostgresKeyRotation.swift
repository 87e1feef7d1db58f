import CentralStore
import ConsentCore
import ConsentVault
import Crypto
import Foundation
import PostgresNIO
import SyncProtocol

/// `consent keys rotate --data-keys` at a PostgreSQL centre, in the steps of a SQLite one
/// (`ConsentDatabase.rotateDataKeys`), with the same pure parts (`Sealing.reseal`, `Sealing.rewraps`,
/// ``DataKeyRotationState``): a new data key is made and recorded in `key_rotation`; every value under
/// the old data keys is sealed again under it in batches, one transaction each; the old data keys are
/// deleted in the transaction that finds no value left under them; then the key-encryption key is
/// replaced (`KEY.new` written, every key in `data_key` wrapped by both, `KEY.new` renamed over the key,
/// the old wraps deleted). Killed anywhere, every value opens with the key file as it is, and a rerun
/// finishes what was begun.
extension PostgresCentralStore {
    /// Replaces the data keys held here with one new data key, seals every value under them again under
    /// it, destroys them, and replaces the key-encryption key in `slot`, so a copy of the database and
    /// key file from before opens nothing with the keys held after (and the new key opens nothing in
    /// the copy). The organisation's key pair is not replaced (devices seal to its public key); its
    /// private half is wrapped by the new key-encryption key. Run it while no server writes to the
    /// centre; a second rotation at once is refused. `progress(done, total)` is called after each batch
    /// of `batchSize` values commits (tests throw from it to stop part-way); `afterKeyStep` after each
    /// step of the key-encryption key's replacement (1 to 4, as for a SQLite database).
    /// Throws ``StoreError`` (a wrong key file, a rotation that cannot go on and why) or
    /// ``CentralStoreError/storage(_:)`` for the database.
    public func rotateDataKeys(keys slot: some KeyEncryptionKeySlot, batchSize: Int = 500,
                               progress: (Int, Int) throws -> Void = { _, _ in },
                               afterKeyStep: (Int) -> Void = { _ in }) async throws -> DataKeyRotationReport {
        do {
            return try await client.withConnection { connection in
                let rotation = KeyRotationRun(connection: connection, logger: self.logger)
                guard try await Self.first(Bool.self, "SELECT pg_try_advisory_lock(7453003)", on: connection, logger: self.logger) == true else {
                    throw StoreError.rotationStuck(reason: "another `consent keys rotate --data-keys` is running against this centre")
                }
                do {
                    let report = try await rotation.run(slot, batchSize: max(1, batchSize), progress: progress, afterKeyStep: afterKeyStep)
                    _ = try? await connection.query("SELECT pg_advisory_unlock(7453003)", logger: self.logger)
                    return report
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    _ = try? await connection.query("SELECT pg_advisory_unlock(7453003)", logger: self.logger)
                    throw error
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as CentralStoreError {
            throw error
        } catch {
            throw CentralStoreError.storage(Self.describe(error))
        }
    }
}

/// One rotation's work on one connection (which holds the advisory lock that keeps a second one out).
private struct KeyRotationRun {
    let connection: PostgresConnection
    let logger: Logger
    typealias WrappedKey = (keyID: String, kekID: String, wrapped: Data)

    nonisolated(nonsending) func run(_ slot: some KeyEncryptionKeySlot, batchSize: Int, progress: (Int, Int) throws -> Void,
             afterKeyStep: (Int) -> Void) async throws -> DataKeyRotationReport {
        var state = try await recordedState()
        var report = DataKeyRotationReport(keyFile: slot.path, resumed: state != nil)
        if state == nil {
            if try await keyRotationUnfinished(slot) { try await replaceKeyEncryptionKey(slot) } // an interrupted one: finish it first
            state = try await begin(kek: try slot.current())
        }
        if case .reseal(let target)? = state {
            report.newDataKey = target
            try await resealAll(under: target, kek: try slot.current(), batchSize: batchSize, report: &report, progress: progress)
            state = try await recordedState()
        } else {
            report.newDataKey = try await first(String.self, """
                SELECT key_id FROM data_key WHERE key_id NOT LIKE 'org-%' ORDER BY created_at DESC, key_id LIMIT 1
                """) ?? ""
        }
        if case .rewrap(let oldKEK)? = state {
            if try await keyRotationUnfinished(slot) || (try slot.current()).id == oldKEK {
                try await replaceKeyEncryptionKey(slot, afterStep: afterKeyStep)
            }
            _ = try? await query("VACUUM FULL data_key") // no dead row keeps an old wrap (needs the table's owner; the wraps are useless without the old key anyway)
            try await query("DELETE FROM key_rotation")
        }
        report.newKeyID = try slot.current().id
        report.organisationSeals = Int(try await first(Int64.self, """
            SELECT count(*) FROM sealed_value WHERE key_id LIKE 'org-%' AND sealed IS NOT NULL
            """) ?? 0)
        return report
    }

    // MARK: the data keys

    /// Checks that `kek` is this centre's key (it opens the data keys and the organisation's private
    /// key), then makes the new data key and records that values are being sealed under it.
    private nonisolated(nonsending) func begin(kek: KeyEncryptionKey) async throws -> DataKeyRotationState {
        let held = try await dataKeys()
        let opener = try SealedValueOpener(kek: kek, dataKeys: held)
        if let organisation = try await PostgresCentralStore.organisationPublicKey(on: connection, logger: logger),
           opener.organisationKeyID != organisation.id {
            throw StoreError.wrongKey(source: kek.source)
        }
        let (id, key) = Sealing.newDataKey()
        let state = DataKeyRotationState.reseal(dataKey: id)
        try await inTransaction {
            try await query("""
                INSERT INTO data_key (key_id, kek_id, wrapped, created_at)
                VALUES (\(id), \(kek.id), \(try Sealing.wrap(key, id: id, with: kek)), \(PostgresCentralStore.wallClockNow()))
                """)
            try await query("INSERT INTO key_rotation (state) VALUES (\(state.text))")
        }
        return state
    }

    /// Seals every value under the other data keys that `kek` opens again under `target`, batch by batch
    /// in primary-key order, then deletes those keys and records that the key-encryption key is next.
    private nonisolated(nonsending) func resealAll(under target: String, kek: KeyEncryptionKey, batchSize: Int, report: inout DataKeyRotationReport,
                           progress: (Int, Int) throws -> Void) async throws {
        let unwrapped = try Sealing.unwrapAll(try await dataKeys(), with: kek).keys
        let keys = Dictionary(unwrapped.map { ($0.id, DataKey($0.key)) }, uniquingKeysWith: { first, _ in first })
        guard let targetKey = keys[target] else {
            throw StoreError.rotationStuck(reason: "the new data key \(target) does not open with the key file \(kek.source)")
        }
        let retiring = keys.keys.filter { $0 != target && !$0.hasPrefix("org-") }.sorted()
        let total = Int(try await first(Int64.self, """
            SELECT count(*) FROM sealed_value WHERE key_id = ANY(\(retiring)) AND sealed IS NOT NULL
            """) ?? 0)
        var done = 0
        try progress(done, total)
        var after: (deviceNo: Int64, sequence: Int64, attribute: String) = (Int64.min, Int64.min, "")
        while !retiring.isEmpty {
            let (count, last) = try await inTransaction {
                try await resealBatch(retiring, keys: keys, under: (target, targetKey), after: after, limit: batchSize)
            }
            guard count > 0, let last else { break }
            after = last
            done += count
            report.resealedValues += count
            try progress(done, total)
        }
        report.destroyedDataKeys = try await inTransaction {
            // Nothing may be left under a key about to go: checked with writes to the values held off.
            try await query("LOCK TABLE sealed_value IN SHARE MODE")
            var left: [String] = []
            for try await id in try await connection.query("""
                SELECT DISTINCT key_id FROM sealed_value WHERE key_id = ANY(\(retiring)) AND sealed IS NOT NULL ORDER BY key_id
                """, logger: logger).decode(String.self) { left.append(id) }
            guard left.isEmpty else {
                throw StoreError.rotationStuck(reason: "values under \(left.joined(separator: ", ")) were written during the rotation")
            }
            var gone: Set<String> = []
            for try await id in try await connection.query("DELETE FROM data_key WHERE key_id = ANY(\(retiring)) RETURNING key_id",
                                                           logger: logger).decode(String.self) { gone.insert(id) }
            try await query("UPDATE key_rotation SET state = \(DataKeyRotationState.rewrap(oldKEK: kek.id).text)")
            return gone.sorted()
        }
        for try await id in try await connection.query("""
            SELECT DISTINCT key_id FROM sealed_value WHERE sealed IS NOT NULL AND key_id NOT LIKE 'org-%' AND key_id <> \(target) ORDER BY key_id
            """, logger: logger).decode(String.self) { report.keptDataKeys.append(id) }
    }

    /// Seals up to `limit` values under `retiring` keys after `after` again under `target` (same salt and
    /// associated data, so the ledger's digests still prove them); returns how many and the last one's key.
    private nonisolated(nonsending) func resealBatch(_ retiring: [String], keys: [String: DataKey], under target: (id: String, key: DataKey),
                             after: (deviceNo: Int64, sequence: Int64, attribute: String),
                             limit: Int) async throws -> (Int, (deviceNo: Int64, sequence: Int64, attribute: String)?) {
        var numbers: [Int64] = [], sequences: [Int64] = [], attributes: [String] = [], sealed: [ByteBuffer] = []
        for try await (number, sequence, attribute, keyID, blob, ref, device) in try await connection.query("""
            SELECT s.device_no, s.device_seq, s.attribute_id, s.key_id, s.sealed, t.ref, d.id
            FROM sealed_value s JOIN tenant t ON t.id = s.tenant_id JOIN device d ON d.no = s.device_no
            WHERE (s.device_no, s.device_seq, s.attribute_id) > (\(after.deviceNo), \(after.sequence), \(after.attribute))
              AND s.key_id = ANY(\(retiring)) AND s.sealed IS NOT NULL
            ORDER BY s.device_no, s.device_seq, s.attribute_id LIMIT \(Int64(limit)) FOR UPDATE OF s
            """, logger: logger).decode((Int64, Int64, String, String, Data, String, String).self) {
            let event = EventID(device: DeviceID(device), sequence: sequence)
            let associatedData = Sealing.associatedData(tenant: TenantRef(ref), attribute: AttributeID(attribute), event: event)
            guard let old = keys[keyID], let again = try Sealing.reseal(blob, from: old, to: target.key, associatedData: associatedData) else {
                throw StoreError.rotationStuck(reason: "the \(attribute) value of \(ref) (event \(device)/\(sequence)) does not open under \(keyID)")
            }
            numbers.append(number)
            sequences.append(sequence)
            attributes.append(attribute)
            sealed.append(ByteBuffer(bytes: again))
        }
        guard let lastNumber = numbers.last, let lastSequence = sequences.last, let lastAttribute = attributes.last else { return (0, nil) }
        try await query("""
            UPDATE sealed_value s SET key_id = \(target.id), sealed = x.b
            FROM unnest(\(numbers), \(sequences), \(attributes), \(sealed)) AS x(n, q, a, b)
            WHERE s.device_no = x.n AND s.device_seq = x.q AND s.attribute_id = x.a
            """)
        return (numbers.count, (lastNumber, lastSequence, lastAttribute))
    }

    // MARK: the key-encryption key

    /// Whether a replacement of the key-encryption key was interrupted: the next key is written, or
    /// keys wrapped by the current one are still wrapped by another too.
    private nonisolated(nonsending) func keyRotationUnfinished(_ slot: some KeyEncryptionKeySlot) async throws -> Bool {
        if try slot.pending() != nil { return true }
        let kek = try slot.current().id
        return try await first(Int64.self, """
            SELECT count(*) FROM data_key WHERE kek_id <> \(kek) AND key_id IN (SELECT key_id FROM data_key WHERE kek_id = \(kek))
            """) ?? 0 > 0
    }

    /// Replaces the key-encryption key in `slot` and re-wraps every key in `data_key`, in the steps of a
    /// SQLite database's `rotateKey` (each safe to interrupt; a rerun finishes an interrupted one).
    private nonisolated(nonsending) func replaceKeyEncryptionKey(_ slot: some KeyEncryptionKeySlot, afterStep: (Int) -> Void = { _ in }) async throws {
        let current = try slot.current()
        let target: KeyEncryptionKey
        if let pending = try slot.pending() {
            target = pending
        } else if try await keyRotationUnfinished(slot) { // interrupted after the rename: only the old wraps are left to drop
            try await query("DELETE FROM data_key WHERE kek_id <> \(current.id) AND key_id IN (SELECT key_id FROM data_key WHERE kek_id = \(current.id))")
            return afterStep(4)
        } else {
            target = try slot.makePending()
        }
        afterStep(1)
        try await inTransaction {
            let rows = try await dataKeys()
            _ = try Sealing.unwrapAll(rows, with: current) // throws when the key file is not this centre's
            let plan = try Sealing.rewraps(of: rows, from: current, to: target)
            for wrap in plan.wraps {
                try await query("""
                    INSERT INTO data_key (key_id, kek_id, wrapped, created_at)
                    VALUES (\(wrap.keyID), \(target.id), \(wrap.wrapped), \(PostgresCentralStore.wallClockNow()))
                    """)
            }
        }
        afterStep(2)
        try slot.promotePending()
        afterStep(3)
        try await query("DELETE FROM data_key WHERE kek_id <> \(target.id) AND key_id IN (SELECT key_id FROM data_key WHERE kek_id = \(target.id))")
        afterStep(4)
    }

    // MARK: helpers

    private nonisolated(nonsending) func recordedState() async throws -> DataKeyRotationState? {
        guard let text = try await first(String.self, "SELECT state FROM key_rotation") else { return nil }
        guard let state = DataKeyRotationState(text: text) else {
            throw StoreError.rotationStuck(reason: "table key_rotation holds \(text.debugDescription), which this program does not know")
        }
        return state
    }

    private nonisolated(nonsending) func dataKeys() async throws -> [WrappedKey] {
        var rows: [WrappedKey] = []
        for try await (id, kek, wrapped) in try await connection.query("SELECT key_id, kek_id, wrapped FROM data_key ORDER BY key_id, kek_id",
                                                                     logger: logger).decode((String, String, Data).self) {
            rows.append((id, kek, wrapped))
        }
        return rows
    }

    private nonisolated(nonsending) func inTransaction<T>(_ body: () async throws -> T) async throws -> T {
        try await query("BEGIN")
        let result = try await body()
        try await query("COMMIT")
        return result
    }

    private nonisolated(nonsending) func query(_ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger)
    }

    private nonisolated(nonsending) func first<T: PostgresDecodable & Sendable>(_ type: T.Type, _ query: PostgresQuery) async throws -> T? {
        try await PostgresCentralStore.first(type, query, on: connection, logger: logger)
    }
}

import ConsentCore
import Crypto
import Foundation
import GRDB
import SyncProtocol

/// The vault's data keys that this process could unwrap with its key-encryption key. Without a
/// key-encryption key the ring is empty: sealed values read as ``ValueState/unavailable(source:)``
/// and recording a new special-category value is refused; nothing stored is touched.
package final class VaultKeyring: @unchecked Sendable {
    package let kek: KeyEncryptionKey?
    /// Why there is no key-encryption key (shown to the user), when there is none.
    let missingReason: String?
    private let lock = NSLock()
    private var keys: [String: SymmetricKey] = [:]
    private var sealingID: String?
    private var brokenIDs: [String] = []

    /// Data keys in the vault that name this key-encryption key but do not open with it (forged by
    /// a device or damaged): values under them read as unavailable.
    var broken: [String] {
        lock.lock()
        defer { lock.unlock() }
        return brokenIDs
    }

    init(kek: KeyEncryptionKey?, missingReason: String? = nil) {
        self.kek = kek
        self.missingReason = kek == nil ? (missingReason ?? "no key-encryption key was given") : nil
    }

    /// The data key with this id, if this process holds it.
    func key(_ id: String) -> SymmetricKey? {
        lock.lock()
        defer { lock.unlock() }
        return keys[id]
    }

    /// The data key new values are sealed with (the newest one held).
    func sealingKey() throws(StoreError) -> (id: String, key: SymmetricKey) {
        lock.lock()
        defer { lock.unlock() }
        guard let sealingID, let key = keys[sealingID] else { throw .keyUnavailable(reason: missingReason ?? "no data key") }
        return (sealingID, key)
    }

    /// Opens a sealed value of `tenant`'s `attribute` recorded by `event`; nil when this process has
    /// no key for it or it does not open.
    func open(_ sealed: Data, keyID: String, tenant: TenantRef, attribute: AttributeID, event: EventID) -> (salt: Data, value: AttributeValue)? {
        guard let key = key(keyID) else { return nil }
        return Sealing.open(sealed, key: key, tenant: tenant, attribute: attribute, event: event)
    }

    /// Unwraps the data keys wrapped by this process's key-encryption key. Throws ``StoreError/wrongKey(source:)``
    /// when the vault has data keys but none for this key. Returns false when the vault has no data key
    /// that opens yet (none, or only broken ones), so that one is made.
    func load(_ db: Database) throws -> Bool {
        guard let kek else { return true }
        let rows = try Row.fetchAll(db, sql: "SELECT key_id, kek_id, wrapped FROM vault.data_key ORDER BY created_at, key_id")
            .map { (keyID: $0["key_id"] as String, kekID: $0["kek_id"] as String, wrapped: $0["wrapped"] as Data) }
        guard !rows.isEmpty else { return false }
        let found = try Sealing.unwrapAll(rows, with: kek)
        lock.lock()
        defer { lock.unlock() }
        for (id, key) in found.keys { keys[id] = key }
        sealingID = found.keys.last?.id
        brokenIDs = found.broken
        return sealingID != nil
    }

    /// Creates the vault's first data key, wrapped by this process's key-encryption key.
    func createDataKey(_ db: Database, now: Date) throws {
        guard let kek else { return }
        let id = "dk-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let key = SymmetricKey(size: .bits256)
        try db.execute(sql: "INSERT INTO vault.data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [id, kek.id, try Sealing.wrap(key, id: id, with: kek), Millis.from(now)])
        lock.lock()
        defer { lock.unlock() }
        keys[id] = key
        sealingID = id
    }
}

/// A special-category value ready for the vault.
struct SealedRow {
    var deviceNo: Int64
    var sequence: Int64
    var attribute: String
    var tenantID: Int64
    /// Nil for a value erased before it reached this side.
    var keyID: String?
    var sealed: Data?
    var preferNot: Bool
    var digest: Data
}

/// A second connection, to the vault file alone. SQLite commits a transaction over attached WAL
/// databases file by file, main file first, so a crash between the two could keep a ledger event
/// and lose its special-category value. Vault rows are therefore committed through this connection
/// first, while the main transaction that refers to them is still open and holds the main file's
/// write lock (so no other writer can take the same sequence numbers); erasures go the other way
/// (the main file records them, then the vault forgets the values; see ``ConsentDatabase/applyDueErasures()``).
package final class VaultWriter: Sendable {
    let queue: DatabaseQueue

    init(path: String) throws {
        var config = Configuration.durableWAL()
        config.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: config)
    }

    /// Commits sealed rows (replacing leftovers of a transaction that never committed).
    func commit(_ rows: [SealedRow]) throws {
        guard !rows.isEmpty else { return }
        try queue.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO value (device_no, device_seq, attribute_id, tenant_id, key_id, sealed, prefer_not, digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in rows {
                try insert.execute(arguments: [r.deviceNo, r.sequence, r.attribute, r.tenantID, r.keyID, r.sealed, r.preferNot, r.digest])
            }
        }
    }

    /// Stores data keys received from elsewhere, wrapped as they came (kept if already known).
    func addDataKeys(_ keys: [WireDataKey], now: Date) throws {
        guard !keys.isEmpty else { return }
        try queue.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)
                """)
            for k in keys { try insert.execute(arguments: [k.keyID, k.kekID, k.wrapped, Millis.from(now)]) }
        }
    }

    /// Removes rows of `deviceNo` after `sequence`: left by a transaction that crashed or rolled back
    /// after its vault rows were committed. Call only while holding the main file's write lock.
    func removeUncommitted(deviceNo: Int64, after sequence: Int64) throws {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM value WHERE device_no = ? AND device_seq > ?", arguments: [deviceNo, sequence])
        }
    }

    /// Forgets erased values: the sealed value (and the salt inside it) goes, the digest stays.
    func erase(_ keys: [(deviceNo: Int64, sequence: Int64, attribute: String)]) throws {
        try queue.write { db in
            let update = try db.makeStatement(sql: "UPDATE value SET sealed = NULL, key_id = NULL WHERE device_no = ? AND device_seq = ? AND attribute_id = ?")
            for k in keys { try update.execute(arguments: [k.deviceNo, k.sequence, k.attribute]) }
        }
    }

    func close() throws { try queue.close() }
}

import ConsentCore
import ConsentVault
import Crypto
import Foundation
import GRDB
import SyncProtocol

/// The vault's data keys that this process could unwrap with its key-encryption key, and the
/// organisation's key pair as far as this database holds it. Without a key-encryption key the ring
/// holds no data key: values sealed with one read as ``ValueState/unavailable(source:)``. A device
/// holds only the organisation's public key: it seals new special-category values to it (HPKE) and
/// opens none of them; the centre holds the private key (wrapped in its vault) and opens both kinds.
package final class VaultKeyring: @unchecked Sendable {
    package let kek: KeyEncryptionKey?
    /// Why there is no key-encryption key (shown to the user), when there is none.
    let missingReason: String?
    private let lock = NSLock()
    private var keys: [String: DataKey] = [:]
    private var sealingID: String?
    /// Whether `sealingID` is the data key this database made for its own seals (named in
    /// `vault.meta` as `sealing_key`), not one a device pushed: a device that pushed a key holds it.
    private var sealingKeyIsOwn = false
    private var brokenIDs: [String] = []
    private var organisationPublic: OrganisationPublicKey?
    private var organisationPrivate: OrganisationPrivateKey?
    private var pinKeys: [String: PINKey] = [:]
    private var newHashesPINKey: String?

    /// How a new special-category value is sealed.
    enum Sealer {
        /// AES-GCM under a data key of this vault (the centre with its key-encryption key, and a
        /// database not enrolled with a centre that has an organisation key): about 1 µs to open.
        case dataKey(id: String, key: DataKey)
        /// HPKE to the organisation's public key (a device, and a centre without its key-encryption
        /// key): an X25519 to open, about 50 µs.
        case organisation(OrganisationPublicKey)
    }

    /// Data keys in the vault that name this key-encryption key but do not open with it (forged by
    /// a device or damaged): values under them read as unavailable.
    var broken: [String] {
        lock.lock()
        defer { lock.unlock() }
        return brokenIDs
    }

    /// The organisation's public key new values are sealed to, if this database has one.
    package var organisationKey: OrganisationPublicKey? {
        lock.lock()
        defer { lock.unlock() }
        return organisationPublic
    }

    /// Whether this database seals special-category values for the centre and cannot open them
    /// (a device): values it cannot open are then expected, not damage.
    var sealsForCentre: Bool {
        lock.lock()
        defer { lock.unlock() }
        return organisationPublic != nil && organisationPrivate == nil
    }

    /// Whether this process holds the organisation's private key (a centre with its key-encryption key).
    var opensOrganisationSeals: Bool {
        lock.lock()
        defer { lock.unlock() }
        return organisationPrivate != nil
    }

    init(kek: KeyEncryptionKey?, missingReason: String? = nil) {
        self.kek = kek
        self.missingReason = kek == nil ? (missingReason ?? "no key-encryption key was given") : nil
    }

    /// The data key with this id, if this process holds it.
    func key(_ id: String) -> DataKey? {
        lock.lock()
        defer { lock.unlock() }
        return keys[id]
    }

    /// How new values are sealed: under this database's data key (the one `vault.meta` names as
    /// `sealing_key`; in a vault from before that, the newest held), unless this database seals for
    /// the centre (a device: to the organisation's public key, which it cannot open). The centre
    /// holding its key-encryption key seals its own values under its data key too: that key and the
    /// organisation's private key are wrapped by the same key-encryption key, so neither seal is
    /// weaker, and a data key's seal (AES-GCM) opens without an X25519 (``Sealer/dataKey(id:key:)``).
    /// Only under a key the centre made itself: one a device pushed, that device holds, and values
    /// the centre seals reach devices by pull. A centre from before this keeps sealing to the
    /// organisation's key until its next `consent keys rotate --data-keys` makes it its own key.
    func sealer() throws(StoreError) -> Sealer {
        lock.lock()
        defer { lock.unlock() }
        if let sealingID, let key = keys[sealingID], organisationPublic == nil || (organisationPrivate != nil && sealingKeyIsOwn) {
            return .dataKey(id: sealingID, key: key)
        }
        if let organisationPublic { return .organisation(organisationPublic) }
        throw .keyUnavailable(reason: missingReason ?? "no data key")
    }

    /// Opens a sealed value of `tenant`'s `attribute` recorded by `event`; nil when this process has
    /// no key for it or it does not open.
    func open(_ sealed: Data, keyID: String, tenant: TenantRef, attribute: AttributeID, event: EventID) -> (salt: Data, value: AttributeValue)? {
        guard let plain = openPlain(sealed, keyID: keyID, associatedData: Sealing.associatedData(tenant: tenant, attribute: attribute, event: event)),
              let value = Sealing.value(of: plain)
        else { return nil }
        return (Data(plain.prefix(Sealing.saltBytes)), value)
    }

    /// Opens a value sealed to the organisation's key; nil without its private key or when it does not open.
    func openOrganisationSeal(_ sealed: some DataProtocol, associatedData: Data) -> AttributeValue? {
        lock.lock()
        let privateKey = organisationPrivate
        lock.unlock()
        guard let privateKey else { return nil }
        return OrganisationSeal.openPlain(sealed, key: privateKey, associatedData: associatedData).flatMap(Sealing.value(of:))
    }

    /// At the centre: a value a device sealed to the organisation's key, sealed again under the
    /// centre's own data key (the same salt, value and associated data, so its digest proves it as
    /// before), so that every later opening costs no X25519. Nil where this process holds no private
    /// key or own data key (see ``sealer()``), or the seal does not open: it is then kept as it came,
    /// and `ledger verify` names it.
    func resealedForCentre(_ sealed: Data, keyID: String, associatedData: Data) -> (keyID: String, sealed: Data)? {
        guard OrganisationPublicKey.isOrganisationKeyID(keyID) else { return nil }
        lock.lock()
        let privateKey = organisationPrivate
        let own = sealingKeyIsOwn ? sealingID.flatMap { id in keys[id].map { (id: id, key: $0) } } : nil
        lock.unlock()
        guard let privateKey, privateKey.publicKey.id == keyID, let own,
              let plain = OrganisationSeal.openPlain(sealed, key: privateKey, associatedData: associatedData),
              let value = Sealing.value(of: plain),
              let resealed = try? Sealing.seal(value, salt: Data(plain.prefix(Sealing.saltBytes)), key: own.key, associatedData: associatedData)
        else { return nil }
        return (own.id, resealed)
    }

    /// Whether a value sealed under `keyID` is left to the centre here: this process cannot open it, and
    /// it was sealed for the centre (by this device, or to the organisation's key by anyone; a device
    /// enrolled with a centre that gave it no public key still pulls such values).
    func leavesToCentre(_ keyID: String) -> Bool {
        (sealsForCentre || OrganisationPublicKey.isOrganisationKeyID(keyID)) && !holdsKey(keyID)
    }

    /// Whether this process could open a value sealed under `keyID` (it holds that data key, or the
    /// organisation's private key for an organisation seal).
    func holdsKey(_ keyID: String) -> Bool {
        if OrganisationPublicKey.isOrganisationKeyID(keyID) {
            lock.lock()
            defer { lock.unlock() }
            return organisationPrivate?.publicKey.id == keyID
        }
        return key(keyID) != nil
    }

    private func openPlain(_ sealed: Data, keyID: String, associatedData: Data) -> Data? {
        if OrganisationPublicKey.isOrganisationKeyID(keyID) {
            lock.lock()
            let privateKey = organisationPrivate
            lock.unlock()
            guard let privateKey, privateKey.publicKey.id == keyID else { return nil }
            return OrganisationSeal.openPlain(sealed, key: privateKey, associatedData: associatedData)
        }
        guard let key = key(keyID) else { return nil }
        return Sealing.openPlain(sealed, key: key, associatedData: associatedData)
    }

    /// Reads the organisation's public key from `meta` and unwraps the vault's keys wrapped by this
    /// process's key-encryption key (data keys, and the organisation's private key at the centre).
    /// Throws ``StoreError/wrongKey(source:)`` when the vault has keys but none for this key. Returns
    /// false when the vault has no data key that opens yet (none, or only broken ones), so that one is made.
    func load(_ db: Database) throws -> Bool {
        if let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'org_public_key'") {
            let key = try OrganisationPublicKey(base64: text)
            lock.lock()
            organisationPublic = key
            lock.unlock()
        }
        guard let kek else { return true }
        let rows = try Row.fetchAll(db, sql: "SELECT key_id, kek_id, wrapped FROM vault.data_key ORDER BY created_at, key_id")
            .map { (keyID: $0["key_id"] as String, kekID: $0["kek_id"] as String, wrapped: $0["wrapped"] as Data) }
        guard !rows.isEmpty else { return false }
        let found = try Sealing.unwrapAll(rows, with: kek)
        let ownSealingKey = try String.fetchOne(db, sql: "SELECT value FROM vault.meta WHERE key = 'sealing_key'")
        lock.lock()
        defer { lock.unlock() }
        var dataKeys: [(id: String, key: SymmetricKey)] = []
        var broken = found.broken
        for (id, key) in found.keys {
            if OrganisationPublicKey.isOrganisationKeyID(id) {
                guard let privateKey = OrganisationPrivateKey(unwrapped: key, id: id) else { broken.append(id); continue }
                organisationPrivate = privateKey
            } else if id.hasPrefix(PINKey.prefix) {
                holdPINKey(PINKey(id: id, key: key))
            } else {
                keys[id] = DataKey(key)
                dataKeys.append((id, key))
            }
        }
        if let own = ownSealingKey, keys[own] != nil {
            (sealingID, sealingKeyIsOwn) = (own, true)
        } else {
            (sealingID, sealingKeyIsOwn) = (dataKeys.last?.id, false)
        }
        brokenIDs = broken
        return sealingID != nil
    }

    /// The ids of the data keys this process holds (not the organisation's private key).
    var heldDataKeyIDs: [String] {
        lock.lock()
        defer { lock.unlock() }
        return keys.keys.sorted()
    }

    /// Creates a data key wrapped by this process's key-encryption key, which new values are then
    /// sealed under (the vault's first, or the target of a data-key rotation); returns its id.
    @discardableResult
    func createDataKey(_ db: Database, now: Date) throws -> String? {
        guard let kek else { return nil }
        let (id, key) = Sealing.newDataKey()
        try db.execute(sql: "INSERT INTO vault.data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [id, kek.id, try Sealing.wrap(key, id: id, with: kek), Millis.from(now)])
        try db.execute(sql: "INSERT OR REPLACE INTO vault.meta (key, value) VALUES ('sealing_key', ?)", arguments: [id])
        lock.lock()
        defer { lock.unlock() }
        keys[id] = DataKey(key)
        (sealingID, sealingKeyIsOwn) = (id, true)
        return id
    }

    /// At a centre: makes the organisation's key pair when there is none (a new centre, or one from
    /// before organisation keys). The private key goes into the vault wrapped by the key-encryption
    /// key; the public key into `meta`, from where enrolment gives it to devices. Needs the key-encryption key.
    func createOrganisationKey(_ db: Database, now: Date) throws {
        guard let kek, !opensOrganisationSeals, organisationKey == nil else { return }
        let privateKey = OrganisationPrivateKey.generate()
        let id = privateKey.publicKey.id
        try db.execute(sql: "INSERT INTO vault.data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [id, kek.id, try privateKey.wrapped(with: kek), Millis.from(now)])
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('org_public_key', ?)",
                       arguments: [privateKey.publicKey.raw.base64EncodedString()])
        lock.lock()
        defer { lock.unlock() }
        organisationPrivate = privateKey
        organisationPublic = privateKey.publicKey
    }

    /// The PIN key with this id, if this process holds it.
    func pinKey(_ id: String) -> PINKey? {
        lock.lock()
        defer { lock.unlock() }
        return pinKeys[id]
    }

    /// The PIN key new PIN and code hashes are keyed with: the first this process read or made (the vault's oldest).
    var pinKeyForNewHashes: PINKey? {
        lock.lock()
        defer { lock.unlock() }
        return newHashesPINKey.flatMap { pinKeys[$0] }
    }

    /// Holds `key` (the caller holds the lock); the first one held keys new hashes.
    private func holdPINKey(_ key: PINKey) {
        pinKeys[key.id] = key
        if newHashesPINKey == nil { newHashesPINKey = key.id }
    }

    /// Unwraps the vault's PIN keys again (one another process made after this one loaded the vault). Returns
    /// whether any is held.
    @discardableResult
    func reloadPINKeys(_ db: Database) throws -> Bool {
        guard let kek else { return false }
        let rows = try Row.fetchAll(db, sql: """
            SELECT key_id, wrapped FROM vault.data_key WHERE key_id LIKE ? AND kek_id = ? ORDER BY created_at, key_id
            """, arguments: [PINKey.likePattern, kek.id])
        let found = rows.compactMap { row in
            Sealing.unwrap(row["wrapped"], id: row["key_id"], with: kek).map { PINKey(id: row["key_id"], key: $0) }
        }
        lock.lock()
        defer { lock.unlock() }
        found.forEach(holdPINKey)
        return newHashesPINKey != nil
    }

    /// Makes the vault's PIN key when it has none this key-encryption key opens (in `db`'s write transaction,
    /// after reading what another process may have made first). Nil without a key-encryption key, and while any key
    /// in the vault is wrapped by another one (a rotation of it under way, or the key file replaced since this process
    /// read it): a PIN key wrapped by a key about to go would be lost with it, and every PIN with it.
    package func createPINKey(_ db: Database, now: Date) throws -> PINKey? {
        guard let kek else { return nil }
        if try reloadPINKeys(db) { return pinKeyForNewHashes }
        guard try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM vault.data_key WHERE kek_id != ?)", arguments: [kek.id]) == true else {
            return nil
        }
        let key = PINKey.generate()
        try db.execute(sql: "INSERT INTO vault.data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [key.id, kek.id, try Sealing.wrap(key.key, id: key.id, with: kek), Millis.from(now)])
        lock.lock()
        defer { lock.unlock() }
        holdPINKey(key)
        return key
    }

    /// On a device: adopts the organisation's public key the centre sent at enrolment. A device that
    /// already seals to a key keeps it: another one offered later (a second enrolment, with another
    /// centre or through someone in between) is refused with ``StoreError/organisationKeyChanged(held:offered:)``.
    func adoptOrganisationKey(_ key: OrganisationPublicKey, _ db: Database) throws {
        if let held = organisationKey, held != key { throw StoreError.organisationKeyChanged(held: held.id, offered: key.id) }
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('org_public_key', ?)", arguments: [key.raw.base64EncodedString()])
        lock.lock()
        defer { lock.unlock() }
        organisationPublic = key
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
            // Bound directly: a large import commits hundreds of thousands of rows here.
            let prepared = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO value (device_no, device_seq, attribute_id, tenant_id, key_id, sealed, prefer_not, digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in rows {
                var insert = try RawStatement(db, prepared)
                insert.bind(r.deviceNo)
                insert.bind(r.sequence)
                insert.bind(r.attribute)
                insert.bind(r.tenantID)
                insert.bind(r.keyID)
                insert.bind(r.sealed)
                insert.bind(r.preferNot)
                insert.bind(r.digest)
                try insert.execute()
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

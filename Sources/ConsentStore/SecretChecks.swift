import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// A PIN's or sign-in code's stored hash, as read from `credential` or `sign_in_code`.
struct StoredSecret {
    var kdf: String
    var salt: Data
    var hash: Data

    /// The hash's columns from a row that joined them (nil when it holds none).
    init?(_ row: Row) {
        guard let kdf = row["kdf"] as String?, let salt = row["salt"] as Data?, let hash = row["hash"] as Data? else { return nil }
        self.kdf = kdf
        self.salt = salt
        self.hash = hash
    }
}

/// Checking PINs and sign-in codes with the same work whatever is stored, keyed where a key-encryption key is given
/// (``SecretHasher``, ``PINKey``).
extension ConsentDatabase {
    /// The migration that indexes PINs and codes hashed the unkeyed way, so "are any left?" is one index step.
    static let unkeyedSecretsMigration = "unkeyed-secrets-1"

    /// What marks a PIN or code hashed the unkeyed way: the condition of the partial indexes below, repeated word for
    /// word by every query meant to use them (SQLite uses a partial index only for its own condition).
    static let unkeyed = "kdf NOT LIKE '\(SecretHasher.keyedPrefix)%'"

    static let unkeyedSecretsIndexes = """
        CREATE INDEX credential_unkeyed ON credential(tenant_id) WHERE \(unkeyed);
        CREATE INDEX sign_in_code_unkeyed ON sign_in_code(tenant_id) WHERE \(unkeyed)
        """

    /// Unkeyed PINs, and unkeyed codes not expired by the time bound to `?` (milliseconds): an expired code is checked
    /// as no code (``secretMatches(_:_:)``), so it does not keep every check at both costs.
    static let unkeyedPINs = "SELECT 1 FROM credential WHERE \(unkeyed)"
    static let unkeyedCodes = "SELECT 1 FROM sign_in_code WHERE \(unkeyed) AND expires_at >= ?"

    /// Whether any PIN or code is left hashed the unkeyed way (see ``unkeyedPINs``): one step of each partial index.
    static let unkeyedSecretsLeft = "SELECT EXISTS (\(unkeyedPINs)) OR EXISTS (\(unkeyedCodes))"

    /// How many (`consent keys status`).
    static let unkeyedSecretsCount = "SELECT (SELECT count(*) FROM (\(unkeyedPINs))) + (SELECT count(*) FROM (\(unkeyedCodes)))"

    /// Why no sign-in can be checked here (this process has no key-encryption key, and PINs or codes here are keyed), or
    /// nil. A kiosk refuses to start with it rather than turn every tenant away, and ``secretMatches(_:_:)`` refuses
    /// every sign-in with it alike. Read only without a key, where every PIN stored is unkeyed and the scan is short.
    public func signInProblem() throws(StoreError) -> String? {
        guard keys.kek == nil, try read({ db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM credential WHERE NOT \(Self.unkeyed)) OR EXISTS (SELECT 1 FROM sign_in_code WHERE NOT \(Self.unkeyed))
                """) ?? true
        }) else { return nil }
        return "the PINs in \(path) are keyed to its vault's PIN key, and no key file was read (\(keys.missingReason ?? "none given")): "
            + "start it with --key-file or $CONSENT_KEY_FILE naming the database's key file; nothing was counted against anyone"
    }

    /// Whether `secret` matches `stored` (nil: nothing stored, or no such tenant), after the same work whatever was
    /// stored, so the time a check takes tells nobody whether a reference is a tenant's, or how its PIN is hashed.
    /// With a key-encryption key, every check spends a keyed hash's work; while any PIN or code here is still hashed
    /// the unkeyed way (made before, or without the key), every check spends an unkeyed hash's work too.
    /// Throws ``StoreError/secretUncheckable(reason:)`` for a hash that cannot be checked here; without a key-encryption
    /// key where keyed PINs are held, for every reference alike, before anything is checked or counted, so the answer
    /// tells nobody which references hold one.
    func secretMatches(_ secret: String, _ stored: StoredSecret?) throws(StoreError) -> Bool {
        let keyed = keys.kek != nil
        var unkeyedLeft = true
        if keyed {
            let now = Millis.from(clock())
            unkeyedLeft = try read { db in try Bool.fetchOne(db, sql: Self.unkeyedSecretsLeft, arguments: [now]) ?? true }
        } else if let problem = try signInProblem() {
            throw .secretUncheckable(reason: problem)
        }
        do {
            let matched = try stored.map { try SecretHasher.matches(secret, kdf: $0.kdf, salt: $0.salt, hash: $0.hash, key: pinKey) } ?? false
            let padding = Self.paddingWork(keyed: keyed, unkeyedLeft: unkeyedLeft, storedKeyed: stored.map { SecretHasher.isKeyed($0.kdf) })
            if padding.keyed { _ = try SecretHasher.hash(secret, key: .padding) }
            if padding.unkeyed { _ = try SecretHasher.hash(secret) }
            return matched
        } catch {
            throw Self.map(error)
        }
    }

    /// The hashes a check spends besides the stored one's (`storedKeyed`: whether that one is keyed; nil when nothing is
    /// stored), so that every check spends the same: a keyed hash's work whenever the key-encryption key is here, and
    /// an unkeyed hash's whenever one is needed (no key, or some PIN or code is still hashed the unkeyed way).
    static func paddingWork(keyed: Bool, unkeyedLeft: Bool, storedKeyed: Bool?) -> (keyed: Bool, unkeyed: Bool) {
        (keyed && storedKeyed != true, (unkeyedLeft || !keyed) && storedKeyed != false)
    }

    /// The PIN key with this id: held since the vault was opened, or made by another process since (read again).
    func pinKey(_ id: String) throws -> PINKey? {
        if let key = keys.pinKey(id) { return key }
        guard keys.kek != nil else { return nil }
        _ = try read { db in try keys.reloadPINKeys(db) }
        return keys.pinKey(id)
    }

    /// The PIN key new PIN and code hashes are keyed with, made (in a transaction of its own, before the hash that
    /// names it is stored) when the vault has none; nil (the unkeyed form is used) without a key-encryption key, or
    /// when one cannot be made safely now (``VaultKeyring/createPINKey(_:now:)``).
    func pinKeyForNewHashes() throws(StoreError) -> PINKey? {
        guard keys.kek != nil else { return nil }
        if let key = keys.pinKeyForNewHashes { return key }
        return try write { db in try keys.createPINKey(db, now: clock()) }
    }

    /// The hash of a new PIN or code: keyed when this process holds the key-encryption key.
    func newSecretHash(_ secret: String) throws(StoreError) -> (kdf: String, salt: Data, hash: Data) {
        let key = try pinKeyForNewHashes()
        do { return try SecretHasher.hash(secret, key: key) } catch { throw Self.map(error) }
    }

    /// After a PIN hashed the unkeyed way matched: stores the same PIN keyed, when the key-encryption key is here. No
    /// ledger entry (the PIN did not change); a PIN changed in between is left as it is.
    /// Nothing when no PIN key can be made now (it would only hash the PIN unkeyed again).
    func rekeyPIN(_ pin: String, tenantID: Int64, _ stored: StoredSecret) throws(StoreError) {
        guard !SecretHasher.isKeyed(stored.kdf), let key = try pinKeyForNewHashes() else { return }
        let secret: (kdf: String, salt: Data, hash: Data)
        do { secret = try SecretHasher.hash(pin, key: key) } catch { throw Self.map(error) }
        try write { db in
            try db.execute(sql: "UPDATE credential SET kdf = ?, salt = ?, hash = ? WHERE tenant_id = ? AND kdf = ? AND hash = ?",
                           arguments: [secret.kdf, secret.salt, secret.hash, tenantID, stored.kdf, stored.hash])
        }
    }
}

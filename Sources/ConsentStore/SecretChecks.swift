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

    static let unkeyedSecretsIndexes = """
        CREATE INDEX credential_unkeyed ON credential(tenant_id) WHERE kdf NOT LIKE 'keyed-%';
        CREATE INDEX sign_in_code_unkeyed ON sign_in_code(tenant_id) WHERE kdf NOT LIKE 'keyed-%'
        """

    /// Whether any PIN, or code not expired by the time bound to `?` (milliseconds), here is still hashed the unkeyed
    /// way: one step of each partial index above (the condition is theirs word for word, so SQLite uses them). An
    /// expired code is checked as no code (``secretMatches(_:_:)``), so it does not keep every check at both costs.
    static let unkeyedSecretsLeft = """
        SELECT EXISTS (SELECT 1 FROM credential WHERE kdf NOT LIKE 'keyed-%')
            OR EXISTS (SELECT 1 FROM sign_in_code WHERE kdf NOT LIKE 'keyed-%' AND expires_at >= ?)
        """

    /// Whether any PIN or code here is hashed keyed (read only where no key-encryption key is held, where there are few).
    static let keyedSecretsHeld = """
        SELECT EXISTS (SELECT 1 FROM credential WHERE kdf LIKE 'keyed-%') OR EXISTS (SELECT 1 FROM sign_in_code WHERE kdf LIKE 'keyed-%')
        """

    /// Why no sign-in can be checked here: PINs are keyed, and this process has no key-encryption key to open the PIN key.
    static let keylessSignIn = "this program cannot check sign-ins: the PINs here are keyed to the vault's PIN key, and it was started "
        + "without the database's key file; start it with --key-file or $CONSENT_KEY_FILE. Nothing was counted against anyone"

    /// Why no sign-in can be checked here (this process has no key-encryption key, and PINs or codes here are keyed), or
    /// nil: a kiosk refuses to start rather than turn every tenant away.
    public func signInProblem() throws(StoreError) -> String? {
        guard keys.kek == nil, try read({ db in try Bool.fetchOne(db, sql: Self.keyedSecretsHeld) ?? true }) else { return nil }
        return "the PINs in \(path) are keyed to its vault's PIN key, and no key file was read (\(keys.missingReason ?? "none given")): "
            + "start it with --key-file or $CONSENT_KEY_FILE naming the database's key file"
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
        } else if try read({ db in try Bool.fetchOne(db, sql: Self.keyedSecretsHeld) ?? true }) {
            throw .secretUncheckable(reason: Self.keylessSignIn)
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
    func rekeyPIN(_ pin: String, tenantID: Int64, _ stored: StoredSecret) throws(StoreError) {
        guard !SecretHasher.isKeyed(stored.kdf), keys.kek != nil else { return }
        let secret = try newSecretHash(pin)
        try write { db in
            try db.execute(sql: "UPDATE credential SET kdf = ?, salt = ?, hash = ? WHERE tenant_id = ? AND kdf = ? AND hash = ?",
                           arguments: [secret.kdf, secret.salt, secret.hash, tenantID, stored.kdf, stored.hash])
        }
    }
}

import CSodium
import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// PIN and password hashing with a slow, memory-hard KDF (scrypt), salted per secret.
public enum SecretHasher {
    /// The parameters stored with each hash, so they can be raised later without losing old ones.
    public static let current = "scrypt:16384:8:1"

    /// A fresh salt and the hash of `secret` under the current parameters.
    public static func hash(_ secret: String) throws -> (kdf: String, salt: Data, hash: Data) {
        let salt = ValueDigest.salt()
        return (current, salt, try derive(secret, salt: salt, kdf: current))
    }

    /// The `kdf` of a member of staff who has no password here (staff known only as the authors of
    /// changes, such as the demo register's): no secret matches it.
    public static let noPassword = "no-password"

    /// Whether `secret` matches a stored hash.
    public static func matches(_ secret: String, kdf: String, salt: Data, hash: Data) throws -> Bool {
        if kdf == noPassword { return false }
        let derived = try derive(secret, salt: salt, kdf: kdf)
        guard derived.count == hash.count else { return false }
        return zip(derived, hash).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether libsodium is ready (`sodium_init`, once per process: it picks the fastest scrypt for this CPU).
    private static let sodiumReady = sodium_init() >= 0

    /// The most work a stored hash may ask for, N·r·p·128 (the bytes one pass needs, times the passes): eight times
    /// today's, so the parameters can be raised, while a damaged or planted row cannot make a check take gigabytes
    /// or seconds.
    static let maxWork = 128 << 20

    /// scrypt (RFC 7914) through libsodium, so a hash made by any implementation of it (swift-crypto's, before)
    /// still matches; 32 bytes.
    private static func derive(_ secret: String, salt: Data, kdf: String) throws -> Data {
        let parts = kdf.split(separator: ":")
        guard parts.count == 4, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              n > 1, n & (n - 1) == 0, (1...64).contains(r), (1...16).contains(p), n <= maxWork / (128 * r * p) else {
            throw StoreError.sqlite("unknown key-derivation parameters '\(kdf)' in a stored hash: set that PIN or password again")
        }
        guard sodiumReady else { throw StoreError.sqlite("libsodium could not start, so no PIN or password can be checked") }
        // One byte more than the text, so neither pointer is nil when the secret or the salt is empty.
        let password = Array(secret.utf8) + [0], saltBytes = Array(salt) + [0]
        var key = [UInt8](repeating: 0, count: 32)
        let status = password.withUnsafeBufferPointer { pw in
            saltBytes.withUnsafeBufferPointer { s -> Int32 in
                guard let pwStart = pw.baseAddress, let saltStart = s.baseAddress else { return -1 }
                return crypto_pwhash_scryptsalsa208sha256_ll(pwStart, pw.count - 1, saltStart, s.count - 1, UInt64(n), UInt32(r), UInt32(p),
                                                             &key, key.count)
            }
        }
        guard status == 0 else {
            throw StoreError.sqlite("scrypt failed (N=\(n), r=\(r), p=\(p)): not enough memory to hash a PIN or password; close other programs and try again")
        }
        return Data(key)
    }
}

extension ConsentDatabase {
    /// Sets a tenant's sign-in PIN: the hash goes to the credential table, and the ledger records
    /// (in the same transaction) that it changed, by whom and how.
    public func setPIN(_ pin: String, for ref: TenantRef, actor: Actor, channel: Channel) throws(StoreError) {
        try storePIN(pin, for: ref, actor: actor, channel: channel, spendingCode: false)
    }

    /// Stores a PIN's hash (and, after a first sign-in with a code, spends the code) with its ledger entry.
    func storePIN(_ pin: String, for ref: TenantRef, actor: Actor, channel: Channel, spendingCode: Bool) throws(StoreError) {
        let secret: (kdf: String, salt: Data, hash: Data)
        do { secret = try SecretHasher.hash(pin) } catch { throw Self.map(error) }
        try credentialChange("pin-set", for: ref, actor: actor, channel: channel) { db, tenantID, now, _ in
            try db.execute(sql: "INSERT OR REPLACE INTO credential (tenant_id, kdf, salt, hash, set_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [tenantID, secret.kdf, secret.salt, secret.hash, Millis.from(now)])
            if spendingCode { try db.execute(sql: "DELETE FROM sign_in_code WHERE tenant_id = ?", arguments: [tenantID]) }
        }
    }

    /// Records a credential change in the ledger and applies `change` to the credential tables, in
    /// one transaction: the record of who changed a sign-in secret never goes missing.
    func credentialChange(
        _ what: String, for ref: TenantRef, actor: Actor, channel: Channel,
        _ change: (_ db: Database, _ tenantID: Int64, _ now: Date, _ effective: Date) throws -> Void
    ) throws(StoreError) {
        let now = clock()
        let request = ChangeRequest(tenant: ref, payload: .credentialChange(what), actor: actor, channel: channel)
        try writeLedger { db in
            var appender = try LedgerAppender(db, device: device, catalogue: catalogue, vault: vaultContext, centre: isCentre, wallClock: clock)
            let stored = try appender.append(request, now: now)
            try appender.finish()
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM tenant WHERE ref = ?", arguments: [ref.rawValue]) else {
                throw StoreError.unknownTenant(ref)
            }
            try change(db, id, now, stored.event.effectiveAt)
        }
    }

    /// Whether `pin` is the tenant's PIN. False for an unknown tenant or one without a PIN, after
    /// the same work, so timing does not tell which.
    public func checkPIN(_ pin: String, for ref: TenantRef) throws(StoreError) -> Bool {
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT c.kdf, c.salt, c.hash FROM credential c JOIN tenant t ON t.id = c.tenant_id WHERE t.ref = ?
                """, arguments: [ref.rawValue])
        }
        do {
            guard let row else {
                _ = try SecretHasher.hash(pin)
                return false
            }
            return try SecretHasher.matches(pin, kdf: row["kdf"], salt: row["salt"], hash: row["hash"])
        } catch {
            throw Self.map(error)
        }
    }
}

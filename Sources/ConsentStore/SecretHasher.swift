import CSodium
import ConsentCore
import ConsentVault
import Crypto
import Foundation
import SyncProtocol

/// PIN, code and password hashing with scrypt (memory-hard), salted per secret.
///
/// Two forms, told apart by the `kdf` stored with each hash:
/// - `scrypt:16384:8:1`: scrypt of the secret. Staff passwords, and PINs where no key-encryption key was given.
/// - `keyed-scrypt:4096:8:1:pin-…`: scrypt of HMAC-SHA-256(PIN key, secret), the PIN key (``PINKey``) named last.
///   The PIN key lives in the vault wrapped by the key-encryption key, so a copy of the database files alone cannot
///   test a single guess; a six-digit PIN has too few values for any affordable scrypt to protect it on its own.
///   That is why the keyed form can spend a quarter of the work (about 8 ms, not 30, at the kiosk's sign-in). Its
///   parameters are read from the stored `kdf` (bounded like the unkeyed form's), so they can be raised later.
///
/// ```swift
/// let stored = try SecretHasher.hash("482916", key: pinKey)
/// let ok = try SecretHasher.matches("482916", kdf: stored.kdf, salt: stored.salt, hash: stored.hash) { id in keys.pinKey(id) }
/// ```
public enum SecretHasher {
    /// The parameters of an unkeyed hash, stored with it so they can be raised later without losing old ones.
    public static let current = "scrypt:16384:8:1"

    /// The parameters of a new keyed hash, before the PIN key's id.
    static let keyedParameters = "scrypt:4096:8:1"

    /// What starts the `kdf` of a keyed hash.
    static let keyedPrefix = "keyed-"

    /// The `kdf` of a member of staff who has no password here (staff known only as the authors of
    /// changes, such as the demo register's): no secret matches it.
    public static let noPassword = "no-password"

    /// A fresh salt and the hash of `secret`: keyed with `key` when there is one, else the unkeyed form.
    public static func hash(_ secret: String, key: PINKey? = nil) throws -> (kdf: String, salt: Data, hash: Data) {
        let salt = ValueDigest.salt()
        guard let key else { return (current, salt, try derive(Array(secret.utf8), salt: salt, kdf: current)) }
        let kdf = keyedPrefix + keyedParameters + ":" + key.id
        return (kdf, salt, try derive(key.mac(secret), salt: salt, kdf: keyedParameters))
    }

    /// Whether `kdf` names the keyed form.
    public static func isKeyed(_ kdf: String) -> Bool { kdf.hasPrefix(keyedPrefix) }

    /// Whether `secret` matches a stored hash. `key` gives the PIN key a keyed hash names (nil when this process
    /// does not hold it). Throws ``StoreError/secretUncheckable(reason:)`` when the hash cannot be checked here, so
    /// that a damaged row or a missing key is never taken for a wrong secret.
    public static func matches(_ secret: String, kdf: String, salt: Data, hash: Data,
                               key: (String) throws -> PINKey? = { _ in nil }) throws -> Bool {
        if kdf == noPassword { return false }
        let derived: Data
        if isKeyed(kdf) {
            let rest = kdf.dropFirst(keyedPrefix.count)
            guard let colon = rest.lastIndex(of: ":") else { throw unknown(kdf) }
            let parameters = String(rest[..<colon]), id = String(rest[rest.index(after: colon)...])
            guard id.hasPrefix(PINKey.prefix) else { throw unknown(kdf) }
            guard let pinKey = try key(id) else {
                throw StoreError.secretUncheckable(reason: "this PIN is keyed to the vault's PIN key \(id), which this program does not hold: "
                    + "start it with the database's key file (--key-file or $CONSENT_KEY_FILE); nothing was counted against the tenant")
            }
            derived = try derive(pinKey.mac(secret), salt: salt, kdf: parameters)
        } else {
            derived = try derive(Array(secret.utf8), salt: salt, kdf: kdf)
        }
        guard derived.count == hash.count else { return false }
        return zip(derived, hash).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether libsodium is ready (`sodium_init`, once per process: it picks the fastest scrypt for this CPU).
    private static let sodiumReady = sodium_init() >= 0

    /// The most work a stored hash may ask for, N·r·p·128 (the bytes one pass needs, times the passes): eight times
    /// the unkeyed form's, so the parameters can be raised, while a damaged or planted row cannot make a check take
    /// gigabytes or seconds.
    static let maxWork = 128 << 20

    private static func unknown(_ kdf: String) -> StoreError {
        .secretUncheckable(reason: "unknown key-derivation parameters '\(kdf)' in a stored hash: set that PIN or password again")
    }

    /// scrypt (RFC 7914) through libsodium, so a hash made by any implementation of it (swift-crypto's, before)
    /// still matches; 32 bytes.
    private static func derive(_ password: [UInt8], salt: Data, kdf: String) throws -> Data {
        let parts = kdf.split(separator: ":")
        guard parts.count == 4, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              n > 1, n & (n - 1) == 0, (1...64).contains(r), (1...16).contains(p), n <= maxWork / (128 * r * p) else {
            throw unknown(kdf)
        }
        guard sodiumReady else { throw StoreError.secretUncheckable(reason: "libsodium could not start, so no PIN or password can be checked") }
        // One byte more than the text, so neither pointer is nil when the secret or the salt is empty.
        let password = password + [0], saltBytes = Array(salt) + [0]
        var key = [UInt8](repeating: 0, count: 32)
        let status = password.withUnsafeBufferPointer { pw in
            saltBytes.withUnsafeBufferPointer { s -> Int32 in
                guard let pwStart = pw.baseAddress, let saltStart = s.baseAddress else { return -1 }
                return crypto_pwhash_scryptsalsa208sha256_ll(pwStart, pw.count - 1, saltStart, s.count - 1, UInt64(n), UInt32(r), UInt32(p),
                                                             &key, key.count)
            }
        }
        guard status == 0 else {
            throw StoreError.secretUncheckable(reason: "scrypt failed (N=\(n), r=\(r), p=\(p)): not enough memory to hash a PIN or password; close other programs and try again")
        }
        return Data(key)
    }
}

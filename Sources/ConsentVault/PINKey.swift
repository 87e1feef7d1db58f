import Crypto
import Foundation

/// The key PIN and sign-in code hashes are keyed with (``SecretHasher``): 256 random bits kept in the vault as a row
/// of `vault.data_key` under an id starting `pin-`, wrapped by the key-encryption key like a data key, so a rotation of
/// the key-encryption key wraps it again; a rotation of the data keys keeps it, as every PIN hash depends on it.
public struct PINKey: Sendable {
    /// `pin-` and 16 hex digits.
    public let id: String
    package let key: SymmetricKey

    /// The prefix of a PIN key's id in `vault.data_key`: no value is sealed under such a key, no device pushes one, and
    /// a data-key rotation keeps it.
    package static let prefix = "pin-"

    /// The same prefix as a SQL `LIKE` pattern.
    package static let likePattern = prefix + "%"

    package init(id: String, key: SymmetricKey) {
        self.id = id
        self.key = key
    }

    /// A key no hash names, for the work a check spends besides the stored hash's (ConsentStore's `secretMatches`).
    package static let padding = generate()

    /// A new random key.
    package static func generate() -> PINKey {
        PINKey(id: Sealing.newKeyID(prefix), key: SymmetricKey(size: .bits256))
    }

    /// HMAC-SHA-256 of the secret's UTF-8 under this key: what scrypt then hashes.
    package func mac(_ secret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: key))
    }
}

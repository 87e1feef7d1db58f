import ConsentCore
import Crypto
import Foundation

/// The key-encryption key (KEK): wraps the vault's data keys and is kept outside both database files
/// (a key file, or a systemd credential). Whoever holds a copy of the databases but not this key
/// learns no special-category value.
public struct KeyEncryptionKey: Sendable {
    package let key: SymmetricKey
    /// A fingerprint of the key (not the key): recorded beside each data key it wraps, so the vault can
    /// tell which key it needs and a wrong key is named as such.
    public let id: String
    /// Where the key came from, for messages (a path).
    public let source: String

    package init(key: SymmetricKey, source: String) {
        self.key = key
        self.source = source
        var hasher = SHA256()
        hasher.update(data: Data("tenantconsent-kek-id\u{0}".utf8))
        key.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        id = hasher.finalize().prefix(8).lowercaseHex
    }

    /// A new random 256-bit key (not yet saved anywhere).
    public static func generate(source: String = "memory") -> KeyEncryptionKey {
        KeyEncryptionKey(key: SymmetricKey(size: .bits256), source: source)
    }
}

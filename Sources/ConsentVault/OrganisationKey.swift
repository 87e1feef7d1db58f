import ConsentCore
import Crypto
import Foundation

/// The organisation's public key (X25519), to which devices seal special-category values with HPKE.
/// A device holds only this: it can seal a value but never open one. The private half lives at the
/// centre, in the vault, wrapped by the key-encryption key (so it is found, backed up and rotated as
/// the key-encryption key is).
///
/// ```swift
/// let key = try OrganisationPublicKey(raw: reply.sealingKey)
/// let sealed = try OrganisationSeal.seal(.value("Buddhist"), salt: salt, to: key, associatedData: ad)
/// ```
public struct OrganisationPublicKey: Sendable, Equatable {
    package let key: Curve25519.KeyAgreement.PublicKey
    /// The key id recorded beside every value sealed to this key: `org-` and a fingerprint of the key.
    public let id: String

    /// The key from its raw 32 bytes; throws ``StoreError/badOrganisationKey(reason:)`` for anything
    /// else, and for a point of small order: X25519 with one gives the same shared secret (zero) whatever
    /// the other side's private key, so a value sealed to it would open for anyone who holds the seal.
    public init(raw: Data) throws(StoreError) {
        guard raw.count == 32, let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw) else {
            throw .badOrganisationKey(reason: "the centre's sealing key is \(raw.count) bytes, not a 32-byte X25519 public key")
        }
        // A clamped scalar is a multiple of 8, so every point of small order (and only such a point) maps to zero.
        guard let secret = try? Curve25519.KeyAgreement.PrivateKey().sharedSecretFromKeyAgreement(with: key),
              secret.withUnsafeBytes({ $0.contains { $0 != 0 } })
        else {
            throw .badOrganisationKey(reason: "the centre's sealing key is a point of small order, to which anyone could open what is sealed")
        }
        self.init(key)
    }

    /// The key as a centre stores it (base64 of the raw bytes, in `meta` or PostgreSQL's `organisation_key`).
    public init(base64 text: String) throws(StoreError) {
        guard let raw = Data(base64Encoded: text) else {
            throw .badOrganisationKey(reason: "the stored organisation key is not base64")
        }
        try self.init(raw: raw)
    }

    package init(_ key: Curve25519.KeyAgreement.PublicKey) {
        self.key = key
        id = Self.id(of: key.rawRepresentation)
    }

    /// The raw 32 bytes, as sent to devices.
    public var raw: Data { key.rawRepresentation }

    public static func == (a: Self, b: Self) -> Bool { a.raw == b.raw }

    /// Whether a vault key id names an organisation key (a value sealed with HPKE) rather than a data key.
    package static func isOrganisationKeyID(_ id: String) -> Bool { id.hasPrefix(prefix) }

    package static let prefix = "org-"

    private static func id(of raw: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("tenantconsent-org-key-id\u{0}".utf8))
        hasher.update(data: raw)
        return prefix + hasher.finalize().prefix(8).lowercaseHex
    }
}

/// The organisation's private key, held only where values are read (the centre). Stored in the vault
/// as a row of `vault.data_key` wrapped by the key-encryption key, under its public key's id.
package struct OrganisationPrivateKey: Sendable {
    package let key: Curve25519.KeyAgreement.PrivateKey
    /// The public half, which devices seal to.
    package var publicKey: OrganisationPublicKey { OrganisationPublicKey(key.publicKey) }

    /// A new random key pair.
    package static func generate() -> OrganisationPrivateKey { OrganisationPrivateKey(key: Curve25519.KeyAgreement.PrivateKey()) }

    /// The key from an unwrapped vault row; nil when the bytes are not a key or not the one `id` names.
    package init?(unwrapped: SymmetricKey, id: String) {
        guard let key = unwrapped.withUnsafeBytes({ try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Data($0)) }),
              OrganisationPublicKey(key.publicKey).id == id
        else { return nil }
        self.key = key
    }

    private init(key: Curve25519.KeyAgreement.PrivateKey) { self.key = key }

    /// The raw private key as a symmetric key, for wrapping in the vault like a data key.
    package var wrappable: SymmetricKey { SymmetricKey(data: key.rawRepresentation) }

    /// The private key wrapped by `kek` under its public key's id: the row a centre keeps in its
    /// vault's (or PostgreSQL's) `data_key`, opened wherever that key-encryption key is given.
    package func wrapped(with kek: KeyEncryptionKey) throws -> Data {
        try Sealing.wrap(wrappable, id: publicKey.id, with: kek)
    }
}

/// HPKE sealing of special-category values to the organisation's public key (RFC 9180, base mode,
/// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305).
///
/// A sealed value is `encapsulated key (32 bytes) ‖ ciphertext ‖ tag` of the same plaintext as an
/// AES-GCM seal (`salt ‖ kind ‖ text`), bound to the same associated data (tenant reference,
/// attribute, recording event): moved to another row it does not open, and the salt behind the
/// ledger's digest stays inside.
package enum OrganisationSeal {
    package static let suite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly
    package static let info = Data("tenantconsent-value-hpke-v1".utf8)
    package static let encapsulatedBytes = 32

    /// `value` with `salt` sealed to `recipient`, bound to `associatedData`.
    package static func seal(_ value: AttributeValue, salt: Data, to recipient: OrganisationPublicKey, associatedData: Data) throws -> Data {
        var sender = try HPKE.Sender(recipientKey: recipient.key, ciphersuite: suite, info: info)
        let ciphertext = try sender.seal(Sealing.plaintext(value, salt: salt), authenticating: associatedData)
        return sender.encapsulatedKey + ciphertext
    }

    /// The plaintext (`salt ‖ kind ‖ text`), or nil when it does not open with `key`.
    package static func openPlain(_ sealed: some DataProtocol, key: OrganisationPrivateKey, associatedData: Data) -> Data? {
        let bytes = Data(sealed)
        guard bytes.count > encapsulatedBytes,
              var recipient = try? HPKE.Recipient(privateKey: key.key, ciphersuite: suite, info: info,
                                                  encapsulatedKey: bytes.prefix(encapsulatedBytes)),
              let plain = try? recipient.open(bytes.dropFirst(encapsulatedBytes), authenticating: associatedData),
              plain.count > Sealing.saltBytes
        else { return nil }
        return plain
    }
}

import Crypto
import Foundation

/// A device's chain head, signed with the device's own Ed25519 key: "my ledger's event `sequence`
/// has hash `hash`". Pushed with every batch and kept by the centre, it lets `consent audit verify`
/// catch a chain rewritten wholesale (every hash recomputed), which the chain alone cannot.
public struct SignedHead: Codable, Hashable, Sendable {
    public var device: String
    public var sequence: Int64
    public var hash: Data
    public var signature: Data

    /// The bytes signed: a version tag, the device, the sequence (8 bytes, big-endian), the hash.
    public static func message(device: String, sequence: Int64, hash: Data) -> Data {
        var out = Data("tc-head-v1\u{0}".utf8)
        out.append(contentsOf: device.utf8)
        out.append(0)
        withUnsafeBytes(of: UInt64(bitPattern: sequence).bigEndian) { out.append(contentsOf: $0) }
        out.append(hash)
        return out
    }

    /// A head as stored.
    public init(device: String, sequence: Int64, hash: Data, signature: Data) {
        self.device = device
        self.sequence = sequence
        self.hash = hash
        self.signature = signature
    }

    /// Signs a head with a device's private key.
    public init(device: String, sequence: Int64, hash: Data, key: Curve25519.Signing.PrivateKey) throws {
        self.device = device
        self.sequence = sequence
        self.hash = hash
        signature = try key.signature(for: Self.message(device: device, sequence: sequence, hash: hash))
    }

    /// Whether the signature is the device's, given its public key (raw 32 bytes).
    public func isValid(publicKey: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: Self.message(device: device, sequence: sequence, hash: hash))
    }
}

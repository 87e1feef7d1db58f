import ConsentCore
import Crypto

/// Keyed pseudonyms under one key (``PseudonymisedRows/pseudonym(of:key:)``), with HMAC's keyed state
/// made once and copied for each reference: an export makes one a row.
public struct Pseudonymiser: Sendable {
    private let keyed: HMAC<SHA256>

    /// Pseudonyms under `key` (a purpose's, from ``PseudonymisedRows/purposeKey(_:purpose:)``).
    public init(key: SymmetricKey) { keyed = HMAC(key: key) }

    /// "P" and the first 16 bytes of HMAC-SHA-256 of the reference, in lower-case hexadecimal.
    public func callAsFunction(_ ref: TenantRef) -> String {
        var mac = keyed
        var reference = ref.rawValue
        reference.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return mac.finalize().withUnsafeBytes { Hex.lowercase(UnsafeRawBufferPointer(rebasing: $0.prefix(16)), prefix: "P") }
    }
}

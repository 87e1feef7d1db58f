import CSodium
import Crypto
import Foundation

/// A data key made ready to seal and open many values with AES-256-GCM: its key schedule and GHASH
/// table are computed once (libsodium's precomputed state), not once a value as swift-crypto's one-shot
/// calls do. An export opens one sealed value per special category per tenant, an import seals as
/// many, so this was most of the time spent on sealed values.
///
/// libsodium's AES-GCM needs the CPU's AES and carry-less multiply instructions; without them (or when
/// `accelerated` is false) each call goes through swift-crypto. Both make the same boxes
/// (`nonce ‖ ciphertext ‖ tag`), so either opens what the other sealed. The state is only read once
/// made, so one key may be used from several threads.
package final class DataKey: @unchecked Sendable {
    /// The key itself (wrapping, rotation).
    package let symmetric: SymmetricKey
    /// libsodium's `crypto_aead_aes256gcm_state`; nil where swift-crypto does the work.
    private let state: UnsafeMutableRawPointer?

    /// Bytes of a nonce and of a tag.
    package static let nonceBytes = 12, tagBytes = 16

    /// Whether this CPU runs libsodium's AES-GCM (checked once; `sodium_init` picks the code for the CPU).
    package static let accelerated: Bool = sodium_init() >= 0 && crypto_aead_aes256gcm_is_available() == 1

    /// `key` (32 bytes) ready for use; `accelerated: false` keeps to swift-crypto (tests compare the two).
    package init(_ key: SymmetricKey, accelerated: Bool = DataKey.accelerated) {
        symmetric = key
        guard accelerated, key.bitCount == 256 else {
            state = nil
            return
        }
        let state = UnsafeMutableRawPointer.allocate(byteCount: crypto_aead_aes256gcm_statebytes(), alignment: 16)
        let prepared = key.withUnsafeBytes { raw in
            raw.baseAddress.map { crypto_aead_aes256gcm_beforenm(state.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self),
                                                                 $0.assumingMemoryBound(to: UInt8.self)) == 0 } ?? false
        }
        if prepared {
            self.state = state
        } else {
            state.deallocate()
            self.state = nil
        }
    }

    deinit {
        if let state {
            sodium_memzero(state, crypto_aead_aes256gcm_statebytes())
            state.deallocate()
        }
    }

    /// `plaintext` sealed under this key with `nonce` (12 bytes, never used twice with one key),
    /// bound to `associatedData`: `nonce ‖ ciphertext ‖ tag`.
    package func seal(_ plaintext: Data, nonce: [UInt8], associatedData: Data) throws -> Data {
        guard let state, nonce.count == Self.nonceBytes else {
            let box = try AES.GCM.seal(plaintext, using: symmetric, nonce: try AES.GCM.Nonce(data: nonce), authenticating: associatedData)
            guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
            return combined
        }
        var out = Data(nonce)
        out.append(Data(count: plaintext.count + Self.tagBytes))
        let status = out.withUnsafeMutableBytes { box -> Int32 in
            guard let base = box.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return -1 }
            var written: UInt64 = 0
            return plaintext.withUnsafeBytes { plain in
                associatedData.withUnsafeBytes { ad in
                    crypto_aead_aes256gcm_encrypt_afternm(
                        base + Self.nonceBytes, &written, plain.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plain.count),
                        ad.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(ad.count), nil, base,
                        state.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self))
                }
            }
        }
        guard status == 0 else { throw CryptoKitError.incorrectParameterSize }
        return out
    }

    /// The plaintext of `box` (`nonce ‖ ciphertext ‖ tag`) if it was sealed under this key with
    /// `associatedData`; nil when it was not, or was changed.
    package func open(_ box: UnsafeRawBufferPointer, associatedData: Data) -> Data? {
        var plain: [UInt8] = []
        let opened = associatedData.withUnsafeBytes { open(box, associatedData: $0, into: &plain) }
        return opened ? Data(plain) : nil
    }

    /// The same, the plaintext written into `plain` (emptied first, its room kept: a scan opening many values
    /// allocates nothing for them once it has grown); false, `plain` empty, when the box does not open.
    package func open(_ box: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer, into plain: inout [UInt8]) -> Bool {
        plain.removeAll(keepingCapacity: true)
        guard box.count >= Self.nonceBytes + Self.tagBytes, let base = box.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        guard let state else {
            guard let opened = try? AES.GCM.open(AES.GCM.SealedBox(combined: box), using: symmetric, authenticating: associatedData) else { return false }
            plain.append(contentsOf: opened)
            return true
        }
        plain.append(contentsOf: repeatElement(0, count: box.count - Self.nonceBytes - Self.tagBytes))
        let status = plain.withUnsafeMutableBytes { out in
            var written: UInt64 = 0
            return crypto_aead_aes256gcm_decrypt_afternm(
                out.baseAddress?.assumingMemoryBound(to: UInt8.self), &written, nil, base + Self.nonceBytes, UInt64(box.count - Self.nonceBytes),
                associatedData.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(associatedData.count), base,
                state.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self))
        }
        guard status == 0 else {
            plain.removeAll(keepingCapacity: true)
            return false
        }
        return true
    }
}

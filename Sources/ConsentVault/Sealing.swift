import ConsentCore
import Crypto
import Foundation
import SyncProtocol

/// AES-GCM sealing of special-category values and wrapping of data keys.
///
/// A sealed value is `nonce ‖ ciphertext ‖ tag` (AES-256-GCM) of `salt ‖ kind ‖ text`, where the salt
/// is the one its ledger digest was made with (so the digest cannot be brute-forced without the key)
/// and `kind` is `v` (a value) or `p` ("prefer not to say"). The associated data names the tenant by
/// their stable reference, the attribute and the recording event (device id and sequence): a sealed
/// value copied to another tenant, attribute or event fails to open, and the same blob opens in any
/// database that holds its data key (sync will carry sealed values as they are).
package enum Sealing {
    /// Bytes of the salt at the start of a sealed plaintext.
    package static let saltBytes = 16

    /// What a seal is bound to: the tenant's reference, the attribute and the recording event.
    package static func associatedData(tenant: TenantRef, attribute: AttributeID, event: EventID) -> Data {
        var bytes: [UInt8] = []
        writeAssociatedData(tenant: tenant, attribute: attribute, event: event, into: &bytes)
        return Data(bytes)
    }

    /// The same bytes written into `out`, emptied first and its room kept: a scan opening a value for every
    /// tenant allocates nothing for them once `out` has grown. Each part is its length (4 bytes, big-endian),
    /// then its UTF-8.
    package static func writeAssociatedData(tenant: TenantRef, attribute: AttributeID, event: EventID, into out: inout [UInt8]) {
        func put(_ text: String) {
            let length = UInt32(text.utf8.count)
            out.append(UInt8(truncatingIfNeeded: length >> 24))
            out.append(UInt8(truncatingIfNeeded: length >> 16))
            out.append(UInt8(truncatingIfNeeded: length >> 8))
            out.append(UInt8(truncatingIfNeeded: length))
            out.append(contentsOf: text.utf8)
        }
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: prefix)
        put(tenant.rawValue)
        put(attribute.rawValue)
        put(event.device.rawValue)
        put(String(event.sequence))
    }

    private static let prefix = Array("tenantconsent-value-v1".utf8)

    /// What a seal (AES-GCM or HPKE) encrypts: `salt ‖ kind ‖ text`.
    package static func plaintext(_ value: AttributeValue, salt: Data) -> Data {
        var plain = salt
        switch value {
        case .value(let text): plain.append(UInt8(ascii: "v")); plain.append(Data(text.utf8))
        case .preferNotToSay: plain.append(UInt8(ascii: "p"))
        }
        return plain
    }

    /// `value` with `salt` sealed under a data key (AES-GCM), bound to `associatedData`.
    package static func seal(_ value: AttributeValue, salt: Data, key: DataKey, associatedData: Data) throws -> Data {
        try key.seal(plaintext(value, salt: salt), nonce: Array(RandomPool.shared.bytes(DataKey.nonceBytes)), associatedData: associatedData)
    }

    /// The same, under a key used once (``DataKey`` prepares a key for many).
    package static func seal(_ value: AttributeValue, salt: Data, key: SymmetricKey, associatedData: Data) throws -> Data {
        try seal(value, salt: salt, key: DataKey(key), associatedData: associatedData)
    }

    /// Opens a sealed value; nil when it does not open (wrong key, changed, or moved to another row).
    package static func open(_ sealed: some DataProtocol, key: SymmetricKey, associatedData: Data) -> (salt: Data, value: AttributeValue)? {
        guard let plain = openPlain(sealed, key: DataKey(key), associatedData: associatedData), let value = value(of: plain) else { return nil }
        return (Data(plain.prefix(saltBytes)), value)
    }

    /// Opens only the value (an export has no use for the salt), reading the sealed bytes where they lie and
    /// opening them into `scratch` (its room kept for the next).
    package static func openValue(_ sealed: UnsafeRawBufferPointer, key: DataKey, associatedData: [UInt8],
                                  scratch: inout [UInt8]) -> AttributeValue? {
        guard associatedData.withUnsafeBytes({ key.open(sealed, associatedData: $0, into: &scratch) }) else { return nil }
        return value(of: scratch)
    }

    /// The plaintext (`salt ‖ kind ‖ text`) of a sealed value; nil when it does not open.
    package static func openPlain(_ sealed: some DataProtocol, key: DataKey, associatedData: Data) -> Data? {
        sealed.withContiguousStorageIfAvailable { plain(UnsafeRawBufferPointer($0), key: key, associatedData: associatedData) }
            ?? Array(sealed).withUnsafeBytes { plain($0, key: key, associatedData: associatedData) }
    }

    /// The opened box, when it opens and holds more than a salt.
    private static func plain(_ sealed: UnsafeRawBufferPointer, key: DataKey, associatedData: Data) -> Data? {
        guard let plain = key.open(sealed, associatedData: associatedData), plain.count > saltBytes else { return nil }
        return plain
    }

    /// The same, under a key used once.
    package static func openPlain(_ sealed: some DataProtocol, key: SymmetricKey, associatedData: Data) -> Data? {
        openPlain(sealed, key: DataKey(key), associatedData: associatedData)
    }

    /// The value in a plaintext (`salt ‖ kind ‖ text`); nil when it is not one.
    package static func value(of plain: some Collection<UInt8>) -> AttributeValue? {
        guard let kind = plain.dropFirst(saltBytes).first else { return nil }
        let body = plain.dropFirst(saltBytes + 1)
        switch kind {
        case UInt8(ascii: "p") where body.isEmpty: return .preferNotToSay
        case UInt8(ascii: "v"): return String(validating: body, as: UTF8.self).map { .value($0) }
        default: return nil
        }
    }

    /// A data key sealed under the key-encryption key, bound to its id.
    package static func wrap(_ dataKey: SymmetricKey, id: String, with kek: KeyEncryptionKey) throws -> Data {
        let raw = dataKey.withUnsafeBytes { Data($0) }
        guard let combined = try AES.GCM.seal(raw, using: kek.key, authenticating: Data(("tenantconsent-data-key-v1:" + id).utf8)).combined else {
            throw StoreError.sqlite("AES-GCM produced no combined box")
        }
        return combined
    }

    /// The data key in `wrapped`, or nil when it was not wrapped by `kek` under `id` (forged, damaged or another key's).
    package static func unwrap(_ wrapped: Data, id: String, with kek: KeyEncryptionKey) -> SymmetricKey? {
        guard let box = try? AES.GCM.SealedBox(combined: wrapped),
              let raw = try? AES.GCM.open(box, using: kek.key, authenticating: Data(("tenantconsent-data-key-v1:" + id).utf8)),
              raw.count == 32
        else { return nil }
        return SymmetricKey(data: raw)
    }

    /// The data keys of `rows` that `kek` wrapped, unwrapped, in the rows' order, and the ids of those
    /// that name `kek` but do not open with it (forged or damaged: the values under them read as
    /// unavailable, and nothing else is affected). Throws ``StoreError/wrongKey(source:)`` when there
    /// are rows but none names `kek` (the key file is not this vault's).
    package static func unwrapAll(_ rows: [(keyID: String, kekID: String, wrapped: Data)],
                                  with kek: KeyEncryptionKey) throws(StoreError) -> (keys: [(id: String, key: SymmetricKey)], broken: [String]) {
        var found: [(id: String, key: SymmetricKey)] = []
        var broken: [String] = []
        for row in rows where row.kekID == kek.id {
            if let key = unwrap(row.wrapped, id: row.keyID, with: kek) { found.append((row.keyID, key)) } else { broken.append(row.keyID) }
        }
        if found.isEmpty && broken.isEmpty && !rows.isEmpty { throw .wrongKey(source: kek.source) }
        return (found, broken)
    }

    /// Opens a value sealed for `tenant`'s `attribute` by `event` (its associated data) with `key`.
    package static func open(_ sealed: some DataProtocol, key: SymmetricKey, tenant: TenantRef, attribute: AttributeID,
                     event: EventID) -> (salt: Data, value: AttributeValue)? {
        open(sealed, key: key, associatedData: associatedData(tenant: tenant, attribute: attribute, event: event))
    }
}

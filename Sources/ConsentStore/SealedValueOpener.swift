import ConsentCore
import Crypto
import Foundation

/// Opens special-category values sealed by devices, for a reader outside a `ConsentDatabase` (a
/// PostgreSQL centre holds sealed values and wrapped data keys but never a key-encryption key; an
/// export run by someone who holds that key can open them in its own process).
///
/// ```swift
/// let opener = try SealedValueOpener(kek: key, dataKeys: rows)   // rows: every (key id, kek id, wrapped)
/// let answer = opener.open(blob, keyID: "dk-…", tenant: ref, attribute: attribute, event: id)
/// ```
public struct SealedValueOpener: Sendable {
    private let keys: [String: SymmetricKey]

    /// Data keys that name `kek` but do not open with it (forged or damaged); their values read as unavailable.
    public let brokenKeys: [String]

    /// Unwraps the data keys wrapped by `kek`. Throws ``StoreError/wrongKey(source:)`` when there are
    /// data keys but none wrapped by this key.
    public init(kek: KeyEncryptionKey, dataKeys: [(keyID: String, kekID: String, wrapped: Data)]) throws(StoreError) {
        let unwrapped = try Sealing.unwrapAll(dataKeys, with: kek)
        keys = Dictionary(unwrapped.keys, uniquingKeysWith: { _, last in last })
        brokenKeys = unwrapped.broken
    }

    /// The value sealed in `sealed` and the salt sealed with it (what its digest covers), for an audit;
    /// nil when its data key is not held or it does not open (changed, or moved from another row).
    public func openWithSalt(_ sealed: some DataProtocol, keyID: String, tenant: TenantRef, attribute: AttributeID,
                             event: EventID) -> (salt: Data, value: AttributeValue)? {
        guard let key = keys[keyID] else { return nil }
        return Sealing.open(sealed, key: key, tenant: tenant, attribute: attribute, event: event)
    }

    /// The value sealed in `sealed` for `tenant`'s `attribute` by `event`; nil when its data key is
    /// not held or it does not open (changed, or moved from another row).
    public func open(_ sealed: some DataProtocol, keyID: String, tenant: TenantRef, attribute: AttributeID, event: EventID) -> AttributeValue? {
        guard let key = keys[keyID] else { return nil }
        return Sealing.openValue(sealed, key: key, associatedData: Sealing.associatedData(tenant: tenant, attribute: attribute, event: event))
    }
}

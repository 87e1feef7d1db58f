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
    private let keys: [String: DataKey]
    /// The organisation's private key, when the rows hold it (values sealed by devices with HPKE).
    private let organisation: OrganisationPrivateKey?

    /// Data keys that name `kek` but do not open with it (forged or damaged); their values read as unavailable.
    public let brokenKeys: [String]

    /// The id of the organisation key whose private half the rows held and `kek` opened, if any.
    public var organisationKeyID: String? { organisation?.publicKey.id }

    /// Unwraps the data keys wrapped by `kek`. Throws ``StoreError/wrongKey(source:)`` when there are
    /// data keys but none wrapped by this key.
    public init(kek: KeyEncryptionKey, dataKeys: [(keyID: String, kekID: String, wrapped: Data)]) throws(StoreError) {
        let unwrapped = try Sealing.unwrapAll(dataKeys, with: kek)
        var organisation: OrganisationPrivateKey?
        var broken = unwrapped.broken
        for (id, key) in unwrapped.keys where OrganisationPublicKey.isOrganisationKeyID(id) {
            if let found = OrganisationPrivateKey(unwrapped: key, id: id) { organisation = found } else { broken.append(id) }
        }
        keys = Dictionary(unwrapped.keys.filter { !OrganisationPublicKey.isOrganisationKeyID($0.id) }.map { ($0.id, DataKey($0.key)) },
                          uniquingKeysWith: { _, last in last })
        self.organisation = organisation
        brokenKeys = broken
    }

    private func openPlain(_ sealed: some DataProtocol, keyID: String, associatedData: Data) -> Data? {
        if OrganisationPublicKey.isOrganisationKeyID(keyID) {
            guard let organisation, organisation.publicKey.id == keyID else { return nil }
            return OrganisationSeal.openPlain(sealed, key: organisation, associatedData: associatedData)
        }
        guard let key = keys[keyID] else { return nil }
        return Sealing.openPlain(sealed, key: key, associatedData: associatedData)
    }

    /// The value sealed in `sealed` and the salt sealed with it (what its digest covers), for an audit;
    /// nil when its data key is not held or it does not open (changed, or moved from another row).
    public func openWithSalt(_ sealed: some DataProtocol, keyID: String, tenant: TenantRef, attribute: AttributeID,
                             event: EventID) -> (salt: Data, value: AttributeValue)? {
        let associatedData = Sealing.associatedData(tenant: tenant, attribute: attribute, event: event)
        guard let plain = openPlain(sealed, keyID: keyID, associatedData: associatedData), let value = Sealing.value(of: plain) else { return nil }
        return (Data(plain.prefix(Sealing.saltBytes)), value)
    }

    /// The value sealed in `sealed` for `tenant`'s `attribute` by `event`; nil when its data key is
    /// not held or it does not open (changed, or moved from another row).
    public func open(_ sealed: some DataProtocol, keyID: String, tenant: TenantRef, attribute: AttributeID, event: EventID) -> AttributeValue? {
        openPlain(sealed, keyID: keyID, associatedData: Sealing.associatedData(tenant: tenant, attribute: attribute, event: event))
            .flatMap(Sealing.value(of:))
    }
}

import CentralStore
import ConsentVault
import Crypto
import Foundation
import SyncProtocol
import Testing

/// The check both centres run on every data key a device pushes (`KeyEncryptionKey.refusal`).
@Suite struct DataKeyRefusalTests {
    let organisation = KeyEncryptionKey.generate()

    func pushed(_ id: String, wrappedBy kek: KeyEncryptionKey, named: String? = nil) throws -> WireDataKey {
        WireDataKey(keyID: id, kekID: named ?? kek.id, wrapped: try Sealing.wrap(SymmetricKey(size: .bits256), id: id, with: kek))
    }

    @Test func aKeyWrappedByTheOrganisationsKeyIsTaken() throws {
        #expect(organisation.refusal(of: try pushed("dk-1", wrappedBy: organisation)) == nil)
    }

    @Test func aKeyWrappedByAnotherKeyIsRefusedNamingBoth() throws {
        let other = KeyEncryptionKey.generate()
        let why = try #require(organisation.refusal(of: try pushed("dk-1", wrappedBy: other)))
        #expect(why.contains(other.id) && why.contains(organisation.id) && why.contains("key file"), "\(why)")
    }

    @Test func aKeyThatNamesTheOrganisationsKeyButDoesNotOpenIsRefused() throws {
        // Wrapped by another key but labelled as the organisation's: a forgery, or damage.
        let forged = try pushed("dk-1", wrappedBy: KeyEncryptionKey.generate(), named: organisation.id)
        #expect(organisation.refusal(of: forged)?.contains("does not open") == true)
        // Moved under another key id: the wrapping is bound to its id, so it does not open either.
        let honest = try pushed("dk-1", wrappedBy: organisation)
        #expect(organisation.refusal(of: WireDataKey(keyID: "dk-2", kekID: honest.kekID, wrapped: honest.wrapped))?.contains("does not open") == true)
        var damaged = honest
        damaged.wrapped[damaged.wrapped.startIndex + 20] ^= 1
        #expect(organisation.refusal(of: damaged)?.contains("does not open") == true)
    }

    /// A key wrapped by the organisation's key under a PIN key's id (only a device holding the key file could make
    /// one): a centre without a PIN key of its own would key its PINs with it.
    @Test func aKeyWithAPINKeysIdIsRefusedEvenWhenItOpens() throws {
        let why = try #require(organisation.refusal(of: try pushed("pin-0123456789abcdef", wrappedBy: organisation)))
        #expect(why.contains("PIN key") && why.contains("nothing was applied"), "\(why)")
    }
}

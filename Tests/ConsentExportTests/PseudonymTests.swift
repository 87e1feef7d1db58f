import ConsentCore
import ConsentExport
import Crypto
import Foundation
import Testing

/// A row's pseudonym is "P" and the first 16 bytes of HMAC-SHA-256 of the tenancy reference under the
/// pseudonym key, in lower-case hexadecimal: the same key gives the same pseudonym in every return.
@Suite struct PseudonymTests {
    @Test func thePseudonymIsTheKeyedCodeOfTheReference() {
        let key = SymmetricKey(data: Data((1...32).map { UInt8($0) }))
        // Python: "P" + hmac.new(bytes(range(1, 33)), b"T0000001", hashlib.sha256).digest()[:16].hex()
        #expect(PseudonymisedRows.pseudonym(of: TenantRef("T0000001"), key: key) == "Pdc6b2ea8890672b2a26775a8904c15f8")
        #expect(PseudonymisedRows.pseudonym(of: TenantRef("T0000002"), key: key) != PseudonymisedRows.pseudonym(of: TenantRef("T0000001"), key: key))
    }

    /// An export makes every row's pseudonym with one `Pseudonymiser`: each reference starts from the keyed state
    /// afresh, so nothing of one row's carries into the next.
    @Test func onePseudonymiserGivesEachReferenceItsOwnCode() {
        let pseudonym = Pseudonymiser(key: SymmetricKey(data: Data((1...32).map { UInt8($0) })))
        // Python, as above, for b"T0000002".
        #expect([pseudonym(TenantRef("T0000001")), pseudonym(TenantRef("T0000002")), pseudonym(TenantRef("T0000001"))]
                == ["Pdc6b2ea8890672b2a26775a8904c15f8", "P921766784a91aaa9c675a22a889e4a36", "Pdc6b2ea8890672b2a26775a8904c15f8"])
    }
}

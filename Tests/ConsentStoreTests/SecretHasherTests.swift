import ConsentStore
import Foundation
import Testing
import TestSupport

/// PIN and password hashes are scrypt (RFC 7914): every hash stored before still matches after the
/// implementation underneath changes, and a stored row naming odd parameters is refused, never run.
@Suite struct SecretHasherTests {
    /// RFC 7914 section 12, the third vector (N=16384, r=8, p=1), whose first 32 bytes are a 32-byte key.
    @Test func theRFCsVectorMatches() throws {
        let expected = Data(hex: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2")
        let salt = Data("SodiumChloride".utf8)
        #expect(try SecretHasher.matches("pleaseletmein", kdf: "scrypt:16384:8:1", salt: salt, hash: expected))
        #expect(try !SecretHasher.matches("pleaseletmeim", kdf: "scrypt:16384:8:1", salt: salt, hash: expected))
    }

    /// A staff password's row as the build before libsodium (swift-crypto's scrypt) stored it, checked also with
    /// Python's `hashlib.scrypt`.
    @Test func aPasswordStoredByTheEarlierBuildStillMatches() throws {
        let salt = Data(hex: "3A45D6AC9F8F1BDE5208C14EE1A46DC2")
        let hash = Data(hex: "7F9BE5B53CA58042C560DFB92DDBDBE7981D638EAF6AB17A226FB10F596C002C")
        #expect(try SecretHasher.matches("Sup3r-secret-pass", kdf: "scrypt:16384:8:1", salt: salt, hash: hash))
        #expect(try !SecretHasher.matches("Sup3r-secret-pas", kdf: "scrypt:16384:8:1", salt: salt, hash: hash))
    }

    @Test func aFreshHashMatchesItsSecretAloneEvenWhenEmpty() throws {
        for secret in ["482916", "", "pässwörd 🔑"] {
            let stored = try SecretHasher.hash(secret)
            #expect(stored.hash.count == 32 && stored.salt.count >= 16)
            #expect(try SecretHasher.matches(secret, kdf: stored.kdf, salt: stored.salt, hash: stored.hash))
            #expect(try !SecretHasher.matches(secret + "0", kdf: stored.kdf, salt: stored.salt, hash: stored.hash))
        }
        // RFC 7914's first vector: an empty secret and an empty salt, N=16, r=1, p=1.
        let empty = Data(hex: "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442")
        #expect(try SecretHasher.matches("", kdf: "scrypt:16:1:1", salt: Data(), hash: empty))
    }

    /// Parameters a damaged or planted row might name: not scrypt, N not a power of two, or more work than eight
    /// times today's (scrypt would run 256 MiB, or 16 passes of 16 MiB, and stall the kiosk). Each is refused before
    /// scrypt runs, saying what to do.
    @Test func oddParametersAreRefusedNotRun() throws {
        for kdf in ["bcrypt:12", "scrypt:1000:8:1", "scrypt:262144:8:1", "scrypt:16384:8:16", "scrypt:1073741824:8:1", "scrypt:16384:0:1",
                    "scrypt:16384:8:0", "scrypt:16384:1000000:1", "scrypt:-16384:8:1", "scrypt:16384:8"] {
            let error = #expect(throws: StoreError.self, "\(kdf)") {
                try SecretHasher.matches("482916", kdf: kdf, salt: Data(count: 16), hash: Data(count: 32))
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("unknown key-derivation parameters '\(kdf)' in a stored hash: set that PIN or password again"),
                    "\(kdf): \(String(describing: error))")
        }
        #expect(try !SecretHasher.matches("482916", kdf: "scrypt:131072:8:1", salt: Data(count: 16), hash: Data(count: 32)),
                "eight times today's work is still run")
        #expect(try !SecretHasher.matches("", kdf: SecretHasher.noPassword, salt: Data(), hash: Data()), "no secret matches a member without a password")
    }
}

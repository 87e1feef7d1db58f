import ConsentCore
import Foundation
import GRDB
import SyncProtocol
import Testing

@testable import ConsentStore
import TestSupport

/// PINs and sign-in codes are hashed keyed with the vault's PIN key (``PINKey``), so a copy of the database files
/// alone cannot test a guess: on a real SQLite file, a PIN stored the unkeyed way still signs in and is keyed after,
/// a missing key is an error that counts nothing against the tenant, and both key rotations keep every PIN working.
@Suite struct KeyedPINTests {
    static func tenant(_ t: TempDatabase) throws {
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", annValues))
    }

    static func credential(_ db: ConsentDatabase, _ ref: String) throws -> Row? {
        try db.read { d in
            try Row.fetchOne(d, sql: "SELECT c.kdf, c.salt, c.hash FROM credential c JOIN tenant t ON t.id = c.tenant_id WHERE t.ref = ?", arguments: [ref])
        }
    }

    /// A staff password's row as the build before keyed PINs stored it (`SecretHasherTests`), planted as a tenant's PIN.
    static func plantUnkeyedPIN(_ t: TempDatabase, _ ref: String) throws {
        try t.tamper("""
            UPDATE credential SET kdf = 'scrypt:16384:8:1', salt = x'3A45D6AC9F8F1BDE5208C14EE1A46DC2',
                hash = x'7F9BE5B53CA58042C560DFB92DDBDBE7981D638EAF6AB17A226FB10F596C002C'
            WHERE tenant_id = (SELECT id FROM tenant WHERE ref = '\(ref)')
            """)
    }

    @Test func aPINIsKeyedWithAKeyTheDatabaseFilesAloneDoNotHold() throws {
        let t = try TempDatabase()
        try Self.tenant(t)
        try t.db.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        let row = try #require(try Self.credential(t.db, "T0000001"))
        let kdf: String = row["kdf"], salt: Data = row["salt"], hash: Data = row["hash"]
        #expect(kdf.hasPrefix("keyed-scrypt:4096:8:1:pin-"), "\(kdf)")
        // Whoever has the files but not the key tries the PIN as scrypt alone, at either cost: it never matches.
        for plain in ["scrypt:4096:8:1", "scrypt:16384:8:1"] {
            #expect(try !SecretHasher.matches("482916", kdf: plain, salt: salt, hash: hash), "\(plain)")
        }
        // The PIN key is in the vault, wrapped by the key-encryption key (32 bytes of key need more than 32 stored).
        let id = String(kdf.split(separator: ":").last ?? "")
        let wrap = try t.db.read { d in try Row.fetchOne(d, sql: "SELECT kek_id, wrapped FROM vault.data_key WHERE key_id = ?", arguments: [id]) }
        #expect(wrap?["kek_id"] == t.key.id)
        #expect(((wrap?["wrapped"] as Data?)?.count ?? 0) > 32)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482917") == .failed)
        // A second PIN uses the same key; a code too.
        try t.db.setPIN("593027", for: "T0000002", actor: .tenant, channel: .kiosk)
        #expect(try Self.credential(t.db, "T0000002")?["kdf"] == kdf)
        let code = try t.db.issueSignInCode("T0000002", by: .staff(StaffID("S1"), verification: "photo-id", reason: "kiosk-support"), channel: .phone)
        let codeKDF = try t.db.read { d in try String.fetchOne(d, sql: "SELECT kdf FROM sign_in_code") }
        #expect(codeKDF == kdf)
        #expect(try t.db.signIn("T0000002", dateOfBirth: "01/05/1970", secret: code, usingCode: true) == .signedIn("T0000002"))
    }

    @Test func aPINStoredTheUnkeyedWayStillSignsInAndIsKeyedAfter() throws {
        let t = try TempDatabase()
        try Self.tenant(t)
        try t.db.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        try Self.plantUnkeyedPIN(t, "T0000001")
        let ledger = try t.db.read { d in try Int.fetchOne(d, sql: "SELECT count(*) FROM ledger") }
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "Sup3r-secret-pas") == .failed)
        #expect(try Self.credential(t.db, "T0000001")?["kdf"] == "scrypt:16384:8:1", "a wrong secret changes nothing")
        #expect(try t.db.keyStatus(keyFile: "k", origin: "test").unkeyedSecrets == 1)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "Sup3r-secret-pass") == .signedIn("T0000001"))
        let kdf: String? = try Self.credential(t.db, "T0000001")?["kdf"]
        #expect(kdf?.hasPrefix("keyed-scrypt:4096:8:1:pin-") == true, "\(kdf ?? "none")")
        let status = try t.db.keyStatus(keyFile: "k", origin: "test")
        #expect(status.unkeyedSecrets == 0 && kdf?.hasSuffix(":" + (status.pinKey ?? "none")) == true, "\(status)")
        #expect(try t.db.read { d in try Int.fetchOne(d, sql: "SELECT count(*) FROM ledger") } == ledger, "the PIN did not change: no ledger entry")
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "Sup3r-secret-pass") == .signedIn("T0000001"))
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "Sup3r-secret-pas") == .failed)
    }

    @Test func aPINHashedWithoutTheKeyWorksWithoutItAndIsKeyedOnceTheKeyIsBack() throws {
        let t = try TempDatabase()
        try Self.tenant(t)
        let keyless = try t.reopen(key: nil)
        try keyless.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        #expect(try Self.credential(keyless, "T0000001")?["kdf"] == "scrypt:16384:8:1")
        #expect(try keyless.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        try keyless.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect((try Self.credential(t.db, "T0000001")?["kdf"] as String?)?.hasPrefix("keyed-") == true)
    }

    /// Without the key file, where keyed PINs are held, every reference gets the same error before anything is looked
    /// up or counted: no answer tells a stranger which references hold a PIN, and no tenant is locked out by it.
    @Test func withoutTheKeyEverySignInIsRefusedAlikeAndNothingIsCounted() throws {
        let t = try TempDatabase()
        try Self.tenant(t)
        try t.db.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        let keyless = try t.reopen(key: nil)
        defer { try? keyless.close() }
        var answers: [String] = []
        for (ref, pin) in [("T0000001", "482916"), ("T0000001", "000000"), ("T0000002", "482916"), ("T9999999", "482916")] {
            let error = #expect(throws: StoreError.self, "\(ref)") {
                try keyless.signIn(TenantRef(ref), dateOfBirth: "01/05/1970", secret: pin)
            }
            answers.append(error.map { "\($0)" } ?? "no error")
        }
        #expect(Set(answers).count == 1, "\(answers)")
        #expect(answers[0].contains("start it with --key-file or $CONSENT_KEY_FILE"), "\(answers[0])")
        for ref in ["T0000001", "T0000002", "T9999999"] { #expect(try keyless.signInFailures(TenantRef(ref)) == 0, "\(ref)") }
        #expect(throws: StoreError.self) { try keyless.checkPIN("482916", for: "T0000001") }
    }

    /// A PIN key made by another process after this one opened the vault is read, not made a second time.
    @Test func aPINKeyAnotherProcessMadeIsFound() throws {
        let t = try TempDatabase()
        try Self.tenant(t)
        let other = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        defer { try? other.close() }
        try other.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        try t.db.setPIN("593027", for: "T0000002", actor: .tenant, channel: .kiosk)
        let keys = try t.db.read { d in try String.fetchAll(d, sql: "SELECT key_id FROM vault.data_key WHERE key_id LIKE 'pin-%'") }
        #expect(keys.count == 1, "one PIN key for the vault, not one per process: \(keys)")
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect(try other.signIn("T0000002", dateOfBirth: "01/05/1970", secret: "593027") == .signedIn("T0000002"))
    }

    /// A kiosk started before `consent keys rotate` holds the old key-encryption key: it makes no PIN key wrapped by
    /// it (lost with that key at the next restart, and every PIN with it); its PINs stay unkeyed until it restarts.
    @Test func aProcessWithAReplacedKeyFileMakesNoPINKey() throws {
        let t = try TempDatabase()
        try Self.tenant(t)
        let keyFile = t.dir.appendingPathComponent("consent.key").path
        try KeyFile.create(t.key, at: keyFile)
        let kiosk = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        try t.db.close()
        let first = try ConsentDatabase.rotateKey(at: t.path, validator: Shipped.content.validator, keyFile: keyFile)
        try kiosk.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        #expect(try Self.credential(kiosk, "T0000001")?["kdf"] == "scrypt:16384:8:1")
        try kiosk.close()
        let second = try ConsentDatabase.rotateKey(at: t.path, validator: Shipped.content.validator, keyFile: keyFile)
        #expect(!second.resumed && second.newKeyID != first.newKeyID, "the next rotation replaces the key")
        let db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: try KeyFile.read(keyFile))
        defer { try? db.close() }
        #expect(try db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect((try Self.credential(db, "T0000001")?["kdf"] as String?)?.hasPrefix("keyed-") == true, "keyed at that sign-in")
    }

    @Test func bothKeyRotationsKeepEveryPIN() throws {
        let t = try TempDatabase()
        try Self.tenant(t)
        try t.db.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        let keyFile = t.dir.appendingPathComponent("consent.key").path
        try KeyFile.create(t.key, at: keyFile)
        try t.db.close()
        let report = try ConsentDatabase.rotateDataKeys(at: t.path, validator: Shipped.content.validator, keyFile: keyFile)
        #expect(!report.destroyedDataKeys.isEmpty && report.destroyedDataKeys.allSatisfy { $0.hasPrefix("dk-") }, "\(report.destroyedDataKeys)")
        _ = try ConsentDatabase.rotateKey(at: t.path, validator: Shipped.content.validator, keyFile: keyFile)
        let db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: try KeyFile.read(keyFile))
        defer { try? db.close() }
        #expect(try db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482916") == .signedIn("T0000001"))
        #expect(try db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: "482917") == .failed)
    }

    /// Every check spends the same work whatever is stored: nothing, a keyed hash, or an unkeyed one.
    @Test(arguments: [(true, true), (true, false), (false, true)])
    func everyCheckSpendsTheSameWork(_ keyed: Bool, _ unkeyedLeft: Bool) {
        // The kinds a database in this state can hold: keyed hashes only with the key, unkeyed only while some are left.
        let kinds: [Bool?] = [nil] + (keyed ? [true] : []) + (unkeyedLeft ? [false] : [])
        let work = kinds.map { stored -> [String] in
            let padding = ConsentDatabase.paddingWork(keyed: keyed, unkeyedLeft: unkeyedLeft, storedKeyed: stored)
            return ([stored == true || padding.keyed ? "keyed" : nil, stored == false || padding.unkeyed ? "unkeyed" : nil]).compactMap { $0 }
        }
        #expect(Set(work.map { $0.joined(separator: "+") }).count == 1, "\(kinds): \(work)")
        #expect(work.first?.contains("keyed") == keyed, "a keyed hash's work whenever the key is here")
        #expect(work.first?.contains("unkeyed") == unkeyedLeft, "an unkeyed hash's work only while one is needed")
    }

    /// An unkeyed code stops counting once it expires (it is checked as no code), so old codes do not keep every
    /// sign-in at both hashes' cost; an expired code still signs no one in.
    @Test func anExpiredUnkeyedCodeNoLongerKeepsBothCosts() throws {
        let clock = TestClock()
        let t = try TempDatabase(clock: { clock.now })
        try Self.tenant(t)
        try t.db.close()
        let keyless = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, clock: { clock.now }, keyProblem: "test without key")
        let code = try keyless.issueSignInCode("T0000001", by: .staff(StaffID("S1"), verification: "photo-id", reason: "kiosk-support"), channel: .phone)
        try keyless.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, clock: { clock.now }, key: t.key)
        let left = { try t.db.read { d in try Bool.fetchOne(d, sql: ConsentDatabase.unkeyedSecretsLeft, arguments: [Millis.from(clock.now)]) } }
        #expect(try left() == true && t.db.keyStatus(keyFile: "k", origin: "test").unkeyedSecrets == 1)
        clock.advance(8 * 86_400)
        #expect(try left() == false && t.db.keyStatus(keyFile: "k", origin: "test").unkeyedSecrets == 0)
        #expect(try t.db.signIn("T0000001", dateOfBirth: "01/05/1970", secret: code, usingCode: true) == .failed)
    }

    /// "Are any PINs left to key?" is one step of a partial index, not a scan of every credential.
    @Test func theUnkeyedCheckReadsAnIndex() throws {
        let t = try TempDatabase()
        let plan = try t.db.read { d in
                try Row.fetchAll(d, sql: "EXPLAIN QUERY PLAN " + ConsentDatabase.unkeyedSecretsLeft, arguments: [0]).map { $0["detail"] as String }.joined()
        }
        #expect(plan.contains("credential_unkeyed") && plan.contains("sign_in_code_unkeyed"), "\(plan)")
    }

    /// A member of staff whose stored hash is damaged gets an error that says what to do, and no failure is counted
    /// (five would lock them out for a fault of the file).
    @Test func aDamagedStaffHashIsAnErrorNotAWrongPassword() throws {
        let t = try TempDatabase()
        try t.db.addStaff("S1", name: "Sam Jones", role: .support, password: "correct horse battery")
        try t.tamper("UPDATE staff SET kdf = 'scrypt:1000:8:1' WHERE id = 'S1'")
        let error = #expect(throws: StoreError.self) { try t.db.staffSignIn("S1", password: "correct horse battery") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("set that PIN or password again"), "\(String(describing: error))")
        let failures = try t.db.read { d in try Int.fetchOne(d, sql: "SELECT count(*) FROM staff_sign_in_failure") }
        #expect(failures == 0)
    }
}

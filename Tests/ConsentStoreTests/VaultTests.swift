import ConsentCore
import Foundation
import GRDB
import Testing

@testable import ConsentStore
import TestSupport

/// Sealing of special-category values: what opens, what does not, and what happens without the key.
@Suite struct VaultTests {
    static let event = EventID(device: DeviceID("kiosk-1"), sequence: 7)
    static let aad = Sealing.associatedData(tenant: "T0000001", attribute: AttributeID("religion"), event: event)

    @Test func aSealedValueOpensWithItsKeyAndPlace() throws {
        let key = KeyEncryptionKey.generate().key
        let salt = Data(repeating: 9, count: 16)
        for value in [AttributeValue.value("muslim"), .preferNotToSay, .value("Uses a wheelchair; ramp at the back door ü")] {
            let sealed = try Sealing.seal(value, salt: salt, key: key, associatedData: Self.aad)
            let opened = try #require(Sealing.open(sealed, key: key, associatedData: Self.aad))
            #expect(opened.value == value)
            #expect(opened.salt == salt)
            if let text = value.text { #expect(sealed.range(of: Data(text.utf8)) == nil) }
        }
    }

    @Test func aSealedValueMovedToAnotherTenantAttributeOrEventDoesNotOpen() throws {
        let key = KeyEncryptionKey.generate().key
        let sealed = try Sealing.seal(.value("jewish"), salt: Data(count: 16), key: key, associatedData: Self.aad)
        let elsewhere = [
            Sealing.associatedData(tenant: "T0000002", attribute: AttributeID("religion"), event: Self.event),
            Sealing.associatedData(tenant: "T0000001", attribute: AttributeID("ethnic-origin"), event: Self.event),
            Sealing.associatedData(tenant: "T0000001", attribute: AttributeID("religion"), event: EventID(device: DeviceID("kiosk-1"), sequence: 8)),
            Sealing.associatedData(tenant: "T0000001", attribute: AttributeID("religion"), event: EventID(device: DeviceID("kiosk-2"), sequence: 7)),
        ]
        for aad in elsewhere { #expect(Sealing.open(sealed, key: key, associatedData: aad) == nil) }
        #expect(Sealing.open(sealed, key: KeyEncryptionKey.generate().key, associatedData: Self.aad) == nil)
        var flipped = sealed
        flipped[flipped.startIndex + 14] ^= 1
        #expect(Sealing.open(flipped, key: key, associatedData: Self.aad) == nil)
    }

    @Test func dataKeysUnwrapOnlyWithTheirKeyEncryptionKeyAndId() throws {
        let kek = KeyEncryptionKey.generate()
        let dataKey = KeyEncryptionKey.generate().key
        let wrapped = try Sealing.wrap(dataKey, id: "dk-1", with: kek)
        #expect(Sealing.unwrap(wrapped, id: "dk-1", with: kek) == dataKey)
        #expect(Sealing.unwrap(wrapped, id: "dk-2", with: kek) == nil)
        #expect(Sealing.unwrap(wrapped, id: "dk-1", with: .generate()) == nil)
    }

    @Test func withoutTheKeyTheDatabaseOpensShowsSpecialValuesAsUnavailableAndLosesNothing() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let withoutKey = try t.reopen(key: nil)
        #expect(!withoutKey.specialValuesAvailable)
        #expect(withoutKey.specialValuesProblem?.contains("unavailable") == true)
        let state = try #require(try withoutKey.tenantState("T0000001"))
        #expect(state.value(AttributeID("mobile")).answer == .value("07700900123"))
        guard case .unavailable = state.value(AttributeID("health-needs")) else {
            Issue.record("health-needs should be unavailable, is \(state.value(AttributeID("health-needs")))")
            return
        }
        #expect(state.value(AttributeID("religion")).answer == .preferNotToSay) // "prefer not to say" is no special value
        #expect(Policy.evaluate(AttributeID("health-needs"), for: PurposeID("tailoring-services"), of: state, at: Date(), in: Shipped.content.catalogue)
            == .denied(.unavailable))
        // Decisions are still recorded; a new special value is refused with a clear error.
        try withoutKey.record(decide("T0000001", "equality-monitoring", ["ethnic-origin"], .objected))
        #expect(throws: StoreError.keyUnavailable(reason: "test without key")) {
            try withoutKey.record(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("religion"), .value("sikh"), pending: false),
                                                actor: .tenant, channel: .kiosk))
        }
        let refused = #expect(throws: StoreError.self) { try withoutKey.verify() }
        if case .keyUnavailable? = refused {} else { Issue.record("verify without the key must say the key is missing, not \(String(describing: refused))") }
        // An erasure needs no key: the sealed value is forgotten all the same.
        try withoutKey.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("ethnic-origin")), actor: .tenant, channel: .kiosk))
        guard case .erased = try withoutKey.tenantState("T0000001")?.value(AttributeID("ethnic-origin")) else {
            Issue.record("ethnic-origin was not erased without the key")
            return
        }
        try withoutKey.close()
        let again = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        let restored = try #require(try again.tenantState("T0000001"))
        #expect(restored.value(AttributeID("health-needs")).answer == .value("Uses a wheelchair QZXW"))
        guard case .erased = restored.value(AttributeID("ethnic-origin")) else {
            Issue.record("the erasure made without the key did not hold: \(restored.value(AttributeID("ethnic-origin")))")
            return
        }
        let vault = try DatabaseQueue(path: ConsentDatabase.vaultPath(for: t.path))
        #expect(try vault.read { try Int.fetchOne($0, sql: "SELECT count(sealed) FROM value WHERE attribute_id = 'ethnic-origin'") } == 0)
        try vault.close()
        #expect(try again.verify().ok)
        t.db = again
    }

    @Test func aForgedDataKeyInTheVaultDoesNotStopTheDatabaseOpening() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.close()
        // What a rogue device's push once left behind: a data key naming this key-encryption key, newer
        // than the real one, whose wrapping is random bytes.
        let vault = try DatabaseQueue(path: ConsentDatabase.vaultPath(for: t.path))
        try vault.write { db in
            try db.execute(sql: "INSERT INTO data_key (key_id, kek_id, wrapped, created_at) VALUES ('dk-forged', ?, ?, ?)",
                           arguments: [t.key.id, Data((0..<60).map { _ in UInt8.random(in: 0...255) }), Int64.max / 2])
        }
        try vault.close()
        let db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        t.db = db
        #expect(db.specialValuesAvailable)
        #expect(try db.tenantState("T0000001")?.value(AttributeID("health-needs")).answer == .value("Uses a wheelchair QZXW"))
        let status = try db.keyStatus(keyFile: "test.key", origin: "option")
        #expect(status.brokenKeys == ["dk-forged"])
        #expect(status.brokenKeysAdvice?.contains("dk-forged does not open with this key") == true, "\(status.brokenKeysAdvice ?? "")")
        // New special values are sealed with the real key, and open again after a reopen.
        try db.record(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("religion"), .value("sikh"), pending: false),
                                    actor: .tenant, channel: .kiosk))
        try db.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        #expect(try t.db.tenantState("T0000001")?.value(AttributeID("religion")).answer == .value("sikh"))
        #expect(try t.db.verify().ok)
    }

    @Test func aWrongKeyIsRefusedByName() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.close()
        let wrong = KeyEncryptionKey.generate(source: "/etc/consent/other.key")
        #expect(throws: StoreError.wrongKey(source: "/etc/consent/other.key")) {
            try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: wrong)
        }
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
    }

    @Test func aSealedValueMovedToAnotherRowReadsAsUnavailableAndVerifyNamesIt() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        var bob = annValues
        bob["full-name"] = "Bob Smith"
        bob["health-needs"] = "Hearing loop QZXV"
        try t.db.record(register("T0000002", bob))
        try t.tamper("""
            UPDATE vault.value SET sealed = (SELECT sealed FROM vault.value WHERE device_seq = 1 AND attribute_id = 'health-needs')
            WHERE device_seq = 2 AND attribute_id = 'health-needs'
            """)
        let state = try #require(try t.db.tenantState("T0000002"))
        guard case .unavailable = state.value(AttributeID("health-needs")) else {
            Issue.record("a moved value opened: \(state.value(AttributeID("health-needs")))")
            return
        }
        #expect(try t.db.verify().problems.contains { $0.contains("sealed value of health-needs does not open") })
    }

    @Test func vaultRowsLeftByATransactionThatNeverCommittedAreRemovedByTheNextWrite() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        // As after a crash between the vault's commit and the main file's: a vault row for sequence 2.
        try t.tamper("""
            INSERT INTO vault.value (device_no, device_seq, attribute_id, tenant_id, key_id, sealed, prefer_not, digest)
            SELECT device_no, 2, 'religion', tenant_id, key_id, sealed, 0, digest FROM vault.value WHERE attribute_id = 'health-needs'
            """)
        try t.db.record(decide("T0000001", "service-updates-email", ["email"], .granted))
        #expect(try t.db.verify().ok)
    }

    @Test func anErasureTheVaultHadNotAppliedIsAppliedAtOpening() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("health-needs")), actor: .tenant, channel: .kiosk))
        // As after a crash between the main file's commit and the vault's: the sealed value is back, the erasure still due.
        let vault = try DatabaseQueue(path: ConsentDatabase.vaultPath(for: t.path))
        let sealed = try Sealing.seal(.value("Uses a wheelchair QZXW"), salt: Data(count: 16), key: KeyEncryptionKey.generate().key,
                                      associatedData: Sealing.associatedData(tenant: "T0000001", attribute: AttributeID("health-needs"),
                                                                             event: EventID(device: DeviceID("kiosk-test"), sequence: 1)))
        try vault.write { try $0.execute(sql: "UPDATE value SET sealed = ? WHERE attribute_id = 'health-needs'", arguments: [sealed]) }
        try vault.close()
        try t.tamper("INSERT INTO vault_erasure_due (device_no, device_seq, attribute_id) VALUES (1, 1, 'health-needs')")
        let check = try DatabaseQueue(path: ConsentDatabase.vaultPath(for: t.path))
        let left = try check.read { try Int.fetchOne($0, sql: "SELECT count(sealed) FROM value WHERE attribute_id = 'health-needs'") }
        try check.close()
        #expect(left == 0)
        #expect(try t.db.verify().ok)
    }

    @Test func aDatabaseFromBeforeSealingIsRefusedWithWhatToDo() throws {
        let t = try TempDatabase()
        try t.db.close()
        let queue = try DatabaseQueue(path: ConsentDatabase.vaultPath(for: t.path))
        try queue.write { try $0.execute(sql: "DROP TABLE data_key") }
        try queue.close()
        #expect(throws: StoreError.unsealedVault(path: t.path)) {
            try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        }
        #expect(try ConsentDatabase.metadata("device_id", at: t.path) == "kiosk-test")
        t.db = try ConsentDatabase.create(at: t.path + ".new.sqlite", validator: Shipped.content.validator, key: t.key)
    }

    @Test func keyFilesAreWrittenPrivatelyAndRefusedWhenOthersCanReadThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("consent.key").path
        let key = KeyEncryptionKey.generate(source: path)
        try KeyFile.create(key, at: path)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try KeyFile.read(path).id == key.id)
        #expect(throws: StoreError.alreadyExists(path: path)) { try KeyFile.create(.generate(), at: path) }
        chmod(path, 0o640)
        #expect(throws: StoreError.keyFileUnsafe(path: path, mode: "640")) { try KeyFile.read(path) }
        let garbage = dir.appendingPathComponent("garbage.key").path
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("not a key\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: StoreError.notAKeyFile(path: garbage)) { try KeyFile.read(garbage) }
        #expect(throws: StoreError.keyFileMissing(path: path + ".none")) { try KeyFile.read(path + ".none") }
    }

    @Test func theKeyIsLookedForInTheDocumentedOrder() {
        let env = ["CONSENT_KEY_FILE": "/env.key", "CREDENTIALS_DIRECTORY": "/run/credentials/consent.service"]
        #expect(KeyLocation.resolve(option: "/opt.key", environment: env, databasePath: "/d/c.sqlite") == KeyLocation(path: "/opt.key", origin: .option))
        #expect(KeyLocation.resolve(option: nil, environment: env, databasePath: "/d/c.sqlite") == KeyLocation(path: "/env.key", origin: .environment))
        #expect(KeyLocation.resolve(option: nil, environment: ["CREDENTIALS_DIRECTORY": "/run/c"], databasePath: "/d/c.sqlite")
            == KeyLocation(path: "/run/c/consent-kek", origin: .credential))
        #expect(KeyLocation.resolve(option: nil, environment: [:], databasePath: "/d/c.sqlite") == KeyLocation(path: "/d/c.key", origin: .besideDatabase))
    }
}

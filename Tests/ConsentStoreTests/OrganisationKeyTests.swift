import ConsentCore
import Foundation
import GRDB
import Testing

@testable import ConsentStore
import TestSupport

/// Special-category values sealed to the organisation's public key (HPKE): a device seals and cannot
/// open; the centre opens with the private key it keeps in its vault; a centre from before keeps
/// opening the values sealed under its data keys.
@Suite struct OrganisationKeyTests {
    static let health = AttributeID("health-needs")

    @Test func anOrganisationSealOpensOnlyWithThePrivateKeyAndInItsPlace() throws {
        let organisation = OrganisationPrivateKey.generate()
        let salt = Data(repeating: 3, count: 16)
        for value in [AttributeValue.value("muslim"), .preferNotToSay, .value("Uses a wheelchair; ramp at the back door ü")] {
            let sealed = try OrganisationSeal.seal(value, salt: salt, to: organisation.publicKey, associatedData: VaultTests.aad)
            let plain = try #require(OrganisationSeal.openPlain(sealed, key: organisation, associatedData: VaultTests.aad))
            #expect(Sealing.value(of: plain) == value)
            #expect(plain.prefix(Sealing.saltBytes) == salt, "the digest's salt stays inside the seal")
            if let text = value.text { #expect(sealed.range(of: Data(text.utf8)) == nil) }
        }
        let sealed = try OrganisationSeal.seal(.value("jewish"), salt: salt, to: organisation.publicKey, associatedData: VaultTests.aad)
        let elsewhere = Sealing.associatedData(tenant: "T0000002", attribute: AttributeID("religion"), event: VaultTests.event)
        #expect(OrganisationSeal.openPlain(sealed, key: organisation, associatedData: elsewhere) == nil, "moved to another tenant")
        #expect(OrganisationSeal.openPlain(sealed, key: .generate(), associatedData: VaultTests.aad) == nil, "another organisation's key")
        var flipped = sealed
        flipped[flipped.startIndex + 40] ^= 1
        #expect(OrganisationSeal.openPlain(flipped, key: organisation, associatedData: VaultTests.aad) == nil)
        #expect(OrganisationSeal.openPlain(Data(count: 20), key: organisation, associatedData: VaultTests.aad) == nil, "too short")
        #expect(throws: StoreError.self) { try OrganisationPublicKey(raw: Data(count: 7)) }
    }

    @Test func aDeviceSealsToTheOrganisationKeyCannotOpenOrRevealAndTheCentreOpens() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("org-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let validator = Shipped.content.validator
        let centre = try ConsentDatabase.create(at: dir.appendingPathComponent("centre.sqlite").path, validator: validator,
                                                device: DeviceID("centre"), key: .generate(), centre: true)
        defer { try? centre.close() }
        let key = try #require(centre.organisationKey)
        #expect(key.id.hasPrefix("org-"))
        let device = try ConsentDatabase.create(at: dir.appendingPathComponent("kiosk.sqlite").path, validator: validator,
                                                device: DeviceID("kiosk-1"), key: nil, keyProblem: "a kiosk holds no key")
        defer { try? device.close() }
        #expect(throws: StoreError.self) { try device.record(register("T0000001", annValues)) }
        try device.adoptOrganisationKey(key)
        #expect(device.specialValuesSealedForCentre && !device.specialValuesAvailable)
        #expect(device.specialValuesProblem?.contains("at the centre") == true)
        try device.record(register("T0000001", annValues))
        let state = try #require(try device.tenantState("T0000001"))
        #expect(state.value(AttributeID("mobile")).answer == .value("07700900123"))
        guard case .unavailable = state.value(Self.health) else { Issue.record("\(state.value(Self.health))"); return }
        #expect(state.value(AttributeID("religion")).answer == .preferNotToSay, "prefer not to say is shown, as it always was")
        // A read is recorded on the device (it is what the centre asks for before it reveals), and opens nothing here.
        let reveal = ChangeRequest(tenant: "T0000001", payload: .access(Self.health), actor: .system("test"), channel: .system, evidence: "why")
        try device.record(reveal)
        guard case .unavailable = try device.tenantState("T0000001")?.value(Self.health) else { Issue.record("opened on the device"); return }
        let verify = try device.verify()
        #expect(verify.ok, "\(verify.problems)")
        #expect(verify.checkedAtCentre == 3, "health-needs, religion and ethnic-origin are left to the centre")
        #expect(verify.centreNote?.contains("at the centre") == true)

        // The centre opens the device's seal, as stored and sent (the same blob, key id and place).
        let row = try #require(try device.read { db in
            try Row.fetchOne(db, sql: "SELECT key_id, sealed, device_seq FROM vault.value WHERE attribute_id = 'health-needs'")
        })
        let keyID: String = row["key_id"]
        #expect(keyID == key.id)
        let opened = centre.keys.open(row["sealed"], keyID: keyID, tenant: "T0000001", attribute: Self.health,
                                      event: EventID(device: DeviceID("kiosk-1"), sequence: row["device_seq"]))
        #expect(opened?.value == .value("Uses a wheelchair QZXW"))
        #expect(device.keys.open(row["sealed"], keyID: keyID, tenant: "T0000001", attribute: Self.health,
                                 event: EventID(device: DeviceID("kiosk-1"), sequence: row["device_seq"])) == nil)
        #expect(throws: StoreError.self) { try centre.adoptOrganisationKey(key) }
    }

    @Test func aCentreFromBeforeOrganisationKeysGetsOneKeepsOpeningItsOldValuesAndRotatesBoth() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        #expect(t.db.organisationKey == nil, "a database not enrolled with a centre seals under its data keys")
        // The same file, now a centre from before organisation keys (and from before it named its own sealing key).
        try t.tamper("INSERT INTO meta (key, value) VALUES ('role', 'centre'); DELETE FROM vault.meta WHERE key = 'sealing_key'")
        let key = try #require(t.db.organisationKey, "opening a centre with its key-encryption key makes the organisation's key pair")
        try t.db.record(register("T0000002", annValues))
        let keyIDs = try t.db.read { db in try String.fetchAll(db, sql: "SELECT key_id FROM vault.value WHERE attribute_id = 'health-needs' ORDER BY tenant_id") }
        #expect(keyIDs.count == 2 && keyIDs[0].hasPrefix("dk-") && keyIDs[1] == key.id, "\(keyIDs)")
        for ref in ["T0000001", "T0000002"] as [TenantRef] {
            #expect(try t.db.tenantState(ref)?.value(Self.health).answer == .value("Uses a wheelchair QZXW"), "\(ref)")
        }
        let verify = try t.db.verify()
        #expect(verify.ok && verify.checkedAtCentre == 0, "\(verify.problems)")

        // Rotating the key-encryption key re-wraps the organisation's private key with the data keys.
        let keyFile = t.dir.appendingPathComponent("consent.key").path
        try KeyFile.create(t.key, at: keyFile)
        try t.db.close()
        _ = try ConsentDatabase.rotateKey(at: t.path, validator: Shipped.content.validator, keyFile: keyFile)
        let rotated = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: try KeyFile.read(keyFile))
        defer { try? rotated.close() }
        #expect(rotated.organisationKey == key)
        for ref in ["T0000001", "T0000002"] as [TenantRef] {
            #expect(try rotated.tenantState(ref)?.value(Self.health).answer == .value("Uses a wheelchair QZXW"), "\(ref) after rotation")
        }
        #expect(try rotated.verify().ok)
    }

    /// The centre seals what it records under a data key of its own (AES-GCM, no X25519 to open it
    /// again), never under a key a device pushed: that device holds the key, and pulls give devices
    /// the centre's sealed values. A centre that never named its own key keeps the organisation's.
    @Test func theCentreSealsItsOwnValuesUnderItsOwnDataKeyNeverUnderOneADevicePushed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("own-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let kek = KeyEncryptionKey.generate()
        let path = dir.appendingPathComponent("centre.sqlite").path
        var centre = try ConsentDatabase.create(at: path, validator: Shipped.content.validator, device: DeviceID("centre"), key: kek, centre: true)
        defer { try? centre.close() }
        func keyID(_ ref: TenantRef) throws -> String? {
            try centre.read { db in
                try String.fetchOne(db, sql: """
                    SELECT v.key_id FROM vault.value v JOIN tenant t ON t.id = v.tenant_id WHERE t.ref = ? AND v.attribute_id = 'health-needs'
                    """, arguments: [ref.rawValue])
            }
        }
        let own = try #require(try centre.read { db in try String.fetchOne(db, sql: "SELECT value FROM vault.meta WHERE key = 'sealing_key'") })
        #expect(own.hasPrefix("dk-"))
        try centre.record(register("T0000001", annValues))
        #expect(try keyID("T0000001") == own)

        // A data key a device pushed: wrapped by the same key-encryption key (as a centre accepts one) and newer.
        let (pushedID, pushedKey) = Sealing.newDataKey()
        try centre.write { db in
            try db.execute(sql: "INSERT INTO vault.data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [pushedID, kek.id, try Sealing.wrap(pushedKey, id: pushedID, with: kek), Int64.max / 2])
        }
        try centre.reloadKeys()
        try centre.record(register("T0000002", annValues))
        #expect(try keyID("T0000002") == own, "never under \(pushedID), which the device that pushed it holds")
        for ref in ["T0000001", "T0000002"] as [TenantRef] {
            #expect(try centre.tenantState(ref)?.value(Self.health).answer == .value("Uses a wheelchair QZXW"), "\(ref)")
        }
        #expect(try centre.verify().ok)

        // A centre that never named its own key (made before this rule) seals to the organisation's key, as it did.
        try centre.write { db in try db.execute(sql: "DELETE FROM vault.meta WHERE key = 'sealing_key'") }
        try centre.close()
        centre = try ConsentDatabase.open(at: path, validator: Shipped.content.validator, key: kek)
        try centre.record(register("T0000003", annValues))
        #expect(try keyID("T0000003") == centre.organisationKey?.id)
        #expect(try centre.tenantState("T0000003")?.value(Self.health).answer == .value("Uses a wheelchair QZXW"))
    }
}

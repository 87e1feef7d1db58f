import ConsentCore
import ConsentVault
import Crypto
import Foundation
import Testing

/// Sealing of special-category values (AES-GCM, bound to tenant, attribute and event) and the wrapping of
/// data keys, with nothing but the vault module.
@Suite struct SealingTests {
    let key = SymmetricKey(size: .bits256)
    let salt = Data((0..<Sealing.saltBytes).map { UInt8($0) })
    let event = EventID(device: DeviceID("kiosk-a"), sequence: 7)

    func seal(_ value: AttributeValue, tenant: String = "T1", attribute: String = "health-needs") throws -> Data {
        try Sealing.seal(value, salt: salt, key: key,
                         associatedData: Sealing.associatedData(tenant: TenantRef(tenant), attribute: AttributeID(attribute), event: event))
    }

    /// Python: b"tenantconsent-value-v1" + b"".join(struct.pack(">I", len(p)) + p for p in [b"T0000001", b"health-needs", b"kiosk-1", b"42"])
    static let knownBinding = "74656e616e74636f6e73656e742d76616c75652d76310000000854303030303030310000000c6865616c74682d6e65656473"
        + "000000076b696f736b2d31000000023432"

    @Test func theBindingNamesTenantAttributeAndEventEachWithItsLength() {
        let bound = Sealing.associatedData(tenant: TenantRef("T0000001"), attribute: AttributeID("health-needs"),
                                           event: EventID(device: DeviceID("kiosk-1"), sequence: 42))
        #expect(bound.lowercaseHex == Self.knownBinding)
    }

    @Test func theBindingWrittenIntoRoomLeftFromALongerOneIsTheSameBytes() {
        var room = Array(String(repeating: "left over from a longer binding; ", count: 4).utf8)
        Sealing.writeAssociatedData(tenant: TenantRef("T0000001"), attribute: AttributeID("health-needs"),
                                    event: EventID(device: DeviceID("kiosk-1"), sequence: 42), into: &room)
        #expect(Data(room).lowercaseHex == Self.knownBinding)
    }

    @Test func aValueOpenedIntoReusedRoomIsTheValueAndAnotherBindingOpensNothing() throws {
        var room: [UInt8] = Array(repeating: 0xAA, count: 200)
        let bound = Array(Sealing.associatedData(tenant: TenantRef("T1"), attribute: AttributeID("health-needs"), event: event))
        let elsewhere = Array(Sealing.associatedData(tenant: TenantRef("T2"), attribute: AttributeID("health-needs"), event: event))
        for value in [AttributeValue.value("uses a wheelchair; ☂ ünïcode"), .value(""), .preferNotToSay, .value("x")] {
            let sealed = try seal(value)
            let opened = sealed.withUnsafeBytes { Sealing.openValue($0, key: DataKey(key), associatedData: bound, scratch: &room) }
            #expect(opened == value)
            #expect(sealed.withUnsafeBytes { Sealing.openValue($0, key: DataKey(key), associatedData: elsewhere, scratch: &room) } == nil)
        }
    }

    @Test func aSealedValueOpensWithItsKeyToTheSameSaltAndValue() throws {
        for value in [AttributeValue.value("uses a wheelchair; ☂ ünïcode"), .value(""), .preferNotToSay] {
            let sealed = try seal(value)
            #expect(!sealed.contains(Data("wheelchair".utf8)), "the value is not in the clear")
            let opened = try #require(Sealing.open(sealed, key: key, tenant: TenantRef("T1"), attribute: AttributeID("health-needs"), event: event))
            #expect(opened.salt == salt && opened.value == value)
        }
    }

    @Test func sealingTheSameValueTwiceNeverRepeatsANonceAcrossThePoolsRefills() throws {
        // The nonce is the first 12 bytes of the combined box: each seal must draw fresh ones from the pool.
        let refill = 65_536 / 12 + 3
        var nonces = Set<Data>()
        for _ in 0..<refill { nonces.insert(try seal(.value("the same")).prefix(12)) }
        #expect(nonces.count == refill)
    }

    @Test func thePoolHandsOutEachRandomByteOnceAndRefillsWithFreshOnes() {
        let pool = RandomPool()
        let draws = (0..<(65_536 / 16 + 17)).map { _ in pool.bytes(16) }
        #expect(Set(draws).count == draws.count, "no 16 bytes handed out twice, before or after the refill")
        #expect(draws.allSatisfy { $0.count == 16 })
        let all = draws.reduce(into: Data(), { $0.append($1) })
        #expect(Set(all).count > 250, "the bytes look random (nearly every byte value appears in 66 KB)")
    }

    @Test func aSealedValueDoesNotOpenWithAnotherKeyNorForAnotherTenantAttributeOrEvent() throws {
        let sealed = try seal(.value("uses a wheelchair"))
        #expect(Sealing.open(sealed, key: SymmetricKey(size: .bits256), tenant: TenantRef("T1"), attribute: AttributeID("health-needs"), event: event) == nil,
                "another key")
        #expect(Sealing.open(sealed, key: key, tenant: TenantRef("T2"), attribute: AttributeID("health-needs"), event: event) == nil, "copied to another tenant")
        #expect(Sealing.open(sealed, key: key, tenant: TenantRef("T1"), attribute: AttributeID("religion"), event: event) == nil, "to another attribute")
        #expect(Sealing.open(sealed, key: key, tenant: TenantRef("T1"), attribute: AttributeID("health-needs"),
                             event: EventID(device: DeviceID("kiosk-a"), sequence: 8)) == nil, "to another event")
        var changed = sealed
        changed[changed.startIndex + 14] ^= 1
        #expect(Sealing.open(changed, key: key, tenant: TenantRef("T1"), attribute: AttributeID("health-needs"), event: event) == nil, "changed")
    }

    @Test func aWrappedDataKeyOpensOnlyWithItsKeyEncryptionKeyAndId() throws {
        let kek = KeyEncryptionKey.generate()
        let dataKey = SymmetricKey(size: .bits256)
        let wrapped = try Sealing.wrap(dataKey, id: "dk-1", with: kek)
        #expect(Sealing.unwrap(wrapped, id: "dk-1", with: kek) == dataKey)
        #expect(Sealing.unwrap(wrapped, id: "dk-2", with: kek) == nil, "bound to its id")
        #expect(Sealing.unwrap(wrapped, id: "dk-1", with: KeyEncryptionKey.generate()) == nil, "another key-encryption key")
    }

    @Test func unwrappingAllSaysWhichKeysAreBrokenAndRefusesAKeyFileThatIsNotTheVaults() throws {
        let kek = KeyEncryptionKey.generate()
        let good = try Sealing.wrap(SymmetricKey(size: .bits256), id: "dk-1", with: kek)
        let forged = try Sealing.wrap(SymmetricKey(size: .bits256), id: "dk-2", with: KeyEncryptionKey.generate())
        let found = try Sealing.unwrapAll([("dk-1", kek.id, good), ("dk-2", kek.id, forged)], with: kek)
        #expect(found.keys.map(\.id) == ["dk-1"] && found.broken == ["dk-2"])
        let stranger = KeyEncryptionKey.generate(source: "/etc/other.key")
        #expect(throws: StoreError.wrongKey(source: "/etc/other.key")) { try Sealing.unwrapAll([("dk-1", kek.id, good)], with: stranger) }
        #expect(try Sealing.unwrapAll([], with: stranger).keys.isEmpty, "an empty vault opens with any key")
    }
}

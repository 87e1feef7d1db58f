@testable import ConsentVault
import Crypto
import Foundation
import Testing

/// A prepared data key (libsodium's AES-256-GCM where the CPU has it, swift-crypto otherwise) makes the
/// boxes AES-256-GCM makes: each opens what the other sealed, and neither opens a box that was changed.
@Suite struct DataKeyTests {
    /// Both ways of doing the work on this machine (libsodium's only where the CPU runs it).
    static let ways = [false, true].filter { !$0 || DataKey.accelerated }

    static let key = SymmetricKey(data: Data((1...32).map { UInt8($0) }))
    static let nonce = (0..<12).map { UInt8($0) }

    @Test(arguments: ways) func aKnownBoxIsSealedAndOpened(accelerated: Bool) throws {
        // Python's cryptography: AESGCM(bytes(range(1, 33))).encrypt(bytes(range(12)), bytes(16) + b"vUses a wheelchair",
        // b"tenantconsent-value-v1").hex()
        let expected = "71300197c8dd610b0f2bb2416498f78d5fc2cef00dbf1b5cba2018d830b65a5aefda5432e861ddb5df6038ed81fb0c21e5bc"
        let plain = Data(count: 16) + Data("vUses a wheelchair".utf8)
        let ad = Data("tenantconsent-value-v1".utf8)
        let key = DataKey(Self.key, accelerated: accelerated)
        let box = try key.seal(plain, nonce: Self.nonce, associatedData: ad)
        #expect(box == Data(Self.nonce) + Data(hex: expected))
        #expect(box.withUnsafeBytes { key.open($0, associatedData: ad) } == plain)
    }

    @Test(arguments: ways) func aBoxOpensIntoRoomLeftFromALongerOneAndAChangedBoxLeavesItEmpty(accelerated: Bool) throws {
        let key = DataKey(Self.key, accelerated: accelerated)
        let ad = Array("tenant 1".utf8)
        var room: [UInt8] = Array(repeating: 7, count: 100)
        for length in [40, 3, 0] {
            let plain = (0..<length).map { UInt8($0 + 1) }
            let box = try key.seal(Data(plain), nonce: Self.nonce, associatedData: Data(ad))
            #expect(box.withUnsafeBytes { sealed in ad.withUnsafeBytes { key.open(sealed, associatedData: $0, into: &room) } })
            #expect(room == plain)
            var changed = box
            changed[changed.count - 1] ^= 1
            #expect(!changed.withUnsafeBytes { sealed in ad.withUnsafeBytes { key.open(sealed, associatedData: $0, into: &room) } })
            #expect(room.isEmpty, "nothing of a box that did not open is left to read")
        }
    }

    @Test func eachOpensWhatTheOtherSealedAndNeitherOpensAChangedBox() throws {
        var rng = SystemRandomNumberGenerator()
        let keys = Self.ways.map { DataKey(Self.key, accelerated: $0) }
        for length in [0, 1, 15, 16, 17, 40, 255] {
            let plain = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let ad = Data("tenant \(length)".utf8)
            for sealer in keys {
                let box = try sealer.seal(plain, nonce: (0..<12).map { _ in UInt8.random(in: 0...255, using: &rng) }, associatedData: ad)
                #expect(box.count == 12 + length + 16)
                for opener in keys {
                    #expect(box.withUnsafeBytes { opener.open($0, associatedData: ad) } == plain)
                    #expect(box.withUnsafeBytes { opener.open($0, associatedData: Data("tenant other".utf8)) } == nil, "another row's binding")
                    for index in [0, 11, 12, box.count - 1] {
                        var changed = box
                        changed[index] ^= 0x01
                        #expect(changed.withUnsafeBytes { opener.open($0, associatedData: ad) } == nil, "byte \(index) changed")
                    }
                    #expect(box.dropLast().withUnsafeBytes { opener.open($0, associatedData: ad) } == nil, "cut short")
                    #expect(box.withUnsafeBytes { DataKey(SymmetricKey(size: .bits256), accelerated: opener !== keys[0]).open($0, associatedData: ad) } == nil,
                            "another key")
                }
            }
        }
        #expect(Data(count: 27).withUnsafeBytes { keys[0].open($0, associatedData: Data()) } == nil, "shorter than a nonce and a tag")
    }
}

private extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        self.init(bytes)
    }
}

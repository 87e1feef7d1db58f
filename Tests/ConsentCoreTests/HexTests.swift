import ConsentCore
import Foundation
import Testing

/// Bytes as hexadecimal, as `String(format: "%02x")` writes each.
@Suite struct HexTests {
    @Test func everyByteIsTwoLowerCaseDigits() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(bytes.lowercaseHex == bytes.map { String(format: "%02x", $0) }.joined())
        #expect([UInt8]().lowercaseHex == "")
        #expect([0xde, 0xad, 0x0b, 0xef].lowercaseHex == "dead0bef")
    }
}

/// Bytes as lower-case hexadecimal, two digits a byte: ids, digests and pseudonyms. Written without
/// `String(format:)`, which goes through Foundation's formatter for every byte (the pseudonym of
/// each row of a return was most of its formatting time).
extension Sequence where Element == UInt8 {
    public var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

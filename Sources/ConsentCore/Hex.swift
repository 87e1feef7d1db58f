/// Bytes as lower-case hexadecimal, two digits a byte: ids, digests and pseudonyms. Written without
/// `String(format:)`, which goes through Foundation's formatter for every byte (the pseudonym of
/// each row of a return was most of its formatting time).
extension Sequence where Element == UInt8 {
    public var lowercaseHex: String {
        if let hex = withContiguousStorageIfAvailable({ Hex.lowercase(UnsafeRawBufferPointer($0)) }) { return hex }
        return Array(self).withUnsafeBytes { Hex.lowercase($0) }
    }
}

/// Hexadecimal written straight into a string's storage.
public enum Hex {
    /// `bytes` as lower-case hexadecimal, after `prefix` when one is given (an ASCII letter: a pseudonym's "P").
    public static func lowercase(_ bytes: UnsafeRawBufferPointer, prefix: Unicode.Scalar? = nil) -> String {
        let lead = prefix.map { UInt8(ascii: $0) }
        let count = bytes.count * 2 + (lead == nil ? 0 : 1)
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            if let lead { out[0] = lead; at = 1 }
            for byte in bytes {
                out[at] = digit(byte >> 4)
                out[at + 1] = digit(byte & 0x0f)
                at += 2
            }
            return at
        }
    }

    @inline(__always) private static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ UInt8(ascii: "0") : nibble &+ (UInt8(ascii: "a") &- 10)
    }
}

import Foundation

extension Data {
    /// The bytes a string of hexadecimal digit pairs spells (test vectors as published), 0 for a pair that is not hex.
    public init(hex text: String) {
        self.init(stride(from: 0, to: text.count, by: 2).map { UInt8(text.dropFirst($0).prefix(2), radix: 16) ?? 0 })
    }
}

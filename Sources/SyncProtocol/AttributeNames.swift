import ConsentCore
import Foundation

/// Matches attribute ids by their bytes: they repeat on every row or cell an export reads, so no string is made
/// for them.
public struct AttributeNames: Sendable {
    public let ids: [AttributeID]
    private let bytes: [[UInt8]]
    /// These ids by the store's number for them (a SQLite store's `attribute` table), nil for any other number;
    /// numbers past ``indexedNumbers`` (none in a store that numbers from 1) in a dictionary instead.
    private let byNumber: [AttributeID?]
    private let largeNumbers: [Int64: AttributeID]
    private static let indexedNumbers: Int64 = 1 << 16

    /// `numbers`: the store's numbering of attributes (each number and the attribute it stands for), for rows that name
    /// an attribute by its number; numbers of attributes not among `ids` are left out.
    public init(_ ids: [AttributeID], numbers: [Int64: AttributeID] = [:]) {
        self.ids = ids
        bytes = ids.map { Array($0.rawValue.utf8) }
        let wanted = Set(ids)
        let numbered = numbers.filter { wanted.contains($0.value) }.map { ($0.key, $0.value) }
        let indexed = numbered.filter { $0.0 >= 0 && $0.0 < Self.indexedNumbers }
        var byNumber = [AttributeID?](repeating: nil, count: Int(indexed.map(\.0).max() ?? -1) + 1)
        for (number, id) in indexed { byNumber[Int(number)] = id }
        self.byNumber = byNumber
        largeNumbers = Dictionary(numbered.filter { $0.0 < 0 || $0.0 >= Self.indexedNumbers }, uniquingKeysWith: { first, _ in first })
    }

    /// The id among these that the store numbers `number`.
    public func id(number: Int64) -> AttributeID? {
        guard number >= 0, number < Self.indexedNumbers else { return largeNumbers[number] }
        return number < byNumber.count ? byNumber[Int(number)] : nil
    }

    /// The id among these whose bytes are exactly `text`.
    public func id(_ text: UnsafeRawBufferPointer) -> AttributeID? {
        bytes.firstIndex { Self.same($0, text) }.map { ids[$0] }
    }

    /// Whether `stored` holds exactly the bytes of `column` (lengths first, then one `memcmp`: a generic
    /// element-by-element comparison cost more than SQLite's step on every row of an export).
    public static func same(_ stored: [UInt8], _ column: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == column.count else { return false }
        guard let bytes = column.baseAddress else { return stored.isEmpty }
        return stored.withUnsafeBytes { own in own.baseAddress.map { memcmp($0, bytes, column.count) == 0 } ?? true }
    }
}

import Foundation
import GRDB

/// Reading columns whatever SQLite holds in them. SQLite does not enforce column types, so a file
/// edited by hand can hold a blob where text belongs; typed GRDB decoding would stop the program.
/// These never trap: an unexpected type reads as a value that differs from any honest one, so the
/// hash chain reports the edit.
extension Row {
    /// Text, or nil for NULL; a blob or number becomes a distinct marked text.
    func text(_ column: String) -> String? { Self.text(self[column]) }
    /// Text at a column index (faster than by name: no case-folding of the name per read).
    func text(at index: Int) -> String? { Self.text(self[index]) }

    private static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .string(let text): return text
        case .int64(let n): return "\u{0}int:\(n)"
        case .double(let d): return "\u{0}real:\(d)"
        case .blob(let data): return "\u{0}blob:" + data.base64EncodedString()
        }
    }

    /// A whole number, or nil for NULL; anything else becomes a value no honest row holds.
    func integer(_ column: String) -> Int64? { Self.integer(self[column]) }
    /// A whole number at a column index.
    func integer(at index: Int) -> Int64? { Self.integer(self[index]) }

    private static func integer(_ value: DatabaseValue) -> Int64? {
        switch value.storage {
        case .null: return nil
        case .int64(let n): return n
        case .double(let d): return Int64(exactly: d) ?? .min
        case .string(let text): return Int64(text).map { _ in Int64.min + 1 } ?? .min + 2
        case .blob: return .min + 3
        }
    }

    /// Bytes, or nil for NULL; text or a number becomes its bytes with a marker.
    func blob(_ column: String) -> Data? { Self.blob(self[column]) }
    /// Bytes at a column index.
    func blob(at index: Int) -> Data? { Self.blob(self[index]) }

    private static func blob(_ value: DatabaseValue) -> Data? {
        switch value.storage {
        case .null: return nil
        case .blob(let data): return data
        case .string(let text): return Data(("\u{0}text:" + text).utf8)
        case .int64(let n): return Data("\u{0}int:\(n)".utf8)
        case .double(let d): return Data("\u{0}real:\(d)".utf8)
        }
    }
}

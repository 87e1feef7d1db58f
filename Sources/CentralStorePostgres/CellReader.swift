import Foundation
import PostgresNIO

/// Reads a row's cells in column order, each decoded as the one type asked for. Used where a query
/// returns many rows (exports, the fold's check): PostgresNIO's `decode((A, B, …).self)` builds its
/// tuple through the runtime's generic metadata on every row, and `makeRandomAccess()` copies the
/// row into an array; this reads the cells in place, with the decoders specialised for each type.
struct CellReader {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    /// The next cell; a row shorter than its query's columns is a bug of the query, reported as such.
    private mutating func next() throws -> PostgresCell {
        guard let cell = cells.next() else { throw CellReaderError.missingCell }
        return cell
    }

    mutating func int64() throws -> Int64 { try next().decode(Int64.self) }
    mutating func optionalInt64() throws -> Int64? { try next().decode(Int64?.self) }
    mutating func string() throws -> String { try next().decode(String.self) }
    mutating func optionalString() throws -> String? { try next().decode(String?.self) }
    mutating func optionalBool() throws -> Bool? { try next().decode(Bool?.self) }
    mutating func optionalData() throws -> Data? { try next().decode(Data?.self) }

    /// The next cell's bytes as sent (a text column's UTF-8), in place, without making a value of them; nil for NULL.
    mutating func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        guard let buffer = try next().bytes else { return nil }
        return try buffer.withUnsafeReadableBytes(body)
    }
}

/// A row had fewer cells than the code reading it expected.
enum CellReaderError: Error, CustomStringConvertible {
    case missingCell
    var description: String { "a PostgreSQL row had fewer columns than its reader expects; this is a bug, please report it" }
}

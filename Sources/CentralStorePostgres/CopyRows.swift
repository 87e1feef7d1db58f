import Foundation
import PostgresNIO

/// Rows for `COPY ... FROM STDIN` in PostgreSQL's text format: fields separated by tabs, rows by
/// newlines, `\N` for NULL, backslash escapes for backslash, tab, newline and carriage return,
/// and `bytea` as `\\x` followed by hex. Used for the bulk writes of a push (the ledger, values,
/// results, projection rows): one round trip per table instead of one per row.
struct CopyRows {
    private(set) var buffer = ByteBuffer()
    private(set) var count = 0
    private var fieldsInRow = 0

    init(capacity: Int = 4096) { buffer.reserveCapacity(capacity) }

    private mutating func separator() {
        if fieldsInRow > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    mutating func null() {
        separator()
        buffer.writeStaticString("\\N")
    }

    mutating func text(_ value: String?) {
        guard let value else { return null() }
        separator()
        let utf8 = value.utf8
        // Most fields need no escaping: write them in one go.
        if !utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            buffer.writeString(value)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    mutating func int(_ value: Int64?) {
        guard let value else { return null() }
        separator()
        buffer.writeString(String(value))
    }

    /// A number to be filled in later with ``fill(_:with:)``: 19 digits wide (leading zeros read fine).
    mutating func slot() -> Int {
        separator()
        let at = buffer.writerIndex
        buffer.writeStaticString("0000000000000000000")
        return at
    }

    /// Fills a slot with a number of at most 19 digits (every non-negative Int64).
    mutating func fill(_ slot: Int, with value: Int64) {
        var digits = String(value).utf8.map { $0 }
        digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 19 - digits.count)), at: 0)
        buffer.setBytes(digits, at: slot)
    }

    mutating func bool(_ value: Bool?) {
        guard let value else { return null() }
        separator()
        buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    mutating func bytes(_ value: Data?) {
        guard let value else { return null() }
        separator()
        buffer.writeStaticString("\\\\x")
        // Hex digits written straight into the buffer's memory (a byte at a time costs a bounds and
        // exclusivity check each).
        let count = value.count * 2
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { out in
            value.withUnsafeBytes { input in
                var i = 0
                for byte in input {
                    let high = byte >> 4, low = byte & 0x0F
                    out[i] = high < 10 ? 0x30 + high : 0x57 + high
                    out[i + 1] = low < 10 ? 0x30 + low : 0x57 + low
                    i += 2
                }
            }
            return count
        }
    }

    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        fieldsInRow = 0
        count += 1
    }

    /// Sends the rows into `table` (names are ours, never input) on `connection`, in slices of about 1 MB.
    func copy(into table: String, columns: [String], on connection: PostgresConnection, logger: Logger) async throws {
        guard count > 0 else { return }
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var rest = buffer
            while rest.readableBytes > 0 {
                if let slice = rest.readSlice(length: min(rest.readableBytes, 1 << 20)) {
                    try await writer.write(slice)
                }
            }
        }
    }
}

/// The text PostgreSQL cannot hold: a NUL character (its `text` refuses it).
func containsNUL(_ text: String?) -> Bool {
    text?.utf8.contains(0) ?? false
}

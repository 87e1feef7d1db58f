import Foundation
import PostgresNIO

/// Rows for `COPY ... FROM STDIN` in PostgreSQL's text format: fields separated by tabs, rows by
/// newlines, `\N` for NULL, backslash escapes for backslash, tab, newline and carriage return,
/// and `bytea` as `\\x` followed by hex. Used for the bulk writes of a push (the ledger, values,
/// results, projection rows): one round trip per table instead of one per row.
package struct CopyRows {
    /// The rows so far. A plain byte array: appending a field costs far less than a `ByteBuffer` write.
    private(set) var storage: [UInt8] = []
    private(set) var count = 0
    private var fieldsInRow = 0

    package init(capacity: Int = 4096) { storage.reserveCapacity(capacity) }

    private mutating func separator() {
        if fieldsInRow > 0 { storage.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    mutating func null() {
        separator()
        storage.append(UInt8(ascii: "\\"))
        storage.append(UInt8(ascii: "N"))
    }

    mutating func text(_ value: String?) {
        guard var value else { return null() }
        separator()
        value.withUTF8 { utf8 in
            // Most fields need no escaping: copied in one go.
            if !utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                storage.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case 0x5C: storage.append(0x5C); storage.append(0x5C)
                case 0x09: storage.append(0x5C); storage.append(UInt8(ascii: "t"))
                case 0x0A: storage.append(0x5C); storage.append(UInt8(ascii: "n"))
                case 0x0D: storage.append(0x5C); storage.append(UInt8(ascii: "r"))
                default: storage.append(byte)
                }
            }
        }
    }

    mutating func int(_ value: Int64?) {
        guard let value else { return null() }
        separator()
        // At most 20 characters, made back to front in a fixed buffer (no String made per number).
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { out in
            var magnitude = value.magnitude
            var i = 20
            repeat {
                i -= 1
                out[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                i -= 1
                out[i] = UInt8(ascii: "-")
            }
            storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: out[i..<20]))
        }
    }

    /// A number to be filled in later with ``fill(_:with:)``: 19 digits wide (leading zeros read fine).
    mutating func slot() -> Int {
        separator()
        let at = storage.count
        storage.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 19))
        return at
    }

    /// Fills a slot with a number of at most 19 digits (every non-negative Int64).
    mutating func fill(_ slot: Int, with value: Int64) {
        var rest = value.magnitude
        for i in (slot..<(slot + 19)).reversed() {
            storage[i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    mutating func bool(_ value: Bool?) {
        guard let value else { return null() }
        separator()
        storage.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    mutating func bytes(_ value: Data?) {
        guard let value else { return null() }
        separator()
        storage.append(UInt8(ascii: "\\"))
        storage.append(UInt8(ascii: "\\"))
        storage.append(UInt8(ascii: "x"))
        let start = storage.count
        storage.append(contentsOf: repeatElement(0, count: value.count * 2))
        // Hex digits written straight into the array's memory (an append per digit costs a capacity check each).
        storage.withUnsafeMutableBufferPointer { out in
            value.withUnsafeBytes { input in
                var i = start
                for byte in input {
                    let high = byte >> 4, low = byte & 0x0F
                    out[i] = high < 10 ? 0x30 + high : 0x57 + high
                    out[i + 1] = low < 10 ? 0x30 + low : 0x57 + low
                    i += 2
                }
            }
        }
    }

    mutating func endRow() {
        storage.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        count += 1
    }

    /// Sends the rows so far into a `COPY` under way and starts again empty: rows made from a long sequence
    /// go in slices, so memory holds one slice however many rows there are.
    mutating func send(to writer: PostgresCopyFromWriter) async throws {
        guard !storage.isEmpty else { return }
        try await writer.write(ByteBuffer(bytes: storage))
        storage.removeAll(keepingCapacity: true)
        count = 0
    }

    /// Sends the rows into `table` (names are ours, never input) on `connection`, in slices of about 1 MB.
    package func copy(into table: String, columns: [String], on connection: PostgresConnection, logger: Logger) async throws {
        guard count > 0 else { return }
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            for start in stride(from: 0, to: storage.count, by: 1 << 20) {
                try await writer.write(ByteBuffer(bytes: storage[start..<min(start + (1 << 20), storage.count)]))
            }
        }
    }
}

/// The text PostgreSQL cannot hold: a NUL character (its `text` refuses it).
func containsNUL(_ text: String?) -> Bool {
    text?.utf8.contains(0) ?? false
}

import ConsentCore
import Foundation
import GRDB

/// `tenant_values`: one row per tenant holding all of that tenant's `current_value` rows as one text
/// (issue 20), so an export reads a tenant's values with one step instead of one per attribute. Kept by
/// triggers on `current_value`, so every write of the projection (a recorded or received event, an
/// erasure forgetting a value's text, a centre move, a departing tenant) keeps it in the same
/// transaction; `consent ledger verify` checks it is exactly the `current_value` rows it proves
/// equal to the fold of the ledger.
///
/// Each cell is self-delimiting (lengths in bytes, so a value may hold any character):
/// `<attribute length>:<attribute><status letter><source device>,<source seq>,<hlc>,<writer length>:<writer>`
/// then `<value length>:<value>`, or `-` where `current_value.value` is NULL (special categories,
/// "prefer not to say", erased values).
enum TenantValueRow {
    /// The migration that adds the table and its triggers (named so tests can undo it on a real file).
    static let migration = "tenant-values-1"

    /// One `current_value` row as a cell (SQL over the row's columns, each named with `row`: "" or "NEW.").
    static func cell(_ row: String = "") -> String {
        """
        length(CAST(\(row)attribute_id AS BLOB)) || ':' || \(row)attribute_id || substr(\(row)status, 1, 1)
        || \(row)source_device || ',' || \(row)source_seq || ',' || \(row)hlc || ','
        || length(CAST(\(row)writer AS BLOB)) || ':' || \(row)writer
        || CASE WHEN \(row)value IS NULL THEN '-' ELSE length(CAST(\(row)value AS BLOB)) || ':' || \(row)value END
        """
    }

    /// Rewrites the row of tenant `id` (an SQL expression) from its `current_value` rows; none when it has none.
    private static func rebuild(_ id: String) -> String {
        """
        DELETE FROM tenant_values WHERE tenant_id = \(id);
        INSERT INTO tenant_values (tenant_id, cells)
            SELECT tenant_id, group_concat(\(cell()), '') FROM current_value WHERE tenant_id = \(id) GROUP BY tenant_id;
        """
    }

    /// The table, its triggers, and the rows of the tenants already here (one transaction with the migration).
    static let schema = """
        CREATE TABLE tenant_values (tenant_id INTEGER PRIMARY KEY, cells TEXT NOT NULL);
        CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN \(rebuild("NEW.tenant_id")) END;
        CREATE TRIGGER current_value_row_update AFTER UPDATE ON current_value BEGIN
            \(rebuild("OLD.tenant_id")) \(rebuild("NEW.tenant_id"))
        END;
        CREATE TRIGGER current_value_row_delete AFTER DELETE ON current_value BEGIN \(rebuild("OLD.tenant_id")) END;
        INSERT INTO tenant_values (tenant_id, cells)
            SELECT tenant_id, group_concat(\(cell()), '') FROM current_value GROUP BY tenant_id ORDER BY tenant_id;
        """

    /// The migration after it: a new current value appends its cell to the row instead of rewriting the row
    /// from all the tenant's values (a registration of 13 values rewrote it 13 times, +33% CPU for `consent
    /// demo`). The projection write deletes a value's old row before inserting the new one (a plain INSERT,
    /// which fails rather than replace), so the delete trigger has already taken the old cell out.
    static let appendMigration = "tenant-values-2"

    /// Replaces the insert trigger by the appending one.
    static let appendOnInsert = """
        DROP TRIGGER current_value_row_insert;
        CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN
            INSERT INTO tenant_values (tenant_id, cells) VALUES (NEW.tenant_id, \(cell("NEW.")))
                ON CONFLICT (tenant_id) DO UPDATE SET cells = cells || excluded.cells;
        END;
        """

    /// One cell, as positions in the row's bytes (no string is made until a caller asks for one).
    struct Cell {
        var attribute: Range<Int>
        var status: UInt8
        var sourceDevice: Int64
        var sourceSequence: Int64
        var hlc: Int64
        var writer: Range<Int>
        /// Nil where `current_value.value` is NULL.
        var value: Range<Int>?

        /// The `current_value.status` the letter stands for, nil for any other letter.
        var statusName: String? {
            switch status {
            case UInt8(ascii: "v"): "value"
            case UInt8(ascii: "p"): "prefer-not-to-say"
            case UInt8(ascii: "e"): "erased"
            default: nil
            }
        }
    }

    /// The cells of one row, in order; nil when the bytes are not a well-formed row (verify reports it,
    /// an export stops rather than read a damaged projection).
    static func cells(_ bytes: UnsafeRawBufferPointer) -> [Cell]? {
        var out: [Cell] = []
        return forEachCell(bytes) { out.append($0) } ? out : nil
    }

    /// Calls `body` with each cell of one row in turn, without collecting them; false when the bytes
    /// are not a well-formed row (the cells before the damage have been given).
    static func forEachCell(_ bytes: UnsafeRawBufferPointer, _ body: (Cell) -> Void) -> Bool {
        var reader = Reader(bytes: bytes)
        let comma = UInt8(ascii: ",")
        while !reader.atEnd {
            guard let attribute = reader.counted(), let status = reader.byte(),
                  let device = reader.integer(until: comma), let sequence = reader.integer(until: comma),
                  let hlc = reader.integer(until: comma), let writer = reader.counted() else { return false }
            var value: Range<Int>?
            if reader.peek == UInt8(ascii: "-") {
                _ = reader.byte()
            } else {
                guard let text = reader.counted() else { return false }
                value = text
            }
            body(Cell(attribute: attribute, status: status, sourceDevice: device, sourceSequence: sequence, hlc: hlc, writer: writer, value: value))
        }
        return true
    }

    /// Reads the parts of a row: decimal integers ended by a given byte, and texts led by their length and `:`.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        var atEnd: Bool { at >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[at] }

        mutating func byte() -> UInt8? {
            guard !atEnd else { return nil }
            defer { at += 1 }
            return bytes[at]
        }

        /// A decimal integer (optionally negative) followed by `end`, which is consumed.
        mutating func integer(until end: UInt8) -> Int64? {
            var negative = false
            if peek == UInt8(ascii: "-") {
                negative = true
                at += 1
            }
            var value: Int64 = 0
            var digits = 0
            while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflowTimes, !overflowSum else { return nil }
                value = sum
                digits += 1
                at += 1
            }
            guard digits > 0, byte() == end else { return nil }
            return negative ? -value : value
        }

        /// A text led by its length in bytes and `:`.
        mutating func counted() -> Range<Int>? {
            guard let length = integer(until: UInt8(ascii: ":")), length >= 0, length <= Int64(bytes.count - at) else { return nil }
            let start = at
            at += Int(length)
            return start..<at
        }
    }
}

import ConsentCore
import Foundation

/// A tenant's current values as one text: the cells of `tenant_values`, kept by triggers at a SQLite store
/// (`TenantValueRow`) and at a PostgreSQL centre (`PostgresSchema.v19`, `v20`), so both stores give an export one text a
/// tenant instead of a row, or several cells, a value. Both write cells with ``cellSQL(_:byteLength:writer:value:attributeNumber:sharedWhen:)`` and
/// read them with ``forEachCell(_:_:)``.
///
/// Each cell is self-delimiting (lengths in bytes, so a value may hold any character):
/// `<attribute length>:<attribute><status letter><source>` then `<value length>:<value>`, or `-` where there is no
/// value text (special categories, "prefer not to say", erased values). The status letter is the first of
/// `current_value.status`: `v`, `p` or `e`. A source is `<source device>,<source seq>,<hlc>,<writer length>:<writer>`.
///
/// A row may begin with a shared source and `;` (both stores write one: most of a tenant's values come from one
/// event, its registration); a cell whose source is that one then holds `=` in its place, 1 byte instead of about 33.
/// A row without one reads too (every cell with its own source, as rows were written before). A SQLite store writes
/// `#<number>` in place of the counted attribute name, its number in the store's `attribute` table (about 10 bytes
/// fewer a cell); a reader maps numbers through ``AttributeNames``.
public enum ValueCells {
    /// One cell, as positions in the row's bytes (no string is made until a caller asks for one).
    public struct Cell: Sendable {
        /// The attribute's name in the row's bytes; empty where the row numbers it (``attributeNumber``).
        public var attribute: Range<Int>
        /// The attribute's number in the store's numbering, where the row writes `#<number>` in place of its name.
        public var attributeNumber: Int64?
        public var status: UInt8
        public var sourceDevice: Int64
        public var sourceSequence: Int64
        public var hlc: Int64
        public var writer: Range<Int>
        /// Nil where `current_value.value` is NULL.
        public var value: Range<Int>?

        /// The `current_value.status` the letter stands for, nil for any other letter.
        public var statusName: String? {
            switch status {
            case UInt8(ascii: "v"): "value"
            case UInt8(ascii: "p"): "prefer-not-to-say"
            case UInt8(ascii: "e"): "erased"
            default: nil
            }
        }
    }

    /// One `current_value` row's source, in SQL: `row` prefixes each column ("NEW.", "c."), `byteLength` is the
    /// dialect's length in bytes of a text (SQLite's `length(CAST(x AS BLOB))`, PostgreSQL's `octet_length(x)`),
    /// `writer` the writer's name given the row's prefix (by default its `writer` column; a SQLite store keeps the
    /// writer's device number there and names it through `device`).
    public static func sourceSQL(_ row: String, byteLength: (String) -> String, writer: (String) -> String = { $0 + "writer" }) -> String {
        """
        \(row)source_device || ',' || \(row)source_seq || ',' || \(row)hlc || ','
        || \(byteLength(writer(row))) || ':' || \(writer(row))
        """
    }

    /// One `current_value` row as a cell, in SQL (``sourceSQL(_:byteLength:writer:)``'s arguments; `value` gives the
    /// value's text, by default the row's `value` column, which a SQLite store reads from the value row instead;
    /// `attributeNumber`, where given, the SQL of the attribute's number, written `#<number>` in place of its name, or
    /// the name where the number is NULL: a writer that did not number it loses no cell). Where the SQL condition
    /// `shared` holds, the row's source is its row's shared source, and the cell holds `=` in its place.
    public static func cellSQL(_ row: String, byteLength: (String) -> String, writer: (String) -> String = { $0 + "writer" },
                               value: (String) -> String = { $0 + "value" }, attributeNumber: ((String) -> String)? = nil,
                               sharedWhen shared: String? = nil) -> String {
        let source = sourceSQL(row, byteLength: byteLength, writer: writer)
        let text = value(row)
        let named = "\(byteLength(row + "attribute_id")) || ':' || \(row)attribute_id"
        let attribute = attributeNumber.map { "coalesce('#' || \($0(row)), \(named))" } ?? named
        return """
            \(attribute) || substr(\(row)status, 1, 1)
            || \(shared.map { "CASE WHEN \($0) THEN '=' ELSE \(source) END" } ?? source)
            || CASE WHEN \(text) IS NULL THEN '-' ELSE \(byteLength(text)) || ':' || \(text) END
            """
    }

    /// The cells of one row, in order; nil when the bytes are not a well-formed row (verify reports it,
    /// an export stops rather than read a damaged projection).
    public static func cells(_ bytes: UnsafeRawBufferPointer) -> [Cell]? {
        var out: [Cell] = []
        return forEachCell(bytes) { out.append($0) } ? out : nil
    }

    /// Calls `body` with each cell of one row in turn, without collecting them; false when the bytes
    /// are not a well-formed row (the cells before the damage have been given).
    public static func forEachCell(_ bytes: UnsafeRawBufferPointer, _ body: (Cell) -> Void) -> Bool {
        var reader = Reader(bytes: bytes)
        let shared = reader.sharedSource()
        while !reader.atEnd {
            var number: Int64?
            let attribute: Range<Int>
            if reader.peek == UInt8(ascii: "#") {
                _ = reader.byte()
                guard let numbered = reader.digits() else { return false }
                (number, attribute) = (numbered, reader.at..<reader.at)
            } else {
                guard let named = reader.counted() else { return false }
                attribute = named
            }
            guard let status = reader.byte() else { return false }
            let source: Source
            if reader.peek == UInt8(ascii: "=") {
                _ = reader.byte()
                guard let shared else { return false }
                source = shared
            } else {
                guard let own = reader.source() else { return false }
                source = own
            }
            var value: Range<Int>?
            if reader.peek == UInt8(ascii: "-") {
                _ = reader.byte()
            } else {
                guard let text = reader.counted() else { return false }
                value = text
            }
            body(Cell(attribute: attribute, attributeNumber: number, status: status, sourceDevice: source.device,
                      sourceSequence: source.sequence, hlc: source.hlc, writer: source.writer, value: value))
        }
        return true
    }

    /// A cell's source event, clock and writer.
    private struct Source {
        var device: Int64
        var sequence: Int64
        var hlc: Int64
        var writer: Range<Int>
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
            guard let value = digits(), byte() == end else { return nil }
            return negative ? -value : value
        }

        /// One or more decimal digits, as a number; nil (or on overflow) when there are none.
        mutating func digits() -> Int64? {
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
            return digits > 0 ? value : nil
        }

        /// A source: device, sequence and clock each ended by `,`, then the writer's counted text.
        mutating func source() -> Source? {
            let comma = UInt8(ascii: ",")
            guard let device = integer(until: comma), let sequence = integer(until: comma), let hlc = integer(until: comma),
                  let writer = counted() else { return nil }
            return Source(device: device, sequence: sequence, hlc: hlc, writer: writer)
        }

        /// The row's shared source and its `;`, when the row begins with one (a cell begins with a counted text,
        /// whose first number ends with `:`, not `,`); nil, read nothing, otherwise.
        mutating func sharedSource() -> Source? {
            let start = at
            if let shared = source(), byte() == UInt8(ascii: ";") { return shared }
            at = start
            return nil
        }

        /// A text led by its length in bytes and `:`.
        mutating func counted() -> Range<Int>? {
            guard let length = integer(until: UInt8(ascii: ":")), length >= 0, length <= Int64(bytes.count - at) else { return nil }
            let start = at
            at += Int(length)
            return start..<at
        }
    }

    /// Turns cells into ``ValueRecord``s, naming devices by their numbers in the store (`deviceID`, through
    /// ``RecentDevices``).
    public struct Decoder {
        private var devices: RecentDevices

        public init(deviceID: @escaping (Int64) -> DeviceID) {
            devices = RecentDevices(deviceID: deviceID)
        }

        /// Puts into `values` the records of one tenant's row `bytes` for the attributes among `names`; false when
        /// the row is damaged (it does not parse, or a cell's status letter is unknown), and an export stops.
        public mutating func read(_ bytes: UnsafeRawBufferPointer, keeping names: AttributeNames,
                                  into values: inout [AttributeID: ValueRecord]) -> Bool {
            var readable = true
            let wellFormed = ValueCells.forEachCell(bytes) { cell in
                guard readable else { return }
                let named = if let number = cell.attributeNumber { names.id(number: number) } else {
                    names.id(UnsafeRawBufferPointer(rebasing: bytes[cell.attribute]))
                }
                guard let attribute = named else { return }
                guard let record = record(cell, bytes) else { return readable = false }
                values[attribute] = record
            }
            return wellFormed && readable
        }

        /// The record `cell` of the row `bytes` stands for, by its letter: erased, "prefer not to say", or the
        /// value's text (``StoredValueStatus/value(_:source:)``). Nil for any other letter: the row is damaged.
        public mutating func record(_ cell: Cell, _ bytes: UnsafeRawBufferPointer) -> ValueRecord? {
            let source = EventID(device: devices.source(cell.sourceDevice), sequence: cell.sourceSequence)
            let state: ValueState
            switch cell.status {
            case UInt8(ascii: "e"): state = .erased(by: source)
            case UInt8(ascii: "p"): state = .held(.preferNotToSay, source: source)
            case UInt8(ascii: "v"):
                state = StoredValueStatus.value(cell.value.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self) },
                                                source: source)
            default: return nil
            }
            return ValueRecord(state: state, hlc: HLCTimestamp(packed: cell.hlc),
                               device: devices.writer(UnsafeRawBufferPointer(rebasing: bytes[cell.writer])))
        }
    }
}

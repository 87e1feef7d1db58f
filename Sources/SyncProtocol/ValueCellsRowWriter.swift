/// Writing one row of ``ValueCells`` in Swift: the bytes the stores' triggers write in SQL
/// (``ValueCells/cellSQL(_:byteLength:writer:value:attributeNumber:sharedWhen:)``), for a writer that rebuilds many
/// rows at once (a bulk batch's end, `TenantValueRebuild`), where the SQL's text building cost about 3.5 µs a cell.
extension ValueCells {
    /// Gathers one tenant's cells (``add(attributeNumber:attributeName:status:device:sequence:hlc:writer:value:)``) and
    /// writes their row (``finish()``): led by the source of the cell with the lowest clock (the first such on a tie), each
    /// cell from that source holding `=` in its place, as the SQL writes it. Its buffers are kept from row to row.
    public struct RowWriter: Sendable {
        private struct Pending: Sendable {
            var attributeNumber: Int64?
            var attributeName: Range<Int>
            var status: UInt8
            var device: Int64
            var sequence: Int64
            var hlc: Int64
            var writer: Range<Int>
            var value: Range<Int>?
        }

        private var pending: [Pending] = []
        /// The names, writers and values of the pending cells, one after another.
        private var texts: [UInt8] = []
        private var row: [UInt8] = []

        public init() {}

        /// Whether no cell waits for ``finish()``.
        public var isEmpty: Bool { pending.isEmpty }

        /// Adds one cell: the attribute by its number, or where it has none by its name; the status's first letter; its
        /// source event, clock and writer's name; its value's text, nil where there is none (`-`).
        public mutating func add(attributeNumber: Int64?, attributeName: UnsafeRawBufferPointer, status: UInt8, device: Int64,
                                 sequence: Int64, hlc: Int64, writer: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) {
            let name = attributeNumber == nil ? keep(attributeName) : texts.endIndex..<texts.endIndex
            pending.append(Pending(attributeNumber: attributeNumber, attributeName: name, status: status, device: device,
                                   sequence: sequence, hlc: hlc, writer: keep(writer), value: value.map { keep($0) }))
        }

        /// Adds one cell of a numbered attribute from texts held as strings (a writer that has them at hand).
        public mutating func add(attributeNumber: Int64, status: UInt8, device: Int64, sequence: Int64, hlc: Int64, writer: String,
                                 value: String?) {
            pending.append(Pending(attributeNumber: attributeNumber, attributeName: texts.endIndex..<texts.endIndex, status: status,
                                   device: device, sequence: sequence, hlc: hlc, writer: keep(writer.utf8),
                                   value: value.map { keep($0.utf8) }))
        }

        /// The row of the cells added since the last call, which it forgets; valid until the next call.
        public mutating func finish() -> [UInt8] {
            row.removeAll(keepingCapacity: true)
            defer {
                pending.removeAll(keepingCapacity: true)
                texts.removeAll(keepingCapacity: true)
            }
            guard let shared = pending.indices.min(by: { pending[$0].hlc < pending[$1].hlc }).map({ pending[$0] }) else { return row }
            writeSource(shared)
            row.append(UInt8(ascii: ";"))
            for cell in pending {
                if let number = cell.attributeNumber {
                    row.append(UInt8(ascii: "#"))
                    writeDecimal(number)
                } else {
                    writeCounted(cell.attributeName)
                }
                row.append(cell.status)
                if cell.device == shared.device, cell.sequence == shared.sequence, cell.hlc == shared.hlc,
                   texts[cell.writer].elementsEqual(texts[shared.writer]) {
                    row.append(UInt8(ascii: "="))
                } else {
                    writeSource(cell)
                }
                if let value = cell.value { writeCounted(value) } else { row.append(UInt8(ascii: "-")) }
            }
            return row
        }

        private mutating func keep<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Range<Int> {
            let start = texts.endIndex
            texts.append(contentsOf: bytes)
            return start..<texts.endIndex
        }

        private mutating func writeSource(_ cell: Pending) {
            writeDecimal(cell.device)
            row.append(UInt8(ascii: ","))
            writeDecimal(cell.sequence)
            row.append(UInt8(ascii: ","))
            writeDecimal(cell.hlc)
            row.append(UInt8(ascii: ","))
            writeCounted(cell.writer)
        }

        /// A text of `texts` led by its length in bytes and `:`.
        private mutating func writeCounted(_ range: Range<Int>) {
            writeDecimal(Int64(range.count))
            row.append(UInt8(ascii: ":"))
            row.append(contentsOf: texts[range])
        }

        /// `number` in decimal, as SQL's `||` writes an integer (a leading `-` when negative).
        private mutating func writeDecimal(_ number: Int64) {
            if number < 0 { row.append(UInt8(ascii: "-")) }
            var magnitude = number.magnitude
            let start = row.endIndex
            repeat {
                row.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
            row[start...].reverse()
        }
    }
}

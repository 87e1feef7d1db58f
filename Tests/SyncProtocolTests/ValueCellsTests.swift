import Foundation
import SyncProtocol
import Testing

/// The text of `tenant_values` rows (``ValueCells``), written by hand here: a row with a shared source, whose cells
/// hold `=` for it, and a row without one (as rows were written before), read alike; and rows that are damaged, which
/// must not read.
@Suite struct ValueCellsTests {
    /// What a reader sees of one cell, in plain values.
    struct Seen: Equatable {
        var attribute: String
        var status: String?
        var device: Int64
        var sequence: Int64
        var hlc: Int64
        var writer: String
        var value: String?
    }

    /// The cells of `row`, or nil when it does not read.
    func read(_ row: String) -> [Seen]? {
        Array(row.utf8).withUnsafeBytes { bytes -> [Seen]? in
            func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
            var seen: [Seen] = []
            let ok = ValueCells.forEachCell(bytes) { cell in
                seen.append(Seen(attribute: text(cell.attribute), status: cell.statusName, device: cell.sourceDevice, sequence: cell.sourceSequence,
                                 hlc: cell.hlc, writer: text(cell.writer), value: cell.value.map(text)))
            }
            return ok ? seen : nil
        }
    }

    static let registration = (device: Int64(1), sequence: Int64(7), hlc: Int64(117_738_630_309_412_864))

    @Test func cellsHoldingEqualsTakeTheRowsSharedSource() throws {
        // A writer holding `;`, `,` and `:` (its length leads it), a value holding the row's own delimiters.
        let row = "1,7,117738630309412864,9:desk;2,:x;" + "7:addressv=14:1:2,3;=-, Mill" + "9:full-namev3,12,117738630309999999,6:centre8:Ann Lowe"
            + "8:religionp=-"
        let cells = try #require(read(row))
        #expect(cells == [
            Seen(attribute: "address", status: "value", device: 1, sequence: 7, hlc: 117_738_630_309_412_864, writer: "desk;2,:x", value: "1:2,3;=-, Mill"),
            Seen(attribute: "full-name", status: "value", device: 3, sequence: 12, hlc: 117_738_630_309_999_999, writer: "centre", value: "Ann Lowe"),
            Seen(attribute: "religion", status: "prefer-not-to-say", device: 1, sequence: 7, hlc: 117_738_630_309_412_864, writer: "desk;2,:x", value: nil),
        ])
    }

    @Test func aRowWithoutASharedSourceReadsAsBefore() throws {
        let row = "7:addressv1,7,5,6:centre6:1 Mill" + "5:emaile2,3,6,5:kiosk-"
        #expect(read(row) == [
            Seen(attribute: "address", status: "value", device: 1, sequence: 7, hlc: 5, writer: "centre", value: "1 Mill"),
            Seen(attribute: "email", status: "erased", device: 2, sequence: 3, hlc: 6, writer: "kiosk", value: nil),
        ])
        #expect(read("") == [])
    }

    @Test func damagedRowsDoNotRead() {
        // `=` with no shared source to stand for.
        #expect(read("7:addressv=6:1 Mill") == nil)
        // A shared source not ended by `;`, or cut short.
        #expect(read("1,7,5,6:centre7:addressv=6:1 Mill") == nil)
        #expect(read("1,7,5,6:cen") == nil)
        // A cell cut short after `=`, and a value longer than the row.
        #expect(read("1,7,5,6:centre;7:addressv=") == nil)
        #expect(read("1,7,5,6:centre;7:addressv=60:1 Mill") == nil)
        // A shared source may lead a row once only: a second is not a cell.
        #expect(read("1,7,5,6:centre;1,7,5,6:centre;7:addressv=6:1 Mill") == nil)
    }
}

import SyncProtocol
import Testing

/// ``ValueCells/RowWriter``: the bytes of a row written in Swift, checked against rows written out by hand in the format
/// the stores' SQL writes (`ValueCellsTests` reads the same format), and read back by the stores' reader.
@Suite struct ValueCellsRowWriterTests {
    struct Cell {
        var number: Int64?
        var name = ""
        var status: Character = "v"
        var device: Int64
        var sequence: Int64
        var hlc: Int64
        var writer: String
        var value: String?
    }

    func row(_ cells: [Cell], with writer: inout ValueCells.RowWriter) -> String {
        for c in cells {
            let (name, writerName, value) = (Array(c.name.utf8), Array(c.writer.utf8), c.value.map { Array($0.utf8) })
            name.withUnsafeBytes { name in
                writerName.withUnsafeBytes { writerName in
                    func add(_ value: UnsafeRawBufferPointer?) {
                        writer.add(attributeNumber: c.number, attributeName: name, status: c.status.asciiValue ?? 0, device: c.device,
                                   sequence: c.sequence, hlc: c.hlc, writer: writerName, value: value)
                    }
                    if let value { value.withUnsafeBytes { add($0) } } else { add(nil) }
                }
            }
        }
        return String(decoding: writer.finish(), as: UTF8.self)
    }

    func row(_ cells: [Cell]) -> String {
        var writer = ValueCells.RowWriter()
        return row(cells, with: &writer)
    }

    @Test func theEarliestCellsSourceLeadsTheRowAndItsCellsHoldEquals() {
        let cells = [
            Cell(number: 3, device: 4, sequence: 9, hlc: 200, writer: "kiosk-2", value: "1 Mill Lane"),
            Cell(number: 12, device: 1, sequence: 7, hlc: 117, writer: "centre", value: "ann@example.org"),
            Cell(number: 5, status: "p", device: 1, sequence: 7, hlc: 117, writer: "centre", value: nil),
        ]
        #expect(row(cells) == "1,7,117,6:centre;" + "#3v4,9,200,7:kiosk-211:1 Mill Lane" + "#12v=15:ann@example.org" + "#5p=-")
    }

    @Test func unnumberedAttributesKeepTheirNamesAndLengthsCountBytes() {
        // A name without a number (a writer of the version before), a value holding the format's own delimiters and
        // characters of two to four bytes, a writer's name holding `;`.
        let cells = [
            Cell(name: "full-name", device: 2, sequence: 1, hlc: 5, writer: "desk;2", value: "Zoë ;=-#:, 名前 🏠"),
            Cell(number: 0, status: "e", device: 2, sequence: 3, hlc: 6, writer: "desk;2", value: nil),
        ]
        #expect(row(cells) == "2,1,5,6:desk;2;" + "9:full-namev=23:Zoë ;=-#:, 名前 🏠" + "#0e2,3,6,6:desk;2-")
    }

    @Test func aSourceDiffersByAnyPartAndNegativeNumbersKeepTheirSign() {
        // The same event and clock written by another device's name is another source (as the SQL compares whole texts).
        let cells = [
            Cell(number: 1, device: 1, sequence: 1, hlc: -3, writer: "a", value: ""),
            Cell(number: 2, device: 1, sequence: 1, hlc: -3, writer: "b", value: "x"),
            Cell(number: 3, device: 1, sequence: 2, hlc: -3, writer: "a", value: "y"),
        ]
        #expect(row(cells) == "1,1,-3,1:a;" + "#1v=0:" + "#2v1,1,-3,1:b1:x" + "#3v1,2,-3,1:a1:y")
    }

    @Test func rowsDoNotCarryIntoTheNextAndReadBack() throws {
        var writer = ValueCells.RowWriter()
        _ = row([Cell(number: 9, device: 7, sequence: 7, hlc: 7, writer: "old", value: "gone")], with: &writer)
        #expect(writer.isEmpty)
        let text = row([Cell(number: 1, device: 1, sequence: 2, hlc: 3, writer: "centre", value: "kept")], with: &writer)
        #expect(text == "1,2,3,6:centre;#1v=4:kept")
        let cells = try #require(Array(text.utf8).withUnsafeBytes { ValueCells.cells($0) })
        #expect(cells.count == 1)
        #expect(cells.first?.attributeNumber == 1 && cells.first?.hlc == 3 && cells.first?.sourceSequence == 2)
        #expect(row([], with: &writer) == "")
    }

    @Test func cellsAddedFromStringsWriteTheSameBytes() {
        var writer = ValueCells.RowWriter()
        writer.add(attributeNumber: 3, status: UInt8(ascii: "v"), device: 1, sequence: 7, hlc: 117, writer: "centre", value: "Zoë 🏠")
        writer.add(attributeNumber: 5, status: UInt8(ascii: "p"), device: 1, sequence: 7, hlc: 117, writer: "centre", value: nil)
        #expect(String(decoding: writer.finish(), as: UTF8.self) == "1,7,117,6:centre;#3v=9:Zoë 🏠#5p=-")
    }
}


import ConsentRegister
import Foundation
import Testing

@Suite struct CSVReaderTests {
    func read(_ bytes: [UInt8]) throws(CSVError) -> [[String]] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv")
        try? Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var reader = try CSVReader(url: url)
        var rows: [[String]] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    func read(_ text: String) throws(CSVError) -> [[String]] { try read(Array(text.utf8)) }

    @Test func rfc4180Fields() throws {
        #expect(try read("a,b\r\n1,2\r\n") == [["a", "b"], ["1", "2"]])
        #expect(try read("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n") == [["a", "b"], ["x, y", "say \"hi\""]])
        #expect(try read("a\r\"line1\r\nline2\"\r") == [["a"], ["line1\r\nline2"]])
        #expect(try read("a,b\n1,\n") == [["a", "b"], ["1", ""]])
        #expect(try read("a,b\n1,2") == [["a", "b"], ["1", "2"]])
        #expect(try read([0xEF, 0xBB, 0xBF] + Array("a\n1\n".utf8)) == [["a"], ["1"]])
    }

    @Test func rowNumbersCountRecordsNotLines() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rows-\(UUID().uuidString).csv")
        try Data("h\n\"a\nb\nc\"\nnext\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var reader = try CSVReader(url: url)
        _ = try reader.next()
        _ = try reader.next()
        #expect(try reader.next() == ["next"])
        #expect(reader.record == 3)
    }

    @Test func refusesWhatWouldBeMisread() {
        #expect(throws: CSVError(row: 2, column: 1, "a quoted field is never closed (unbalanced \")")) { try read("a\n\"open\n") }
        #expect { try read("a\nab\"c\n") } throws: { ($0 as? CSVError)?.message.contains("quote inside an unquoted field") == true }
        #expect { try read("a\n\"x\"y\n") } throws: { ($0 as? CSVError)?.message.contains("text after a closing quote") == true }
        #expect { try read([0x61, 0x0A, 0x5A, 0x6F, 0xEB, 0x0A]) } throws: { ($0 as? CSVError)?.message.contains("Windows-1252") == true }
        #expect { try read([0xFF, 0xFE, 0x61, 0x00]) } throws: { ($0 as? CSVError)?.message.contains("UTF-16") == true }
    }

    @Test func largeFileStreamsAcrossBufferBoundaries() throws {
        var text = "ref,name\n"
        for i in 0..<60_000 { text += "R\(i),\"Name, \(i)\"\n" }
        let rows = try read(text)
        #expect(rows.count == 60_001)
        #expect(rows[59_999] == ["R59998", "Name, 59998"])
    }
}

import ConsentCore
import Foundation
import Testing
import TestSupport

@testable import ConsentExport

/// Rows held for pseudonym order go through scratch files, one per leading bytes of the reference, and come
/// back sorted byte by byte, whole, with small groups suppressed as if every row had been held at once.
@Suite struct HeldRowsTests {
    @Test func rowsComeBackInReferenceOrderWholeSuppressedAsInMemoryAndTheFilesAreGone() throws {
        let folder = try TempFolder("held")
        let dir = folder.url
        let groups = SmallGroups(smallest: 3, identifying: [1, 2], sensitive: [3])
        var generator = SystemRandomNumberGenerator()
        // Pseudonyms as exports make them, and references no pseudonym has: short, empty, non-ASCII.
        var references = (0..<600).map { _ in "P" + (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.lowercaseHex }
        references += ["", "P", "P0", "Zoë", "Ω-1", "P\u{0}x"]
        var rows: [(entry: Int?, mask: UInt64, row: [String?])] = []
        for (index, reference) in references.shuffled().enumerated() {
            let band: String? = index % 50 == 0 ? nil : ["16-24", "25-34", "85+"][index % 3]
            let language = index % 7 == 0 ? "ti" : "en"
            rows.append((index % 11 == 0 ? nil : index, UInt64(index), [reference, band, language, "answer \(index), with \"quotes\"\n"]))
        }
        // Two different keys are counted in memory: the combinations and the bands spill to files, the languages do not.
        let held = HeldRows(scratch: dir.appendingPathComponent(".consent-export-test"), groups: groups, tallyLimit: 2)
        for row in rows { try held.append(entry: row.entry, mask: row.mask, row: row.row) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.count > 200, "rows are spread over many files")
        #expect(files.contains { $0.contains(".groups.") } && files.contains { $0.contains(".answers-0.") } && !files.contains { $0.contains(".answers-1.") })

        var back: [(entry: Int?, mask: UInt64, row: [String?])] = []
        let suppressed = try held.drain { back.append(($0, $1, $2)) }

        var expected = rows.sorted { Array(($0.row[0] ?? "").utf8).lexicographicallyPrecedes(Array(($1.row[0] ?? "").utf8)) }
        var inMemory = expected.map(\.row)
        #expect(suppressed == groups.apply(to: &inMemory) && suppressed > 0)
        for index in expected.indices { expected[index].row = inMemory[index] }
        #expect(back.map(\.entry) == expected.map(\.entry))
        #expect(back.map(\.mask) == expected.map(\.mask))
        #expect(back.map(\.row) == expected.map(\.row))
        // Worked by hand: band has the most answers (four, with none), so it goes first. Rows 0 and 350 are the
        // only two with no band and language ti: still two once the band goes, and once the language goes, so
        // alone; they keep only their pseudonym. Every other combination has at least three rows and leaves whole.
        let cut = SmallGroups.suppressed
        #expect(suppressed == 6)
        for row in back {
            let original = try #require(rows.first { $0.mask == row.mask })
            if row.mask == 0 || row.mask == 350 {
                #expect(row.row == [original.row[0], cut, cut, cut])
            } else {
                #expect(row.row == original.row)
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "the scratch files are removed")
    }
}

import Foundation
import Testing
import TestSupport

@testable import ConsentExport

/// A tally counts keys in memory, or, past its limit, in scratch files chosen by each key's hash; either
/// way each key comes back once with its count, and no file is left behind.
@Suite struct TallyTests {
    /// Keys a return's small groups count: a missing cell and an empty one differ, and so do keys that
    /// would run together if their cells were simply joined.
    static let keys: [[String?]] = [
        ["25-34", "female", "SW1A 1AA"], ["25-34", "female", nil], ["25-34", "female", ""], ["25-34", "femaleSW1A 1AA", ""],
        ["Zoë", "\u{0}", "\n"], [], [nil], [""],
    ]

    static func counted(limit: Int, in folder: TempFolder) throws -> (counts: [[String?]: Int], spilled: Bool) {
        let tally = Tally(scratch: folder.url.appendingPathComponent(".consent-export-test.groups"), limit: limit, partitions: 3)
        for (index, key) in keys.enumerated() {
            for _ in 0...index { try tally.add(key) }
        }
        let spilled = try !FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty
        var counts: [[String?]: Int] = [:]
        try tally.forEach { key, count in
            #expect(counts[key] == nil, "each key comes back once")
            counts[key] = count
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "the scratch files are removed")
        return (counts, spilled)
    }

    @Test(arguments: [100, 3, 0])
    func everyKeyComesBackOnceWithItsCount(limit: Int) throws {
        let folder = try TempFolder("tally")
        let (counts, spilled) = try Self.counted(limit: limit, in: folder)
        #expect(spilled == (limit < Self.keys.count), "past its limit the tally counts in files")
        #expect(counts.count == 8)
        #expect(counts[["25-34", "female", "SW1A 1AA"]] == 1)
        #expect(counts[["25-34", "female", nil]] == 2)
        #expect(counts[["25-34", "female", ""]] == 3)
        #expect(counts[["25-34", "femaleSW1A 1AA", ""]] == 4)
        #expect(counts[["Zoë", "\u{0}", "\n"]] == 5)
        #expect(counts[[]] == 6)
        #expect(counts[[nil]] == 7)
        #expect(counts[[""]] == 8)
    }

    @Test func distinctCountsTheDifferentKeys() throws {
        let folder = try TempFolder("tally")
        let tally = Tally(scratch: folder.url.appendingPathComponent(".t"), limit: 1, partitions: 2)
        for band in ["16-24", "85+", "16-24", "85+", "25-34"] { try tally.add([band]) }
        #expect(try tally.distinct() == 3)
    }
}

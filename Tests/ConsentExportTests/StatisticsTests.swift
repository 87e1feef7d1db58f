import ConsentCore
@testable import ConsentExport
import Foundation
import Testing

@Suite struct StatisticsTests {
    @Test func smallCountsAreSuppressedWithAPartnerAndTheRestRoundedToFive() {
        let table = StatisticsTable(dimensions: [["a", "b", "c", "d"]], counts: [["a"]: 3, ["b"]: 52, ["c"]: 41, ["d"]: 12])
        let published = table.publish()
        #expect(published.cells.map(\.count) == [nil, 50, 40, nil], "a is under 10; d, the next smallest, hides it from the total")
        #expect(published.total == 110)
    }

    @Test func zeroIsShownAndATotalUnderTenIsSuppressed() {
        let published = StatisticsTable(dimensions: [["a", "b"]], counts: [["a"]: 4]).publish()
        #expect(published.cells.map(\.count) == [nil, 0] && published.total == nil)
    }

    /// Whatever the table, nothing published is a true count from 1 to 9, everything published is a
    /// multiple of 5, and no row, column or margin has exactly one suppressed entry beside a total.
    @Test func randomTablesKeepTheRules() {
        var seed: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<500 {
            let rows = (0..<(1 + next(4))).map { "r\($0)" }, columns = (0..<(1 + next(4))).map { "c\($0)" }
            var counts: [[String]: Int] = [:]
            for r in rows { for c in columns { counts[[r, c]] = [0, next(10), next(30), next(200)][next(4)] } }
            let published = StatisticsTable(dimensions: [rows, columns], counts: counts).publish()
            var shown: [[String]: Int?] = [:]
            for cell in published.cells {
                shown[cell.categories] = cell.count
                if let n = cell.count {
                    #expect(n % 5 == 0)
                    let truth = counts[cell.categories] ?? 0
                    #expect(!(1...9).contains(truth), "a count of \(truth) was published")
                }
            }
            for r in rows where published.margins[0].first(where: { $0.categories == [r, "*"] })?.count != nil {
                #expect(columns.filter { shown[[r, $0]]! == nil }.count != 1, "row \(r) gives away its one suppressed cell")
            }
            for c in columns where published.margins[1].first(where: { $0.categories == ["*", c] })?.count != nil {
                #expect(rows.filter { shown[[$0, c]]! == nil }.count != 1, "column \(c) gives away its one suppressed cell")
            }
            if published.total != nil {
                for margin in published.margins { #expect(margin.filter { $0.count == nil }.count != 1) }
            }
        }
    }

    @Test func ageBandsFromDatesOfBirth() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.date(from: DateComponents(year: 2026, month: 11, day: 17, hour: 12))!
        #expect(AgeBand.age(birth: "2001-08-30", on: day) == 25)
        #expect(AgeBand.age(birth: "2000-11-18", on: day) == 25, "the birthday is tomorrow")
        #expect(AgeBand.of(birth: "2001-08-30", on: day) == "25-34")
        #expect(AgeBand.of(birth: "1930-01-01", on: day) == "85+")
        #expect(AgeBand.of(birth: "2015-01-01", on: day) == "under-16")
        #expect(AgeBand.of(birth: "not a date", on: day) == nil)
    }
}

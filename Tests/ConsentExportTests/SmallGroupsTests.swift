import ConsentExport
import Testing

/// Small-group suppression worked by hand on a few rows: [pseudonym, band, sex, language, ethnicity].
@Suite struct SmallGroupsTests {
    let groups = SmallGroups(smallest: 3, identifying: [1, 2, 3], sensitive: [4])
    let cut = SmallGroups.suppressed

    @Test func groupsLargeEnoughLeaveUntouched() {
        var rows: [[String?]] = (0..<3).map { ["P\($0)", "25-34", "female", "en", "white-british"] }
        let before = rows
        #expect(groups.apply(to: &rows) == 0)
        #expect(rows == before)
    }

    /// Three rare-language speakers of one band and sex lose only their language and keep their answers together;
    /// a lone 85+ man loses everything but his pseudonym.
    @Test func theColumnWithMostAnswersGoesFirstAndWhoIsStillAloneKeepsNoAnswer() {
        var rows: [[String?]] = (0..<3).map { ["P\($0)", "25-34", "female", "en", "white-british"] }
        rows += [["P3", "25-34", "female", "cy", "white-roma"], ["P4", "25-34", "female", "so", "black-african"],
                 ["P5", "25-34", "female", "pa", "asian-indian"], ["P6", "85+", "male", "en", "white-irish"]]
        #expect(groups.apply(to: &rows) == 3 + 4)
        #expect(rows[3] == ["P3", "25-34", "female", cut, "white-roma"])
        #expect(rows[5] == ["P5", "25-34", "female", cut, "asian-indian"])
        #expect(rows[6] == ["P6", cut, cut, cut, cut])
        #expect(rows[0] == ["P0", "25-34", "female", "en", "white-british"])
    }

    /// A missing answer is an answer too: it is suppressed like any other, and a cell already suppressed is not counted twice.
    @Test func anEmptyCellIsSuppressedAndNothingIsCountedTwice() {
        var rows: [[String?]] = [["P0", nil, "female", "en", nil], ["P1", nil, "female", "en", nil]]
        #expect(groups.apply(to: &rows) == 8)
        #expect(rows.allSatisfy { $0.dropFirst().allSatisfy { $0 == cut } })
    }

    /// A return asks for the postcode, the answer with the most values: the five tenants of one postcode
    /// who share band, sex and language leave whole; everyone else loses the postcode, and keeps the rest
    /// where enough share it.
    @Test func aFullCombinationSharedWidelyEnoughLeavesWholeAndTheRestLoseThePostcodeFirst() {
        let groups = SmallGroups(smallest: 5, identifying: [1, 2, 3, 4], sensitive: [5])
        var rows: [[String?]] = (0..<5).map { ["P\($0)", "25-34", "female", "E1 6AN", "en", "white-british"] }
        rows += (5..<11).map { ["P\($0)", "25-34", "female", "N\($0) 1AA", "en", "black-african"] }
        rows += [["P11", "85+", "male", "E1 6AN", "en", "white-irish"]]
        #expect(groups.apply(to: &rows) == 6 + 4 + 1)
        #expect(rows[0] == ["P0", "25-34", "female", "E1 6AN", "en", "white-british"])
        #expect(rows[5] == ["P5", "25-34", "female", cut, "en", "black-african"])
        #expect(rows[10] == ["P10", "25-34", "female", cut, "en", "black-african"])
        #expect(rows[11] == ["P11", cut, cut, cut, cut, cut])
    }

    /// A row whose combination the plan never counted (it cannot happen in an export, which counts every row it
    /// holds) keeps nothing but its pseudonym: the plan fails closed.
    @Test func aRowThePlanNeverCountedKeepsOnlyItsPseudonym() {
        var counted: [[String?]] = (0..<2).map { ["P\($0)", "25-34", "female", "en", "white-british"] }
        let plan = groups.plan([groups.key(counted[0]): 2])
        #expect(groups.apply(plan, to: &counted[0]) == 3 + 1, "two rows are too few: everything goes")
        var stranger: [String?] = ["P9", "16-24", "male", "cy", "white-irish"]
        #expect(groups.apply(plan, to: &stranger) == 4)
        #expect(stranger == ["P9", cut, cut, cut, cut])
    }
}

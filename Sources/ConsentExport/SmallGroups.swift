/// Small-group suppression for pseudonymised rows: every row leaves sharing its identifying-but-not-sensitive
/// cells (the quasi-identifiers: age band, sex, language) with at least ``smallest`` rows, so no one can be
/// picked out of the file by what a neighbour or colleague knows of them (a 90-year-old Tigrinya speaker is
/// one row of the demo register however well the reference is hidden).
///
/// Rows in a group smaller than ``smallest`` lose one quasi-identifier at a time, the one with the most
/// different answers first (language before age band before sex), the cell becoming ``suppressed``; the
/// rows that share nothing with enough others once every quasi-identifier is gone keep only their
/// pseudonym: their sensitive cells are suppressed too. The rows' order and number are unchanged.
public struct SmallGroups: Sendable, Equatable {
    /// The fewest rows that may share a combination of quasi-identifiers (the ICO's anonymisation guidance
    /// names thresholds of 5 to 10 for published counts).
    public var smallest: Int
    /// The positions, within a row, of the quasi-identifiers.
    public var identifying: [Int]
    /// The positions of the cells that may only leave in a group (the sensitive answers).
    public var sensitive: [Int]

    /// What a suppressed cell holds.
    public static let suppressed = "suppressed (small group)"

    /// The reason counted in an export manifest's `withheld` for each suppressed cell.
    public static let reason = "small-group"

    /// Suppression keeping groups of at least `smallest` rows on the cells at `identifying`, and taking the cells at
    /// `sensitive` from rows still alone.
    public init(smallest: Int = 5, identifying: [Int], sensitive: [Int]) {
        self.smallest = smallest
        self.identifying = identifying
        self.sensitive = sensitive
    }

    /// Suppresses cells of `rows` until every group of rows sharing their quasi-identifiers holds at least
    /// ``smallest`` rows; returns how many cells were suppressed.
    ///
    ///     let count = SmallGroups(identifying: [1, 2, 3], sensitive: [4, 5]).apply(to: &rows)
    @discardableResult
    public func apply(to rows: inout [[String?]]) -> Int {
        guard smallest > 1, !identifying.isEmpty else { return 0 }
        let order = identifying.enumerated().sorted { a, b in
            let (left, right) = (Set(rows.map { $0[a.element] }).count, Set(rows.map { $0[b.element] }).count)
            return left != right ? left > right : a.offset < b.offset
        }.map(\.element)
        var count = 0
        for column in order {
            let small = smallRows(rows)
            if small.isEmpty { return count }
            for row in small where rows[row][column] != Self.suppressed {
                rows[row][column] = Self.suppressed
                count += 1
            }
        }
        for row in smallRows(rows) {
            for column in sensitive where rows[row][column] != Self.suppressed {
                rows[row][column] = Self.suppressed
                count += 1
            }
        }
        return count
    }

    /// The indices of rows whose quasi-identifiers fewer than ``smallest`` rows share.
    private func smallRows(_ rows: [[String?]]) -> [Int] {
        var sizes: [[String?]: Int] = [:]
        let keys = rows.map { row in identifying.map { row[$0] } }
        for key in keys { sizes[key, default: 0] += 1 }
        return keys.indices.filter { (sizes[keys[$0]] ?? 0) < smallest }
    }
}

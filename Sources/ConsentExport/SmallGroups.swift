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
        var counts: [[String?]: Int] = [:]
        for row in rows { counts[key(row), default: 0] += 1 }
        let plan = plan(counts)
        var count = 0
        for index in rows.indices { count += apply(plan, to: &rows[index]) }
        return count
    }

    /// What suppression does to the rows of each combination of quasi-identifiers, worked out from how
    /// many rows share each combination: rows of one combination are treated alike, so a caller that
    /// cannot hold every row (an export of a million) counts combinations as rows go by and applies the
    /// plan to each row afterwards (``apply(_:to:)``).
    public struct Plan: Sendable {
        /// The quasi-identifiers each combination leaves with.
        fileprivate var becomes: [[String?]: [String?]]
        /// The combinations still shared by fewer than ``SmallGroups/smallest`` rows once every
        /// quasi-identifier is gone: their rows' sensitive cells go too.
        fileprivate var alone: Set<[String?]>
    }

    /// A row's quasi-identifiers, the key of the counts ``plan(_:)`` takes.
    public func key(_ row: [String?]) -> [String?] { identifying.map { row[$0] } }

    /// The plan for rows whose quasi-identifiers (``key(_:)``) are counted in `counts`. Quasi-identifiers
    /// go one at a time, the one with the most different answers first, from every row of a combination
    /// fewer than ``smallest`` rows share, until none is that small.
    public func plan(_ counts: [[String?]: Int]) -> Plan {
        guard smallest > 1, !identifying.isEmpty else { return Plan(becomes: [:], alone: []) }
        let answers = identifying.indices.map { position in Set(counts.keys.map { $0[position] }).count }
        let order = identifying.indices.sorted { a, b in answers[a] != answers[b] ? answers[a] > answers[b] : a < b }
        // Groups of rows are numbered, and each combination points at its group's number: a pass moves
        // the small groups (hashing only their keys) and renumbers the combinations with integers.
        let combinations = Array(counts.keys)
        var keys = combinations, sizes = combinations.map { counts[$0] ?? 0 }
        var numbers = Dictionary(uniqueKeysWithValues: combinations.enumerated().map { ($1, $0) })
        var group = Array(combinations.indices)
        for position in order {
            let small = sizes.indices.filter { sizes[$0] > 0 && sizes[$0] < smallest }
            if small.isEmpty { break }
            var moves = Array(keys.indices)
            for from in small {
                var key = keys[from]
                key[position] = Self.suppressed
                if let to = numbers[key] {
                    moves[from] = to
                } else {
                    numbers[key] = keys.count
                    moves[from] = keys.count
                    keys.append(key)
                    sizes.append(0)
                }
            }
            for from in small where moves[from] != from {
                sizes[moves[from]] += sizes[from]
                sizes[from] = 0
            }
            for index in group.indices { group[index] = moves[group[index]] }
        }
        let alone = Set(sizes.indices.filter { sizes[$0] > 0 && sizes[$0] < smallest }.map { keys[$0] })
        return Plan(becomes: Dictionary(uniqueKeysWithValues: combinations.indices.map { (combinations[$0], keys[group[$0]]) }), alone: alone)
    }

    /// Suppresses one row's cells as `plan` says; returns how many it changed (a cell already
    /// suppressed is not counted again).
    public func apply(_ plan: Plan, to row: inout [String?]) -> Int {
        guard let target = plan.becomes[key(row)] else { return 0 }
        var count = 0
        for (position, column) in identifying.enumerated() where row[column] != target[position] {
            row[column] = target[position]
            count += 1
        }
        if plan.alone.contains(target) {
            for column in sensitive where row[column] != Self.suppressed {
                row[column] = Self.suppressed
                count += 1
            }
        }
        return count
    }
}

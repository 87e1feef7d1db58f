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
    ///
    /// The first quasi-identifier to go is the one with the most answers (a postcode, where one is
    /// asked), so nearly every combination is either shared widely enough to leave whole or loses that
    /// cell; only the combinations left once it is gone, far fewer, are kept with what they become.
    public struct Plan: Sendable {
        /// The position, within ``SmallGroups/identifying``, of the quasi-identifier that goes first;
        /// nil when nothing is suppressed.
        fileprivate var first: Int?
        /// The combinations shared by at least ``SmallGroups/smallest`` rows: they leave whole.
        fileprivate var whole: Set<[String?]>
        /// What each of the other combinations becomes, by the combination with its first
        /// quasi-identifier suppressed.
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
        var planning = planning(answers: identifying.indices.map { position in Set(counts.keys.map { $0[position] }).count })
        for (key, count) in counts { planning.add(key, count: count) }
        return planning.plan()
    }

    /// Begins a plan for quasi-identifiers that have `answers[i]` different answers at each position
    /// `i`; the combinations are then given to it one at a time, each once, with their counts.
    func planning(answers: [Int]) -> Planning {
        let order = identifying.indices.sorted { a, b in answers[a] != answers[b] ? answers[a] > answers[b] : a < b }
        return Planning(smallest: smallest, order: smallest > 1 ? order : [])
    }

    /// A ``Plan`` being worked out from combinations given one at a time (``SmallGroups/planning(answers:)``).
    struct Planning {
        fileprivate let smallest: Int
        /// The positions in the order their quasi-identifiers go.
        fileprivate let order: [Int]
        private var whole: Set<[String?]> = []
        /// How many rows lose the first quasi-identifier, by the combination they then share.
        private var reduced: [[String?]: Int] = [:]

        fileprivate init(smallest: Int, order: [Int]) {
            self.smallest = smallest
            self.order = order
        }

        /// Counts `count` rows sharing the combination `key`.
        mutating func add(_ key: [String?], count: Int) {
            guard let first = order.first else { return }
            if count >= smallest {
                whole.insert(key)
                // A combination whose first cell already reads as suppressed is where small ones go.
                if key[first] == SmallGroups.suppressed { reduced[key, default: 0] += count }
            } else {
                var key = key
                key[first] = SmallGroups.suppressed
                reduced[key, default: 0] += count
            }
        }

        /// The plan: the rest of the quasi-identifiers go one at a time from every group still too small.
        func plan() -> Plan {
            // Groups of rows are numbered, and each combination points at its group's number: a pass
            // moves the small groups (hashing only their keys) and renumbers the combinations with integers.
            let combinations = Array(reduced.keys)
            var keys = combinations, sizes = combinations.map { reduced[$0] ?? 0 }
            var numbers = Dictionary(uniqueKeysWithValues: combinations.enumerated().map { ($1, $0) })
            var group = Array(combinations.indices)
            for position in order.dropFirst() {
                let small = sizes.indices.filter { sizes[$0] > 0 && sizes[$0] < smallest }
                if small.isEmpty { break }
                var moves = Array(keys.indices)
                for from in small {
                    var key = keys[from]
                    key[position] = SmallGroups.suppressed
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
            let becomes = Dictionary(uniqueKeysWithValues: combinations.indices.map { (combinations[$0], keys[group[$0]]) })
            return Plan(first: order.first, whole: whole, becomes: becomes, alone: alone)
        }
    }

    /// Suppresses one row's cells as `plan` says; returns how many it changed (a cell already
    /// suppressed is not counted again).
    public func apply(_ plan: Plan, to row: inout [String?]) -> Int {
        guard let first = plan.first else { return 0 }
        var target = key(row)
        if plan.whole.contains(target) { return 0 }
        target[first] = Self.suppressed
        let alone: Bool
        if let becomes = plan.becomes[target] {
            target = becomes
            alone = plan.alone.contains(becomes)
        } else {
            // A combination the plan never counted: nothing of it leaves.
            target = identifying.map { _ in Self.suppressed }
            alone = true
        }
        var count = 0
        for (position, column) in identifying.enumerated() where row[column] != target[position] {
            row[column] = target[position]
            count += 1
        }
        if alone {
            for column in sensitive where row[column] != Self.suppressed {
                row[column] = Self.suppressed
                count += 1
            }
        }
        return count
    }
}

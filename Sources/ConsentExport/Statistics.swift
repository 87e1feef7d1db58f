import ConsentCore
import Foundation

/// Counts of tenants by one or two attributes for a statistics purpose, published only with
/// small-number protection: counts from 1 to 9 suppressed, secondary suppression so no suppressed
/// cell can be worked out from a published total, and every published count rounded to 5.
public struct StatisticsTable: Sendable, Equatable {
    /// The categories of each dimension, in a stable order.
    public var dimensions: [[String]]
    /// True counts by category tuple (never published as such).
    var counts: [[String]: Int]

    public init(dimensions: [[String]], counts: [[String]: Int]) {
        self.dimensions = dimensions
        self.counts = counts
    }

    /// A published cell: a rounded count, or nil where suppressed.
    public struct Cell: Sendable, Equatable, Codable {
        public var categories: [String]
        public var count: Int?
    }

    /// What may be published: every cell, each margin (row and column totals) and the grand total.
    public struct Published: Sendable, Equatable, Codable {
        public var cells: [Cell]
        /// Totals per category of each dimension (only for two dimensions: per row, per column).
        public var margins: [[Cell]]
        public var total: Int?
    }

    /// The smallest count published; smaller non-zero counts are suppressed.
    public static let threshold = 10
    /// Published counts are rounded to a multiple of this.
    public static let rounding = 5

    public func publish() -> Published {
        let cells = keys()
        var suppressed = Set(cells.filter { isSmall(counts[$0] ?? 0) })
        // Groups whose total is published: each row and column (two dimensions), or the whole table.
        var groups: [[[String]]] = []
        if dimensions.count == 2 {
            for row in dimensions[0] { groups.append(dimensions[1].map { [row, $0] }) }
            for column in dimensions[1] { groups.append(dimensions[0].map { [$0, column] }) }
        } else {
            groups.append(cells)
        }
        let marginKeys: [[[String]]] = dimensions.count == 2 ? [dimensions[0].map { [$0, "*"] }, dimensions[1].map { ["*", $0] }] : []
        var marginCounts: [[String]: Int] = [:]
        if dimensions.count == 2 {
            for (key, n) in counts {
                marginCounts[[key[0], "*"], default: 0] += n
                marginCounts[["*", key[1]], default: 0] += n
            }
        }
        var suppressedMargins = Set(marginKeys.flatMap { $0 }.filter { isSmall(marginCounts[$0] ?? 0) })
        // Secondary suppression until no published total lets a lone suppressed entry be derived:
        // hide the next smallest entry beside it, or, when every other entry is zero, the total itself.
        let total = counts.values.reduce(0, +)
        var totalSuppressed = isSmall(total)
        var changed = true
        while changed {
            changed = false
            for (index, group) in (groups + marginKeys).enumerated() {
                let isMargin = index >= groups.count
                let hidden = isMargin ? suppressedMargins : suppressed
                let value: ([String]) -> Int = { isMargin ? marginCounts[$0] ?? 0 : counts[$0] ?? 0 }
                guard group.filter(hidden.contains).count == 1 else { continue }
                // The total this group adds up to: a margin (two dimensions) or the grand total.
                let groupTotal: [String]? = dimensions.count == 2 && !isMargin
                    ? (index < dimensions[0].count ? [dimensions[0][index], "*"] : ["*", dimensions[1][index - dimensions[0].count]]) : nil
                if let groupTotal, suppressedMargins.contains(groupTotal) { continue }
                if groupTotal == nil, totalSuppressed { continue }
                let candidates = group.filter { !hidden.contains($0) && value($0) > 0 }
                if let next = candidates.min(by: { (value($0), $0.joined()) < (value($1), $1.joined()) }) {
                    if isMargin { suppressedMargins.insert(next) } else { suppressed.insert(next) }
                } else if let groupTotal {
                    suppressedMargins.insert(groupTotal)
                } else {
                    totalSuppressed = true
                }
                changed = true
            }
        }
        return Published(
            cells: cells.map { Cell(categories: $0, count: suppressed.contains($0) ? nil : Self.round(counts[$0] ?? 0)) },
            margins: marginKeys.map { $0.map { Cell(categories: $0, count: suppressedMargins.contains($0) ? nil : Self.round(marginCounts[$0] ?? 0)) } },
            total: totalSuppressed ? nil : Self.round(total))
    }

    private func keys() -> [[String]] {
        dimensions.count == 2 ? dimensions[0].flatMap { a in dimensions[1].map { [a, $0] } } : dimensions[0].map { [$0] }
    }

    private func isSmall(_ n: Int) -> Bool { n > 0 && n < Self.threshold }

    /// Rounds to the nearest multiple of ``rounding`` (halves up).
    static func round(_ n: Int) -> Int { (n + rounding / 2) / rounding * rounding }
}

/// Builds a ``StatisticsTable`` tenant by tenant through the policy: a tenant who objected (or
/// withdrew) for any counted attribute is left out; a value the policy withholds for another
/// reason counts as "not known" or "prefer not to say"; dates of birth count as age bands.
public struct StatisticsBuilder {
    public let catalogue: Catalogue
    public let at: Date
    /// The policy for the counted attributes.
    public let policy: PurposePolicy
    public var purpose: PurposeDefinition { policy.purpose }
    public var attributes: [AttributeID] { policy.attributes }
    public private(set) var excluded = 0
    private var counts: [[String]: Int] = [:]
    private let day: AgeBand.Day

    public enum StatisticsError: Error, Equatable, CustomStringConvertible {
        case unknownPurpose(String)
        case notDeclared(String, purpose: String)
        case notCountable(String)
        case dimensions
        public var description: String {
            switch self {
            case .unknownPurpose(let id): "no purpose '\(id)' in Forms/purposes.yaml"
            case let .notDeclared(attribute, purpose): "'\(attribute)' is not an attribute of purpose '\(purpose)'; statistics count only what the purpose uses"
            case .notCountable(let attribute): "'\(attribute)' is free text; count by a choice or a date attribute instead"
            case .dimensions: "give one or two attributes with --by (e.g. --by ethnic-origin or --by sex,religion)"
            }
        }
    }

    public init(purpose id: String, by attributes: [String], catalogue: Catalogue, at date: Date) throws(StatisticsError) {
        guard let purpose = catalogue.purpose(PurposeID(id)) else { throw .unknownPurpose(id) }
        guard (1...2).contains(attributes.count) else { throw .dimensions }
        for name in attributes {
            guard purpose.attributes.contains(AttributeID(name)) else { throw .notDeclared(name, purpose: id) }
            guard let type = catalogue.attribute(AttributeID(name))?.type, type == .choice || type == .date else { throw .notCountable(name) }
        }
        self.catalogue = catalogue
        self.at = date
        day = AgeBand.Day(date)
        self.policy = PurposePolicy(purpose: purpose, attributes: attributes.map { AttributeID($0) }, catalogue: catalogue)
    }

    public mutating func add(_ tenant: TenantState) {
        var key: [String] = []
        for (index, attribute) in attributes.enumerated() {
            switch policy.evaluate(index, of: tenant, at: at) {
            case .allowed:
                let text = tenant.value(attribute).answer?.text ?? ""
                key.append(catalogue.attribute(attribute)?.type == .date ? AgeBand.of(birth: text, on: day) ?? "not-known" : text)
            case .denied(.objected), .denied(.withdrawn), .denied(.noConsent), .denied(.expired):
                excluded += 1
                return
            case .denied(.preferNotToSay):
                key.append("prefer-not-to-say")
            case .denied:
                key.append("not-known")
            }
        }
        counts[key, default: 0] += 1
    }

    /// The table, with every category of each attribute listed (choices in Forms/ order).
    public func table() -> StatisticsTable {
        let dimensions = attributes.enumerated().map { index, attribute -> [String] in
            let seen = Set(counts.keys.map { $0[index] })
            var order: [String] = catalogue.attribute(attribute)?.type == .date ? AgeBand.labels : (catalogue.attribute(attribute)?.choices.map(\.id) ?? [])
            order += ["prefer-not-to-say", "not-known"]
            return order.filter(seen.contains) + seen.subtracting(order).sorted()
        }
        return StatisticsTable(dimensions: dimensions, counts: counts)
    }
}

/// Age bands used in statistics and returns, so no date of birth leaves.
public enum AgeBand {
    public static let labels = ["under-16", "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"]

    /// The UTC calendar day ages are counted to: worked out once per export, not once per cell.
    public struct Day: Sendable {
        let year: Int, month: Int, day: Int

        /// The UTC day of `date`.
        public init(_ date: Date) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
            let today = calendar.dateComponents([.year, .month, .day], from: date)
            (year, month, day) = (today.year ?? 0, today.month ?? 0, today.day ?? 0)
        }
    }

    /// Whole years from an ISO date of birth (YYYY-MM-DD) to `date` (UTC).
    public static func age(birth: String, on date: Date) -> Int? { age(birth: birth, on: Day(date)) }

    /// Whole years from an ISO date of birth (YYYY-MM-DD) to `today`.
    public static func age(birth: String, on today: Day) -> Int? {
        let parts = birth.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        let age = today.year - parts[0] - ((today.month, today.day) < (parts[1], parts[2]) ? 1 : 0)
        return age >= 0 ? age : nil
    }

    /// The band of a date of birth on `date` (UTC).
    public static func of(birth: String, on date: Date) -> String? { of(birth: birth, on: Day(date)) }

    /// The band of a date of birth on `today`.
    public static func of(birth: String, on today: Day) -> String? {
        guard let age = age(birth: birth, on: today) else { return nil }
        switch age {
        case ..<16: return labels[0]
        case 16...24: return labels[1]
        case 85...: return labels[8]
        default: return labels[(age - 25) / 10 + 2]
        }
    }
}

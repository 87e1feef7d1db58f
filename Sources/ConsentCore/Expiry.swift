import Foundation

/// A tenant's consent to a purpose that lapses soon: the attributes it covers and the day it ends.
/// It says nothing of the values held; the tenant is asked again before `until`, or the grant lapses
/// and what the purpose uses leaves its exports (`Policy` reads it as expired).
public struct LapsingGrant: Codable, Sendable, Equatable {
    public var tenant: TenantRef
    public var purpose: PurposeID
    /// The attributes the grant covers, sorted.
    public var attributes: [AttributeID]
    /// When the grant stops counting (`DecisionRecord.validUntil`).
    public var until: Date

    public init(tenant: TenantRef, purpose: PurposeID, attributes: [AttributeID], until: Date) {
        self.tenant = tenant
        self.purpose = purpose
        self.attributes = attributes
        self.until = until
    }
}

/// Which grants lapse within a window, from the decisions a register holds: the rule a store applies
/// to its rows and the kiosk to one tenant, written once.
public enum Expiry {
    /// The most days ahead a listing looks: a little over two validity periods of the longest kind.
    public static let maximumDays = 3_660

    /// One recorded decision as a store reads it: tenant, purpose, attribute, state, and when it took effect and ends.
    public struct Row: Sendable, Equatable {
        public var tenant: TenantRef
        public var purpose: PurposeID
        public var attribute: AttributeID
        public var state: DecisionState
        public var effectiveAt: Date
        public var validUntil: Date?

        public init(tenant: TenantRef, purpose: PurposeID, attribute: AttributeID, state: DecisionState, effectiveAt: Date, validUntil: Date?) {
            self.tenant = tenant
            self.purpose = purpose
            self.attribute = attribute
            self.state = state
            self.effectiveAt = effectiveAt
            self.validUntil = validUntil
        }
    }

    /// The end of a window of `days` days from `now`.
    public static func end(from now: Date, days: Int) -> Date { now.addingTimeInterval(Double(days) * 86_400) }

    /// Whether `row` is a grant in force at `now` (a consent purpose the catalogue still lists with
    /// the attribute) that ends after `now` and no later than `end`.
    public static func lapses(_ row: Row, from now: Date, to end: Date, in catalogue: Catalogue) -> Bool {
        guard row.state == .granted, let until = row.validUntil, until > now, until <= end, row.effectiveAt <= now,
              let purpose = catalogue.purpose(row.purpose), purpose.legalBasis.control == .optIn,
              purpose.attributes.contains(row.attribute)
        else { return false }
        return true
    }

    /// The rows that lapse in the window, one `LapsingGrant` per tenant, purpose and end date, soonest
    /// first (then by reference and purpose), attributes sorted.
    public static func lapsing(_ rows: [Row], from now: Date, days: Int, in catalogue: Catalogue) -> [LapsingGrant] {
        let end = end(from: now, days: days)
        struct Key: Hashable { var tenant: TenantRef; var purpose: PurposeID; var until: Date }
        var grouped: [Key: [AttributeID]] = [:]
        for row in rows where lapses(row, from: now, to: end, in: catalogue) {
            guard let until = row.validUntil else { continue }
            grouped[Key(tenant: row.tenant, purpose: row.purpose, until: until), default: []].append(row.attribute)
        }
        return grouped.map { LapsingGrant(tenant: $0.key.tenant, purpose: $0.key.purpose, attributes: $0.value.sorted(), until: $0.key.until) }
            .sorted { ($0.until, $0.tenant, $0.purpose) < ($1.until, $1.tenant, $1.purpose) }
    }
}

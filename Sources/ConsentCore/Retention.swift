import Foundation

/// What a retention run erases: each value held that no purpose using it may keep any longer, by the
/// purposes' `retention` rules (``RetentionRule``) and what the register holds about the tenant.
///
/// A value is kept while at least one purpose that uses its attribute keeps it:
/// - `until withdrawn` (or `… or N years`): while the tenant's grant of that attribute for the purpose is
///   in force (not withdrawn, not lapsed, and within N years of the decision) and the tenancy has not ended;
/// - `N years after tenancy end`: until N years after the `tenancy-end` date held for the tenant (for
///   ever while none is held);
/// - `N years after decision`: until N years after the later of the purpose's decision for it and the
///   value's own recording;
/// - `N years after submission`: while the tenancy lasts (a return may still be due), and until N years
///   after the tenant's data were last sent under the purpose.
///
/// A withdrawal or objection stops a purpose keeping what it covers, whatever the rule. Attributes no
/// purpose uses (retired ones) are left alone: staff decide those; so is ``neverErased``.
///
/// A staff marker set on the tenant is kept by the purpose that holds it (`markers:` in `Forms/purposes.yaml`),
/// by the same rule counted from the day it was set; a marker under an `until withdrawn` rule (a marker asks the
/// tenant for nothing, so nothing withdraws it) is kept while the tenancy lasts. Pure: the store gathers ``Facts``.
///
///     let due = Retention.due(facts, catalogue: catalogue, now: Date())  // [AttributeID("email")]
///     let cleared = Retention.markersDue(facts, catalogue: catalogue, now: Date())  // ["vulnerable"]
public enum Retention {
    /// Who a retention run's erasures and marker clearings are recorded as.
    public static let actor = Actor.system("retention")

    /// The attribute that holds the day a tenancy ended (a date in `Forms/attributes.yaml`).
    public static let tenancyEndAttribute = AttributeID("tenancy-end")

    /// Attributes never erased, by a run or anyone (`ChangeRules` refuses it): the office names no one, and
    /// routes what is left of the tenant (their reference and history) to that office's devices alone;
    /// without it every device would pull them.
    public static let neverErased: Set<AttributeID> = [AttributeID("office")]

    /// A purpose's current decision for one attribute, as the `decision` projection holds it.
    public struct Decided: Sendable, Equatable {
        public var state: DecisionState
        public var effectiveAt: Date
        public var validUntil: Date?
        public init(state: DecisionState, effectiveAt: Date, validUntil: Date?) {
            self.state = state
            self.effectiveAt = effectiveAt
            self.validUntil = validUntil
        }
    }

    /// A purpose and an attribute it uses.
    public struct Use: Hashable, Sendable {
        public var purpose: PurposeID
        public var attribute: AttributeID
        public init(_ purpose: PurposeID, _ attribute: AttributeID) {
            self.purpose = purpose
            self.attribute = attribute
        }
    }

    /// What one tenant's retention depends on.
    public struct Facts: Sendable, Equatable {
        public var tenant: TenantRef
        /// The day the tenancy ended, when the register holds one.
        public var tenancyEnd: Date?
        /// Each value held (a value or "prefer not to say"), with when it was recorded.
        public var held: [AttributeID: Date]
        /// The current decision per purpose and attribute.
        public var decisions: [Use: Decided]
        /// When the tenant's data were last sent out under each purpose.
        public var lastSent: [PurposeID: Date]
        /// Each staff marker set on the tenant now, with when it was set.
        public var markers: [String: Date]
        public init(tenant: TenantRef, tenancyEnd: Date? = nil, held: [AttributeID: Date],
                    decisions: [Use: Decided] = [:], lastSent: [PurposeID: Date] = [:], markers: [String: Date] = [:]) {
            self.tenant = tenant
            self.tenancyEnd = tenancyEnd
            self.held = held
            self.decisions = decisions
            self.lastSent = lastSent
            self.markers = markers
        }
    }

    /// One value a run erases.
    public struct Erasure: Codable, Sendable, Equatable {
        public var tenant: TenantRef
        public var attribute: AttributeID
        public init(tenant: TenantRef, attribute: AttributeID) {
            self.tenant = tenant
            self.attribute = attribute
        }
    }

    /// A staff marker a run clears.
    public struct MarkerClearing: Codable, Sendable, Equatable {
        public var tenant: TenantRef
        public var marker: String
        public init(tenant: TenantRef, marker: String) {
            self.tenant = tenant
            self.marker = marker
        }
    }

    /// Whether `purpose` may still keep the tenant's value of `attribute`, recorded at `recordedAt`.
    public static func keeps(_ purpose: PurposeDefinition, _ attribute: AttributeID, _ facts: Facts, recordedAt: Date, now: Date) -> Bool {
        let decided = facts.decisions[Use(purpose.id, attribute)]
        if decided?.state.stopsUse == true { return false }
        switch purpose.retention {
        case .untilWithdrawn, .untilWithdrawnOr:
            guard let decided, inForce(decided, now: now) else { return false }
            return ruleKeeps(purpose, facts, countingFrom: decided.effectiveAt, now: now)
        case .afterDecision:
            return ruleKeeps(purpose, facts, countingFrom: max(decided?.effectiveAt ?? recordedAt, recordedAt), now: now)
        case .afterTenancyEnd, .afterSubmission:
            return ruleKeeps(purpose, facts, countingFrom: recordedAt, now: now)
        }
    }

    /// The clock of `purpose`'s rule alone, its periods counted from `start` (the decision or the value's
    /// recording, or the day a marker was set): nothing withdrawn or lapsed is looked at here. A marker is kept
    /// while this holds from the day it was set (under an `until withdrawn` rule: while the tenancy lasts).
    private static func ruleKeeps(_ purpose: PurposeDefinition, _ facts: Facts, countingFrom start: Date, now: Date) -> Bool {
        func within(_ months: Int, of day: Date) -> Bool { ChangeRules.adding(months: months, to: day) > now }
        let ended = facts.tenancyEnd.map { $0 <= now } ?? false
        switch purpose.retention {
        case .untilWithdrawn:
            return !ended
        case .untilWithdrawnOr(let months):
            return !ended && within(months, of: start)
        case .afterTenancyEnd(let months):
            guard let end = facts.tenancyEnd else { return true }
            return within(months, of: end)
        case .afterDecision(let months):
            return within(months, of: start)
        case .afterSubmission(let months):
            if facts.tenancyEnd == nil { return true }
            guard let sent = facts.lastSent[purpose.id] else { return false }
            return within(months, of: sent)
        }
    }

    /// The attributes of `facts.tenant` that no purpose may keep any longer, in catalogue order.
    public static func due(_ facts: Facts, catalogue: Catalogue, now: Date) -> [AttributeID] {
        catalogue.attributes.map(\.id).filter { attribute in
            guard let recorded = facts.held[attribute], !neverErased.contains(attribute) else { return false }
            let users = catalogue.purposes(using: attribute)
            return !users.isEmpty && !users.contains { keeps($0, attribute, facts, recordedAt: recorded, now: now) }
        }
    }

    /// The staff markers set on `facts.tenant` that the purpose holding each may no longer keep, in id order. A
    /// marker no purpose holds (one dropped from `Forms/`) is left alone, as a retired attribute is.
    public static func markersDue(_ facts: Facts, catalogue: Catalogue, now: Date) -> [String] {
        facts.markers.keys.sorted().filter { marker in
            guard let setAt = facts.markers[marker],
                  let holder = catalogue.purposes.first(where: { $0.markers.contains(marker) }) else { return false }
            return !ruleKeeps(holder, facts, countingFrom: setAt, now: now)
        }
    }

    /// Whether a consent grant is in force at `now`.
    static func inForce(_ decided: Decided?, now: Date) -> Bool {
        guard let decided, decided.state == .granted else { return false }
        return decided.validUntil.map { $0 > now } ?? true
    }
}

import Foundation

/// What a retention run erases: each value held that no purpose using it may keep any longer, by the
/// purposes' `retention` rules (``RetentionRule``) and what the register holds about the tenant.
///
/// A value is kept while at least one purpose that uses its attribute keeps it:
/// - `until withdrawn` (or `… or N years`): while the tenant's grant of that attribute for the purpose is
///   in force (not withdrawn, not lapsed, and within N years of the decision);
/// - `N years after tenancy end`: until N years after the `tenancy-end` date held for the tenant (for
///   ever while none is held);
/// - `N years after decision`: until N years after the later of the purpose's decision for it and the
///   value's own recording;
/// - `N years after submission`: while the tenancy lasts (a return may still be due), and until N years
///   after the tenant's data were last sent under the purpose.
///
/// A withdrawal or objection stops a purpose keeping what it covers, whatever the rule. Attributes no
/// purpose uses (retired ones) are left alone: staff decide those; so is ``neverErased``. Pure: the store gathers ``Facts``.
///
///     let due = Retention.due(facts, catalogue: catalogue, now: Date())  // [AttributeID("email")]
public enum Retention {
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
        public init(tenant: TenantRef, tenancyEnd: Date? = nil, held: [AttributeID: Date],
                    decisions: [Use: Decided] = [:], lastSent: [PurposeID: Date] = [:]) {
            self.tenant = tenant
            self.tenancyEnd = tenancyEnd
            self.held = held
            self.decisions = decisions
            self.lastSent = lastSent
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

    /// Whether `purpose` may still keep the tenant's value of `attribute`, recorded at `recordedAt`.
    public static func keeps(_ purpose: PurposeDefinition, _ attribute: AttributeID, _ facts: Facts, recordedAt: Date, now: Date) -> Bool {
        let decided = facts.decisions[Use(purpose.id, attribute)]
        if decided?.state.stopsUse == true { return false }
        func within(_ months: Int, of day: Date) -> Bool { ChangeRules.adding(months: months, to: day) > now }
        switch purpose.retention {
        case .untilWithdrawn:
            return inForce(decided, now: now)
        case .untilWithdrawnOr(let months):
            guard let decided, inForce(decided, now: now) else { return false }
            return within(months, of: decided.effectiveAt)
        case .afterTenancyEnd(let months):
            guard let end = facts.tenancyEnd else { return true }
            return within(months, of: end)
        case .afterDecision(let months):
            return within(months, of: max(decided?.effectiveAt ?? recordedAt, recordedAt))
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

    /// Whether a consent grant is in force at `now`.
    static func inForce(_ decided: Decided?, now: Date) -> Bool {
        guard let decided, decided.state == .granted else { return false }
        return decided.validUntil.map { $0 > now } ?? true
    }
}

import Foundation

/// The current decision for one (tenant, attribute, purpose), as the projection holds it.
public struct DecisionRecord: Hashable, Sendable {
    public var state: DecisionState
    /// The event that set this state.
    public var event: EventID
    /// The centre's sequence of that event, once synced.
    public var centralSequence: Int64?
    /// When the tenant expressed the choice.
    public var effectiveAt: Date
    public var notice: NoticeShown?
    /// When a consent lapses and must be asked again; nil = until withdrawn.
    public var validUntil: Date?
    public var actor: Actor
    public var channel: Channel
    /// A grant that lost to a withdrawal or objection, or a withdrawal entered after a later grant:
    /// either way staff must re-confirm with the tenant.
    public var needsReconfirmation: EventID?

    public init(
        state: DecisionState, event: EventID, centralSequence: Int64? = nil, effectiveAt: Date,
        notice: NoticeShown? = nil, validUntil: Date? = nil, actor: Actor, channel: Channel,
        needsReconfirmation: EventID? = nil
    ) {
        self.state = state
        self.event = event
        self.centralSequence = centralSequence
        self.effectiveAt = effectiveAt
        self.notice = notice
        self.validUntil = validUntil
        self.actor = actor
        self.channel = channel
        self.needsReconfirmation = needsReconfirmation
    }

    /// The record a decision event would set, before merging.
    public init?(event: Event) {
        guard case let .decision(_, state, notice, validUntil) = event.payload else { return nil }
        self.init(
            state: state, event: event.id, centralSequence: event.centralSequence,
            effectiveAt: event.effectiveAt, notice: notice, validUntil: validUntil,
            actor: event.actor, channel: event.channel)
    }
}

/// What merging an incoming decision did.
public enum MergeOutcome: String, Sendable, Equatable {
    /// The incoming decision is now the current one.
    case applied
    /// A withdrawal or objection now stands over a later grant; staff should re-confirm.
    case appliedNeedsReconfirmation = "applied-needs-reconfirmation"
    /// A grant was kept in the ledger but a withdrawal or objection stands: queued for re-confirmation.
    case overriddenByWithdrawal = "overridden-by-withdrawal"
    /// An older decision of the same kind; the current one stays.
    case superseded
}

/// The merge rule for decisions: a disable-wins flag.
///
/// A withdrawal or objection always takes effect. A grant (or a reset to "not asked") replaces a
/// withdrawal or objection only when that withdrawal is in the grant's causal past — the grant's
/// device had seen it — *and* the grant was expressed no earlier than it. Otherwise the withdrawal
/// stands, whatever the clocks say, and the grant is kept for staff to re-confirm. The same
/// function runs on devices and at the centre.
public enum DecisionMerge {
    /// Whether `current` was in the causal past of `incoming`, whose device had seen central
    /// sequences up to `causalContext` for this decision.
    public static func isInCausalPast(_ current: DecisionRecord, of incoming: EventID, causalContext: Int64?) -> Bool {
        if current.event.device == incoming.device && current.event.sequence < incoming.sequence { return true }
        if let seen = causalContext, let seq = current.centralSequence, seq <= seen { return true }
        return false
    }

    /// Merges an incoming decision into the current one.
    public static func merge(
        current: DecisionRecord?, incoming: DecisionRecord, causalContext: Int64?
    ) -> (record: DecisionRecord, outcome: MergeOutcome) {
        guard let current else { return (incoming, .applied) }
        if incoming.state.stopsUse {
            if current.state.stopsUse && incoming.effectiveAt < current.effectiveAt {
                return (current, .superseded)
            }
            if !current.state.stopsUse && incoming.effectiveAt < current.effectiveAt {
                var record = incoming
                record.needsReconfirmation = current.event
                return (record, .appliedNeedsReconfirmation)
            }
            return (incoming, .applied)
        }
        if current.state.stopsUse {
            let seen = isInCausalPast(current, of: incoming.event, causalContext: causalContext)
            if seen && incoming.effectiveAt >= current.effectiveAt { return (incoming, .applied) }
            var record = current
            record.needsReconfirmation = incoming.event
            return (record, .overriddenByWithdrawal)
        }
        if incoming.effectiveAt < current.effectiveAt { return (current, .superseded) }
        return (incoming, .applied)
    }
}

import Foundation

/// A withdrawal or objection that currently stops use, as the merge rule needs to remember it.
public struct StopRef: Hashable, Sendable {
    public var event: EventID
    public var centralSequence: Int64?
    public var effectiveAt: Date
    public init(event: EventID, centralSequence: Int64?, effectiveAt: Date) {
        self.event = event
        self.centralSequence = centralSequence
        self.effectiveAt = effectiveAt
    }
}

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
    /// Every withdrawal or objection merged since use last resumed. A grant must have seen all of
    /// them (and be expressed no earlier than each) to resume use.
    public var blocking: [StopRef]

    public init(
        state: DecisionState, event: EventID, centralSequence: Int64? = nil, effectiveAt: Date,
        notice: NoticeShown? = nil, validUntil: Date? = nil, actor: Actor, channel: Channel,
        needsReconfirmation: EventID? = nil, blocking: [StopRef]? = nil
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
        self.blocking = blocking ?? (state.stopsUse
            ? [StopRef(event: event, centralSequence: centralSequence, effectiveAt: effectiveAt)] : [])
    }

    /// The record a decision event would set, before merging.
    public init?(event: Event) {
        guard case let .decision(_, _, state, notice, validUntil) = event.payload else { return nil }
        self.init(
            state: state, event: event.id, centralSequence: event.centralSequence,
            effectiveAt: event.effectiveAt, notice: notice, validUntil: validUntil,
            actor: event.actor, channel: event.channel)
    }
}

extension DecisionRecord {
    /// A decision as a read of one purpose across the register gives it (``TenantSlice``): only what
    /// ``Policy`` and ``Expiry`` read, its state, when it was expressed and when it lapses. The rest is left
    /// empty (no event, the system as actor, nothing blocking); a caller needing it reads the tenant.
    public init(inForce state: DecisionState, effectiveAt: Date, validUntil: Date?) {
        self.init(state: state, event: EventID(device: DeviceID(""), sequence: 0), effectiveAt: effectiveAt,
                  validUntil: validUntil, actor: .system(""), channel: .system, blocking: [])
    }

    /// This decision as a read of one purpose gives it (``init(inForce:effectiveAt:validUntil:)``).
    public var inForce: DecisionRecord { DecisionRecord(inForce: state, effectiveAt: effectiveAt, validUntil: validUntil) }
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
    /// Whether `earlier` was in the causal past of `incoming`, whose device had seen central
    /// sequences up to `causalContext`: it is that device's own earlier event, or the device had
    /// pulled it.
    public static func isInCausalPast(_ earlier: EventID, central: Int64?, of incoming: EventID, causalContext: Int64?) -> Bool {
        if earlier.device == incoming.device && earlier.sequence < incoming.sequence { return true }
        if let seen = causalContext, let seq = central, seq <= seen { return true }
        return false
    }

    /// Whether `current`'s event was in the causal past of `incoming`.
    public static func isInCausalPast(_ current: DecisionRecord, of incoming: EventID, causalContext: Int64?) -> Bool {
        isInCausalPast(current.event, central: current.centralSequence, of: incoming, causalContext: causalContext)
    }

    /// Whether `a` was expressed before `b`: by effective time, ties broken by event id, so every
    /// replica orders the same two events the same way.
    static func expressedBefore(_ a: (Date, EventID), _ b: (Date, EventID)) -> Bool {
        (a.0, a.1) < (b.0, b.1)
    }

    /// Both lists of stops, each stop once (with its central sequence where either side knows it),
    /// in event order.
    static func union(_ a: [StopRef], _ b: [StopRef]) -> [StopRef] {
        var byEvent: [EventID: StopRef] = [:]
        for stop in a + b {
            var merged = byEvent[stop.event] ?? stop
            merged.centralSequence = merged.centralSequence ?? stop.centralSequence
            byEvent[stop.event] = merged
        }
        return byEvent.values.sorted { $0.event < $1.event }
    }

    /// Merges an incoming decision into the current one.
    public static func merge(
        current: DecisionRecord?, incoming: DecisionRecord, causalContext: Int64?
    ) -> (record: DecisionRecord, outcome: MergeOutcome) {
        guard let current else { return (incoming, .applied) }
        let incomingAt = (incoming.effectiveAt, incoming.event)
        let currentAt = (current.effectiveAt, current.event)
        // A re-confirmation marker, once set, stays (the greatest event id, so replicas agree) until use resumes.
        let marker = [current.needsReconfirmation, incoming.needsReconfirmation].compactMap { $0 }.max()
        if incoming.state.stopsUse {
            if current.state.stopsUse {
                // Both stop use: remember both, show the later-expressed one.
                var record = expressedBefore(currentAt, incomingAt) ? incoming : current
                record.blocking = union(current.blocking, incoming.blocking)
                record.needsReconfirmation = marker
                return (record, record.event == incoming.event ? .applied : .superseded)
            }
            var record = incoming
            if expressedBefore(incomingAt, currentAt) {
                record.needsReconfirmation = [marker, current.event].compactMap { $0 }.max()
                return (record, .appliedNeedsReconfirmation)
            }
            record.needsReconfirmation = marker
            return (record, .applied)
        }
        if current.state.stopsUse {
            let missed = current.blocking.filter { stop in
                !(stop.effectiveAt <= incoming.effectiveAt
                  && isInCausalPast(stop.event, central: stop.centralSequence, of: incoming.event, causalContext: causalContext))
            }
            if missed.isEmpty { return (incoming, .applied) }
            // The losing grant is kept and shown to staff, even one simply older than the withdrawal
            // (a paper form signed before it): the tenant may not know which counts.
            var record = current
            record.needsReconfirmation = [marker, incoming.event].compactMap { $0 }.max()
            return (record, .overriddenByWithdrawal)
        }
        if expressedBefore(incomingAt, currentAt) { return (current, .superseded) }
        return (incoming, .applied)
    }
}

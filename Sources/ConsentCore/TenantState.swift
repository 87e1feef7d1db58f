import Foundation

/// The value held for one attribute, with the write that set it (for last-writer-wins).
public struct ValueRecord: Hashable, Sendable {
    public var state: ValueState
    public var hlc: HLCTimestamp
    public var device: DeviceID
    public init(state: ValueState, hlc: HLCTimestamp, device: DeviceID) {
        self.state = state
        self.hlc = hlc
        self.device = device
    }
}

/// A correction waiting for staff to verify evidence.
public struct PendingCorrection: Hashable, Sendable {
    public var event: EventID
    public var value: AttributeValue
    public var hlc: HLCTimestamp
    public init(event: EventID, value: AttributeValue, hlc: HLCTimestamp) {
        self.event = event
        self.value = value
        self.hlc = hlc
    }
}

/// A grant held until a second person confirms it (see ``EventPayload/heldGrant(_:_:notice:validUntil:)``).
public struct HeldGrant: Hashable, Sendable {
    public var event: EventID
    public var purpose: PurposeID
    public var attributes: [AttributeID]
    public var notice: NoticeShown?
    public var validUntil: Date?
    public var effectiveAt: Date
    public var actor: Actor
    public var channel: Channel
    public var centralSequence: Int64?
    public var causalContext: Int64?

    /// The held grant an event records, or nil for any other event.
    public init?(event: Event) {
        guard case let .heldGrant(purpose, attributes, notice, validUntil) = event.payload else { return nil }
        self.event = event.id
        self.purpose = purpose
        self.attributes = attributes
        self.notice = notice
        self.validUntil = validUntil
        effectiveAt = event.effectiveAt
        actor = event.actor
        channel = event.channel
        centralSequence = event.centralSequence
        causalContext = event.causalContext
    }

    /// The decision the grant sets once confirmed: expressed when the tenant said it, by whoever took it.
    public var record: DecisionRecord {
        DecisionRecord(state: .granted, event: event, centralSequence: centralSequence, effectiveAt: effectiveAt,
                       notice: notice, validUntil: validUntil, actor: actor, channel: channel)
    }
}

/// A marker's standing state: set or cleared, by the change with this clock reading and device.
public struct MarkerRecord: Hashable, Sendable {
    public var set: Bool
    public var hlc: HLCTimestamp
    public var device: DeviceID
    public init(set: Bool, hlc: HLCTimestamp, device: DeviceID) {
        self.set = set
        self.hlc = hlc
        self.device = device
    }
}

/// Everything currently true of one tenant: a pure fold of that tenant's events.
public struct TenantState: Hashable, Sendable {
    public var ref: TenantRef
    public var values: [AttributeID: ValueRecord] = [:]
    public var pending: [AttributeID: [PendingCorrection]] = [:]
    public var decisions: [DecisionKey: DecisionRecord] = [:]
    /// Grants waiting for a second person, by the event that took them.
    public var heldGrants: [EventID: HeldGrant] = [:]
    /// Each marker ever set or cleared, with the clock of the change that stands.
    public var markers: [String: MarkerRecord] = [:]
    /// Attributes under a restriction in force (UK GDPR Art. 18), which ``Policy`` denies for every use. Not
    /// part of the fold (`apply` leaves it alone): the readers that feed the export gate set it from the
    /// tenant's requests (``RequestFold/restricted(_:)``).
    public var restricted: Set<AttributeID> = []

    /// The markers set now, in id order.
    public var activeMarkers: [String] { markers.filter(\.value.set).map(\.key).sorted() }

    public init(ref: TenantRef) { self.ref = ref }

    /// The state after folding `events` in order.
    public static func fold(_ ref: TenantRef, _ events: some Sequence<Event>) -> TenantState {
        var state = TenantState(ref: ref)
        for event in events { state.apply(event) }
        return state
    }

    /// The value state of an attribute (not held when never recorded).
    public func value(_ attribute: AttributeID) -> ValueState {
        values[attribute]?.state ?? .notHeld
    }

    /// Applies one event; decisions merge by ``DecisionMerge``, values by last writer (HLC, device).
    @discardableResult
    public mutating func apply(_ event: Event) -> MergeOutcome {
        switch event.payload {
        case .registration(let initial):
            for (attribute, value) in initial {
                write(attribute, .held(value, source: event.id), hlc: event.hlc, device: event.id.device)
            }
        case let .decision(purpose, attributes, _, _, _):
            guard let incoming = DecisionRecord(event: event) else { return .superseded }
            return merge(incoming, purpose: purpose, attributes: attributes, causalContext: event.causalContext)
        case .heldGrant:
            if let held = HeldGrant(event: event) { heldGrants[event.id] = held }
        case let .correction(attribute, value, isPending):
            if isPending {
                pending[attribute, default: []].append(PendingCorrection(event: event.id, value: value, hlc: event.hlc))
            } else {
                return write(attribute, .held(value, source: event.id), hlc: event.hlc, device: event.id.device)
            }
        case let .verification(target, _, approved) where heldGrants[target] != nil:
            guard let held = heldGrants.removeValue(forKey: target) else { return .superseded }
            if approved {
                return merge(held.record, purpose: held.purpose, attributes: held.attributes, causalContext: held.causalContext)
            }
        case let .verification(target, attribute, approved):
            guard let index = pending[attribute]?.firstIndex(where: { $0.event == target }),
                  let correction = pending[attribute]?.remove(at: index)
            else { return .superseded }
            if pending[attribute]?.isEmpty == true { pending[attribute] = nil }
            if approved {
                return write(attribute, .held(correction.value, source: target), hlc: event.hlc, device: event.id.device)
            }
        case .erasure(let attribute):
            // The office is never erased (`ChangeRules` refuses it; the centre keeps an older device's event rather
            // than hold back what follows it): kept in the ledger, it changes nothing, so the tenant's record stays
            // with their office's devices.
            guard !Retention.neverErased.contains(attribute) else { return .superseded }
            pending[attribute] = nil
            return write(attribute, .erased(by: event.id), hlc: event.hlc, device: event.id.device)
        case .credentialChange, .access, .request:
            break
        case let .marker(id, set):
            let incoming = MarkerRecord(set: set, hlc: event.hlc, device: event.id.device)
            if let current = markers[id], (current.hlc, current.device) > (incoming.hlc, incoming.device) { return .superseded }
            markers[id] = incoming
        }
        return .applied
    }

    /// Merges a decision into each (attribute, purpose) it covers; returns the most telling outcome.
    private mutating func merge(_ incoming: DecisionRecord, purpose: PurposeID, attributes: [AttributeID], causalContext: Int64?) -> MergeOutcome {
        var outcomes: [MergeOutcome] = []
        for attribute in attributes {
            let key = DecisionKey(attribute, purpose)
            let (record, outcome) = DecisionMerge.merge(current: decisions[key], incoming: incoming, causalContext: causalContext)
            decisions[key] = record
            outcomes.append(outcome)
        }
        for worst in [MergeOutcome.overriddenByWithdrawal, .appliedNeedsReconfirmation, .applied] where outcomes.contains(worst) {
            return worst
        }
        return .superseded
    }

    @discardableResult
    private mutating func write(_ attribute: AttributeID, _ state: ValueState, hlc: HLCTimestamp, device: DeviceID) -> MergeOutcome {
        if let current = values[attribute], (current.hlc, current.device) > (hlc, device) { return .superseded }
        values[attribute] = ValueRecord(state: state, hlc: hlc, device: device)
        return .applied
    }
}

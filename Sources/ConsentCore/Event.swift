import Foundation

/// Identifies an event everywhere: the device that wrote it and its sequence on that device.
public struct EventID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var device: DeviceID
    public var sequence: Int64
    public init(device: DeviceID, sequence: Int64) {
        self.device = device
        self.sequence = sequence
    }
    public var description: String { "\(device.rawValue)#\(sequence)" }
    public static func < (a: Self, b: Self) -> Bool { (a.device, a.sequence) < (b.device, b.sequence) }
}

/// How a decision or correction reached us.
public enum Channel: String, CaseIterable, Codable, Sendable {
    case kiosk, phone, paper
    case importFile = "import"
    case system
}

/// Who made a change: the tenant, or a member of staff on the tenant's behalf.
public enum Actor: Hashable, Codable, Sendable {
    case tenant
    /// `verification` records how the caller's identity was checked; `reason` is a reason code.
    case staff(StaffID, verification: String?, reason: String?)
    /// The system itself (an import, a demo register, a migration).
    case system(String)
}

extension Actor {
    /// Whether this is member of staff `id` (who took a change, and so may not confirm or decide it).
    public func isStaff(_ id: StaffID) -> Bool {
        if case .staff(let taker, _, _) = self { return taker == id }
        return false
    }

    /// An actor as the ledger, the projections and the wire store it: a kind ("tenant", "staff" or
    /// "system"), the staff id or system name, and a staff member's verification method and reason.
    public struct Columns: Equatable, Sendable {
        public var kind: String
        public var id: String?
        public var verification: String?
        public var reason: String?
        public init(kind: String, id: String? = nil, verification: String? = nil, reason: String? = nil) {
            self.kind = kind
            self.id = id
            self.verification = verification
            self.reason = reason
        }
    }

    /// This actor's stored columns.
    public var columns: Columns {
        switch self {
        case .tenant: Columns(kind: "tenant")
        case let .staff(id, verification, reason): Columns(kind: "staff", id: id.rawValue, verification: verification, reason: reason)
        case .system(let name): Columns(kind: "system", id: name)
        }
    }

    /// The actor stored columns describe (any kind but "tenant" or "staff" reads as the system named by `id`).
    public init(_ columns: Columns) {
        switch columns.kind {
        case "tenant": self = .tenant
        case "staff": self = .staff(StaffID(columns.id ?? ""), verification: columns.verification, reason: columns.reason)
        default: self = .system(columns.id ?? "")
        }
    }
}

/// The notice that was shown when a decision was made.
public struct NoticeShown: Hashable, Codable, Sendable {
    public var version: Int
    public var language: String
    public init(version: Int, language: String) {
        self.version = version
        self.language = language
    }
}

/// What happened, without the envelope.
public enum EventPayload: Hashable, Sendable {
    /// A tenant enters the register with their first values (demo, import, a new tenancy).
    case registration(values: [AttributeID: AttributeValue])
    /// A decision for a purpose, covering one or more of its attributes (a tenant who agrees to
    /// email updates agrees for each attribute that purpose uses). Merged per attribute.
    case decision(PurposeID, [AttributeID], DecisionState, notice: NoticeShown?, validUntil: Date?)
    /// A corrected value. `pending` corrections wait for staff to verify them before they apply.
    case correction(AttributeID, AttributeValue, pending: Bool)
    /// Staff confirmed (or rejected) a pending correction or a held grant, or decided a tenant's
    /// ``request(_:_:)``: `approved` carries it out (a restriction takes effect), rejected refuses it with the
    /// reason the tenant is shown as the event's evidence, or lifts a restriction in force. An erasure request
    /// is also carried out by an ``erasure(_:)`` of its attribute. An access request's verification names no
    /// attribute (an empty id).
    case verification(of: EventID, attribute: AttributeID, approved: Bool)
    /// A value was erased (by the tenant at the kiosk, or by staff).
    case erasure(AttributeID)
    /// A tenant's request (``RequestKind``: erasure, rectification, restriction, access), made at the kiosk or
    /// taken by staff by phone or from paper, naming one attribute (none for access). Changes nothing in the
    /// fold: it waits in the data-protection lead's queue until a ``verification(of:attribute:approved:)``
    /// naming it decides it (``RequestFold``). Stored as kind `erasure-request`, `rectification-request`, ...
    /// A rectification may carry the value the tenant says is right (`proposed`), stored like any value the
    /// ledger records (sealed for a special category, erased with the attribute).
    case request(RequestKind, AttributeID?, proposed: AttributeValue? = nil)
    /// A sign-in credential was set, reset or issued (the ledger records that, never the secret).
    case credentialChange(String)
    /// A grant taken by phone that waits for a second person (a supervisor's confirmation or a
    /// recorded call-back) before it takes effect: special-category consent. A ``verification(of:attribute:approved:)``
    /// naming this event applies it (approved) or drops it.
    case heldGrant(PurposeID, [AttributeID], notice: NoticeShown?, validUntil: Date?)
    /// A member of staff was shown a special-category value; the actor's reason says why. Changes nothing.
    case access(AttributeID)
    /// An alert staff must see before anything else (ids from Forms/staff.yaml, e.g. `safe-address`)
    /// was set or cleared. Last writer by (HLC, device) wins, so every terminal ends the same.
    case marker(String, set: Bool)

    /// A short stable name for storage and display.
    public var kind: String {
        switch self {
        case .registration: "registration"
        case .decision: "decision"
        case .correction: "correction"
        case .verification: "verification"
        case .erasure: "erasure"
        case .request(let kind, _, _): kind.eventKind
        case .credentialChange: "credential"
        case .heldGrant: "held-grant"
        case .access: "access"
        case .marker: "marker"
        }
    }
}

/// An immutable entry of the append-only ledger. Current state is a fold of these.
public struct Event: Hashable, Sendable {
    public var id: EventID
    public var tenant: TenantRef
    /// Hybrid logical clock time at the writing device; orders corrections and the audit trail.
    public var hlc: HLCTimestamp
    /// When the tenant expressed the choice (the kiosk action, the call, the signed date of a paper form).
    public var effectiveAt: Date
    public var actor: Actor
    public var channel: Channel
    /// The highest central sequence the writing device had seen for this decision (sync's causal context).
    public var causalContext: Int64?
    /// Set once the centre has sequenced the event.
    public var centralSequence: Int64?
    public var payload: EventPayload
    /// What staff saw or were given (a paper form's number, "passport checked"), when they say.
    public var evidence: String?

    public init(
        id: EventID, tenant: TenantRef, hlc: HLCTimestamp, effectiveAt: Date, actor: Actor, channel: Channel,
        causalContext: Int64? = nil, centralSequence: Int64? = nil, payload: EventPayload, evidence: String? = nil
    ) {
        self.id = id
        self.tenant = tenant
        self.hlc = hlc
        self.effectiveAt = effectiveAt
        self.actor = actor
        self.channel = channel
        self.causalContext = causalContext
        self.centralSequence = centralSequence
        self.payload = payload
        self.evidence = evidence
    }
}

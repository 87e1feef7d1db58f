import Foundation

/// What a tenant asks the landlord to do about their data (UK GDPR Arts. 15–18). Each is a ledger event of its
/// own kind (`erasure-request`, `rectification-request`, `restriction-request`, `access-request`), made at the
/// kiosk by the tenant or taken by staff by phone or from paper, and decided by a supervisor or the
/// data-protection lead within one month (``ProtectionReport/deadline(for:)``).
public enum RequestKind: String, CaseIterable, Codable, Sendable {
    /// Art. 17: erase a value the tenant cannot erase themselves.
    case erasure
    /// Art. 16: a value the tenant cannot change themselves (kept by staff, or verified) is wrong.
    case rectification
    /// Art. 18: stop using a value (it leaves no export) until the restriction is lifted.
    case restriction
    /// Art. 15: a copy of everything held (answered by `consent tenant pack`).
    case access

    /// The ledger's and the wire's kind for a request of this kind.
    ///
    /// ```swift
    /// RequestKind.restriction.eventKind // "restriction-request"
    /// ```
    public var eventKind: String { "\(rawValue)-request" }

    /// The request kind an event kind names, or nil for any other event.
    public init?(eventKind: String) {
        guard eventKind.hasSuffix("-request"), let kind = RequestKind(rawValue: String(eventKind.dropLast(8))) else { return nil }
        self = kind
    }

    /// Whether a request of this kind names one attribute (all but access, which covers everything held).
    public var namesAttribute: Bool { self != .access }

    /// The event kinds of every request, for queries.
    public static let eventKinds: [String] = allCases.map(\.eventKind)
}

/// Where a request stands.
public enum RequestOutcome: Hashable, Sendable {
    /// Waiting for staff.
    case open
    /// Carried out (for a restriction: in force) at that moment.
    case carriedOut(Date)
    /// Refused at that moment, with the reason the tenant is shown (nil for declines recorded before reasons were kept).
    case refused(Date, reason: String?)
    /// A restriction that was in force and has been lifted.
    case lifted(Date)

    /// A short stable name for lists and JSON.
    public var name: String {
        switch self {
        case .open: "open"
        case .carriedOut: "carried-out"
        case .refused: "refused"
        case .lifted: "lifted"
        }
    }
}

/// One request and where it stands, as the queue, the report and the kiosk show it.
public struct TenantRequest: Hashable, Sendable {
    /// The request event.
    public var event: EventID
    public var tenant: TenantRef
    public var kind: RequestKind
    /// The attribute it is about (nil for an access request).
    public var attribute: AttributeID?
    /// When it was recorded (its hybrid logical clock's wall time).
    public var madeAt: Date
    public var channel: Channel
    public var actor: Actor
    public var outcome: RequestOutcome
    /// The value a rectification request says is right, when it gave one and it can be read here.
    public var proposed: AttributeValue?
    /// A value was proposed but cannot be read here (sealed without the key, or erased since): whoever
    /// carries the request out gives the corrected value themselves.
    public var proposalWithheld = false

    /// A request as recorded, still open.
    public init(event: EventID, tenant: TenantRef, kind: RequestKind, attribute: AttributeID?, madeAt: Date, channel: Channel,
                actor: Actor, outcome: RequestOutcome = .open, proposed: AttributeValue? = nil) {
        self.event = event; self.tenant = tenant; self.kind = kind; self.attribute = attribute
        self.madeAt = madeAt; self.channel = channel; self.actor = actor; self.outcome = outcome; self.proposed = proposed
    }

    /// The day it must be answered by (one month, UK GDPR Art. 12(3)).
    public var deadline: Date { ProtectionReport.deadline(for: madeAt) }
    /// Whether staff have still to decide it.
    public var isOpen: Bool { outcome == .open }
    /// Whether it keeps its attribute out of every export now (a restriction carried out and not lifted).
    public var restrictsNow: Bool {
        if kind == .restriction, case .carriedOut = outcome { return true }
        return false
    }
}

/// The pure fold from ledger events to requests and their outcomes: one rule for the queue, the report, the
/// kiosk and the export gate's restrictions.
public enum RequestFold {
    /// The requests among `events` (any tenants, any order) with their outcomes, oldest first.
    ///
    /// - A verification naming a request decides it: approved carries it out; rejected refuses it (the
    ///   verification's evidence is the reason the tenant is shown), or lifts a restriction in force.
    /// - An erasure of the attribute after an open erasure request carries it out, whoever erased it.
    /// - A refused erasure request answers every open erasure request of that tenant and attribute made
    ///   before the refusal (the same value asked for twice, at two kiosks before they synced).
    ///
    /// ```swift
    /// let open = RequestFold.requests(events).filter(\.isOpen)
    /// ```
    public static func requests(_ events: [Event]) -> [TenantRequest] {
        let ordered = events.sorted { ($0.hlc, $0.id) < ($1.hlc, $1.id) }
        var requests: [TenantRequest] = []
        var index: [EventID: Int] = [:]
        for event in ordered {
            let at = Date(timeIntervalSince1970: Double(event.hlc.millis) / 1000)
            switch event.payload {
            case let .request(kind, attribute, proposed):
                index[event.id] = requests.count
                requests.append(TenantRequest(event: event.id, tenant: event.tenant, kind: kind, attribute: attribute, madeAt: at,
                                              channel: event.channel, actor: event.actor, proposed: proposed))
            case let .verification(target, _, approved):
                guard let i = index[target], requests[i].tenant == event.tenant else { continue }
                let request = requests[i]
                if approved {
                    if request.isOpen { requests[i].outcome = .carriedOut(at) }
                } else if request.restrictsNow {
                    requests[i].outcome = .lifted(at)
                } else if request.isOpen {
                    let refusal = RequestOutcome.refused(at, reason: event.evidence)
                    requests[i].outcome = refusal
                    if request.kind == .erasure {
                        for j in requests.indices where requests[j].isOpen && requests[j].kind == .erasure
                            && requests[j].tenant == event.tenant && requests[j].attribute == request.attribute {
                            requests[j].outcome = refusal
                        }
                    }
                }
            case .erasure(let attribute):
                for j in requests.indices where requests[j].isOpen && requests[j].kind == .erasure
                    && requests[j].tenant == event.tenant && requests[j].attribute == attribute {
                    requests[j].outcome = .carriedOut(at)
                }
            default:
                continue
            }
        }
        return requests
    }

    /// The attributes a tenant's restrictions keep out of every export now.
    public static func restricted(_ requests: [TenantRequest]) -> Set<AttributeID> {
        Set(requests.filter(\.restrictsNow).compactMap(\.attribute))
    }
}

import Foundation

/// What the data-protection lead reads for a period (`consent report`): who revealed what, what left and
/// to whom, what each member of staff did, the requests and their statutory deadlines, how long changes
/// wait for a second person, and grants and withdrawals per purpose by month. Figures only; a store fills
/// it, a renderer prints it.
public struct ProtectionReport: Codable, Sendable, Equatable {
    /// A special-category value read by a member of staff (recorded as an `access` event).
    public struct Reveal: Codable, Sendable, Equatable {
        public var at: Date
        public var staff: String
        public var tenant: TenantRef
        public var attribute: AttributeID
        public var reason: String?
        public init(at: Date, staff: String, tenant: TenantRef, attribute: AttributeID, reason: String?) {
            self.at = at; self.staff = staff; self.tenant = tenant; self.attribute = attribute; self.reason = reason
        }
    }

    /// One export or mailing and how many tenants it carried.
    public struct Export: Codable, Sendable, Equatable {
        public var id: String
        public var at: Date
        public var purpose: PurposeID
        public var recipient: String
        public var tenants: Int
        public init(id: String, at: Date, purpose: PurposeID, recipient: String, tenants: Int) {
            self.id = id; self.at = at; self.purpose = purpose; self.recipient = recipient; self.tenants = tenants
        }
    }

    /// How many events of one kind a member of staff recorded.
    public struct StaffCount: Codable, Sendable, Equatable {
        public var staff: String
        public var kind: String
        public var count: Int
        public init(staff: String, kind: String, count: Int) { self.staff = staff; self.kind = kind; self.count = count }
    }

    /// A tenant's request (erasure, rectification, restriction or access), the day it must be answered by,
    /// and where it stands.
    public struct Request: Codable, Sendable, Equatable {
        public var tenant: TenantRef
        public var kind: RequestKind
        /// The attribute it is about (nil for an access request).
        public var attribute: AttributeID?
        public var madeAt: Date
        public var deadline: Date
        public var open: Bool
        /// `open`, `carried-out`, `refused` or `lifted` (``RequestOutcome/name``).
        public var outcome: String
        public init(tenant: TenantRef, kind: RequestKind = .erasure, attribute: AttributeID?, madeAt: Date, open: Bool, outcome: String? = nil) {
            self.tenant = tenant; self.kind = kind; self.attribute = attribute; self.madeAt = madeAt; self.open = open
            self.outcome = outcome ?? (open ? "open" : "answered")
            deadline = ProtectionReport.deadline(for: madeAt)
        }
        /// The report's line for a request as ``RequestFold`` found it.
        public init(_ request: TenantRequest) {
            self.init(tenant: request.tenant, kind: request.kind, attribute: request.attribute, madeAt: request.madeAt, open: request.isOpen,
                      outcome: request.outcome.name)
        }
    }

    /// How many requests of one kind the report lists, how many are open, and how many are past their deadline.
    public struct RequestCount: Codable, Sendable, Equatable {
        public var kind: RequestKind
        public var listed: Int
        public var open: Int
        public var overdue: Int
    }

    /// The changes waiting for a second person now: how many, and their ages in whole days.
    public struct Queue: Codable, Sendable, Equatable {
        public var waiting: Int
        public var oldestDays: Int?
        public var medianDays: Int?
        /// The queue's figures from the days each item has waited.
        public init(ages: [Int]) {
            let sorted = ages.sorted()
            waiting = sorted.count
            oldestDays = sorted.last
            medianDays = sorted.isEmpty ? nil : sorted[(sorted.count - 1) / 2]
        }
    }

    /// Decision events of one state for one purpose in one month (`2026-03`, UK time).
    public struct DecisionCount: Codable, Sendable, Equatable {
        public var month: String
        public var purpose: PurposeID
        public var state: DecisionState
        public var count: Int
        public init(month: String, purpose: PurposeID, state: DecisionState, count: Int) {
            self.month = month; self.purpose = purpose; self.state = state; self.count = count
        }
    }

    public var from: Date
    public var to: Date
    public var madeAt: Date
    public var reveals: [Reveal]
    public var exports: [Export]
    public var staffActions: [StaffCount]
    public var requests: [Request]
    public var queue: Queue
    public var decisions: [DecisionCount]

    public init(from: Date, to: Date, madeAt: Date, reveals: [Reveal], exports: [Export], staffActions: [StaffCount],
                requests: [Request], queue: Queue, decisions: [DecisionCount]) {
        self.from = from; self.to = to; self.madeAt = madeAt; self.reveals = reveals; self.exports = exports
        self.staffActions = staffActions; self.requests = requests; self.queue = queue; self.decisions = decisions
    }

    /// UK GDPR Art. 12(3): a request is answered within one month of receipt.
    public static func deadline(for made: Date) -> Date { ChangeRules.adding(months: 1, to: made) }

    /// The open requests past their deadline at `madeAt`.
    public var overdue: [Request] { requests.filter { $0.open && $0.deadline < madeAt } }

    /// The requests counted per kind, every kind listed (with zeros) in a fixed order.
    public var requestCounts: [RequestCount] {
        RequestKind.allCases.map { kind in
            let of = requests.filter { $0.kind == kind }
            return RequestCount(kind: kind, listed: of.count, open: of.filter(\.open).count,
                                overdue: of.filter { $0.open && $0.deadline < madeAt }.count)
        }
    }

    /// The months of the period that have decisions, in order.
    public var months: [String] { Array(Set(decisions.map(\.month))).sorted() }

    /// Decision events of `state` for `purpose` over the whole period.
    public func total(_ purpose: PurposeID, _ state: DecisionState) -> Int {
        decisions.filter { $0.purpose == purpose && $0.state == state }.reduce(0) { $0 + $1.count }
    }
}

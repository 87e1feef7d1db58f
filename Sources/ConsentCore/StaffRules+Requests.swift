import Foundation

/// What a supervisor or the data-protection lead decides about a tenant's request.
public enum RequestDecision: Hashable, Sendable {
    /// Carry it out: erase the value, correct it (a rectification to the value given here, else to the one the
    /// tenant proposed), restrict it, or mark an access request answered.
    case carryOut(AttributeValue?)
    /// Refuse it, with the code of the reason the tenant is shown at the kiosk in their language (a ``RefusalReason``,
    /// for example "needed-for-tenancy").
    case refuse(String)
    /// Lift a restriction in force, with an optional note (shown to the tenant like a reason).
    case lift(String?)
}

extension StaffRules {
    /// Reason codes (Forms/staff.yaml) recorded on the events of a request's life.
    public enum RequestReason {
        public static let taken = "tenant-request"
        public static let carriedOut = "request-carried-out"
        public static let refused = "request-refused"
        public static let lifted = "request-lifted"
    }

    /// A tenant's request taken by a member of staff by phone or from a letter or form, or why not.
    ///
    /// ```swift
    /// let change = try StaffRules.takeRequest(.restriction, attribute: AttributeID("email"), tenant: ref, staff: me,
    ///                                         channel: .paper, verification: "signed letter", policy: policy)
    /// ```
    /// A rectification may carry the value the tenant says is right (`proposed`); the ledger checks it like any value.
    public static func takeRequest(
        _ kind: RequestKind, attribute: AttributeID?, proposed: AttributeValue? = nil, tenant: TenantRef, staff: StaffID, channel: Channel,
        verification: String?, policy: StaffPolicy
    ) throws(StaffRefusal) -> ChangeRequest {
        guard policy.reason(RequestReason.taken) != nil else { throw .unknownReason(RequestReason.taken) }
        guard channel == .phone || channel == .paper else { throw .requestChannel(channel) }
        return ChangeRequest(tenant: tenant, payload: .request(kind, attribute, proposed: proposed),
                             actor: .staff(staff, verification: verification, reason: RequestReason.taken), channel: channel)
    }

    /// The changes that decide `request`, or why not: a supervisor's or the data-protection lead's
    /// (``StaffTask/decideErasure``). Carrying out records the erasure (an erasure request), the correction and
    /// an approving verification (rectification), or an approving verification (a restriction then keeps the
    /// attribute out of every export; an access request is answered). A refusal is a rejecting verification
    /// whose evidence is the code of the reason the tenant is shown (``RefusalReason``), never anything else. A lift rejects a restriction in force.
    /// Nothing but an open request is decided, and a lift needs a restriction in force; the member of staff who
    /// took a request decides it only when it asks for access (``StaffRefusal/sameStaff``).
    ///
    /// ```swift
    /// let changes = try StaffRules.decideRequest(request, .refuse("needed-for-tenancy"), staff: me, role: .dpLead, policy: policy)
    /// try db.batch(changes)
    /// ```
    public static func decideRequest(
        _ request: TenantRequest, _ decision: RequestDecision, staff: StaffID, role: StaffRole, policy: StaffPolicy
    ) throws(StaffRefusal) -> [ChangeRequest] {
        guard may(role, .decideErasure) else { throw .notAllowed(role, .decideErasure) }
        // Four eyes: who took a request by phone or paper does not decide it too; answering an access request
        // (sending the pack) changes nothing held, so its taker may, but not refuse it.
        if request.actor.isStaff(staff) {
            guard request.kind == .access, case .carryOut = decision else { throw .sameStaff }
        }
        let attribute = request.attribute ?? AttributeID("")
        func verification(_ approved: Bool, _ reason: String, evidence: String?) throws(StaffRefusal) -> ChangeRequest {
            guard policy.reason(reason) != nil else { throw .unknownReason(reason) }
            return ChangeRequest(tenant: request.tenant, payload: .verification(of: request.event, attribute: attribute, approved: approved),
                                 actor: .staff(staff, verification: RecordedMethod.supervisor, reason: reason), channel: .system, evidence: evidence)
        }
        if case .lift(let note) = decision {
            guard request.restrictsNow else { throw .requestNotOpen(request.event, "no restriction in force") }
            let text = note?.trimmingCharacters(in: .whitespaces)
            return [try verification(false, RequestReason.lifted, evidence: text?.isEmpty == false ? text : nil)]
        }
        guard request.isOpen else { throw .requestNotOpen(request.event, request.outcome.name) }
        switch decision {
        case .refuse(let reason):
            let text = reason.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { throw .refusalReasonRequired }
            guard RefusalReason(rawValue: text) != nil else { throw .unknownRefusalReason(text) }
            return [try verification(false, RequestReason.refused, evidence: text)]
        case .carryOut(let value):
            guard policy.reason(RequestReason.carriedOut) != nil else { throw .unknownReason(RequestReason.carriedOut) }
            let actor = Actor.staff(staff, verification: RecordedMethod.supervisor, reason: RequestReason.carriedOut)
            let named = "\(request.kind.rawValue) request \(request.event)"
            switch request.kind {
            case .erasure:
                return [ChangeRequest(tenant: request.tenant, payload: .erasure(attribute), actor: actor, channel: .system, evidence: named)]
            case .rectification:
                // The value staff give, else the one the tenant proposed with the request.
                guard let value = value ?? request.proposed else { throw .valueRequired(attribute) }
                return [ChangeRequest(tenant: request.tenant, payload: .correction(attribute, value, pending: false), actor: actor,
                                      channel: .system, evidence: named),
                        try verification(true, RequestReason.carriedOut, evidence: nil)]
            case .restriction, .access:
                return [try verification(true, RequestReason.carriedOut, evidence: nil)]
            }
        case .lift:
            return []
        }
    }
}

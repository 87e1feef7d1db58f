import Foundation

/// Why staff mode refused to do something. Each says what to do instead.
public enum StaffRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case notAllowed(StaffRole, StaffTask)
    /// The caller is not verified, and only a withdrawal or objection may be recorded.
    case callerNotVerified
    case unknownReason(String)
    /// A grant for a consent purpose needs the notice script read aloud first.
    case scriptNotRead
    /// Four eyes: the second person cannot be the one who took the change.
    case sameStaff
    /// Verifying against evidence needs a note of what was seen.
    case evidenceRequired
    /// Not something staff record on a tenant's behalf (registrations, sign-in secrets...).
    case notOnBehalf(String)
    /// A special-category value held only for purposes that forbid decisions about the tenant
    /// (equality monitoring, DPA 2018 Sch. 1 para 8; statutory returns): never revealed to staff.
    case notForDecisions(AttributeID, heldFor: [PurposeID])
    /// `Forms/staff.yaml` does not allow this stronger check.
    case strongerNotAllowed(StrongerCheck)
    /// A request is refused only with a reason the tenant is shown.
    case refusalReasonRequired
    /// A refusal's reason is one of ``RefusalReason``'s codes, which the tenant reads in their language.
    case unknownRefusalReason(String)
    /// The request was decided already (or, for a lift, is no restriction in force).
    case requestNotOpen(EventID, String)
    /// A rectification is carried out with the corrected value.
    case valueRequired(AttributeID)
    /// Staff take a tenant's request by phone or from paper, not through another channel.
    case requestChannel(Channel)

    public var description: String {
        switch self {
        case let .notAllowed(role, task): "the \(role.rawValue) role may not \(task.rawValue); ask \(StaffRules.whoMay(task))"
        case .callerNotVerified: "verify the caller first; until then only a withdrawal or an objection can be recorded"
        case .unknownReason(let id): "no reason code '\(id)' in Forms/staff.yaml; pick one from the list"
        case .scriptNotRead: "read the notice script to the caller and mark it read before recording the grant"
        case .sameStaff: "you took this change yourself: a different member of staff must confirm or reject it (four eyes), whatever the method"
        case .evidenceRequired: "say what evidence you saw (for example 'council tax bill dated 2026-10-01')"
        case .notOnBehalf(let kind): "a \(kind) is not recorded on a caller's behalf"
        case .strongerNotAllowed(let method): "'\(method.rawValue)' is not among the stronger checks in Forms/staff.yaml (verification.stronger.methods); use one listed there"
        case .refusalReasonRequired: "give the reason the tenant is shown, one of \(RefusalReason.codes); a request is never refused without one"
        case .unknownRefusalReason(let given):
            "'\(given)' is not a refusal reason; give one of \(RefusalReason.codes), which the tenant reads in their own language at the kiosk"
        case let .requestNotOpen(event, outcome): "request \(event) is \(outcome), not open: nothing to decide"
        case .valueRequired(let a): "give the corrected value of '\(a)' to carry out the rectification (the request holds no proposed value that can be read here)"
        case .requestChannel(let c): "staff take a request by phone or from paper, not by \(c.rawValue)"
        case let .notForDecisions(attribute, purposes):
            "'\(attribute)' is held for this tenant only for \(purposes.isEmpty ? "no purpose that allows it now" : purposes.map(\.rawValue).joined(separator: ", ")), "
                + "which never allows decisions about a person (DPA 2018 Sch. 1 para 8): it is not revealed to staff, whatever the reason; "
                + "to plan support, ask the tenant whether they agree to share it for a purpose that plans support (such as tailoring-services)"
        }
    }
}

/// Who is acting, for whom, and how the caller was checked.
public struct StaffContext: Hashable, Sendable {
    public var staff: StaffID
    public var role: StaffRole
    /// The check of the caller on this call.
    public var caller: CallerCheck
    public init(staff: StaffID, role: StaffRole, caller: CallerCheck) {
        self.staff = staff
        self.role = role
        self.caller = caller
    }
}

/// How a held change (a grant or a correction taken by phone) gets its second confirmation.
public enum ConfirmationMethod: Hashable, Sendable {
    /// A supervisor (not the one who took it) confirms.
    case supervisor
    /// Staff called the number already on file and the tenant confirmed.
    case callBack
    /// Staff saw evidence (a document at the desk), described in the note.
    case evidence(String)
}

/// The rules of staff mode, pure: what each role may see and do, the unverified-call limits,
/// and four eyes. The staff app and the command line both go through these, then through
/// ``ChangeRules`` and the ledger like every other channel.
public enum StaffRules {
    /// Whether a role may do a task at all.
    public static func may(_ role: StaffRole, _ task: StaffTask) -> Bool {
        switch task {
        case .find, .viewValues, .revealSpecial, .stopUse, .grant, .correct, .recordCallBack, .verifyEvidence, .issueCode, .unlock:
            true
        case .viewProtectedAddress, .confirmHeld, .decideErasure, .reviewConflicts, .setMarker:
            role != .support
        case .unlockStaff:
            role == .dpLead
        }
    }

    /// Whom to ask for a task a role may not do: the first role (support, supervisor, dp-lead) that may.
    static func whoMay(_ task: StaffTask) -> String {
        switch StaffRole.allCases.first(where: { may($0, task) }) {
        case .dpLead?: "the data-protection lead"
        case .supervisor?: "a supervisor"
        case .support?, nil: "a colleague"
        }
    }

    /// How an attribute may appear to staff.
    public enum Visibility: String, Hashable, Sendable {
        /// Shown as held.
        case shown
        /// Held but masked: revealed one at a time with a reason, and recorded.
        case masked
        /// Not shown at all (caller not verified, or kept from this role by a marker).
        case hidden
    }

    /// How an attribute appears to `role` for a tenant with `markers`, on a call checked by `caller`.
    public static func visibility(
        of attribute: AttributeDefinition, role: StaffRole, markers: Set<String>, caller: CallerCheck, policy: StaffPolicy
    ) -> Visibility {
        guard caller.isVerified else { return .hidden }
        if !may(role, .viewProtectedAddress),
           policy.markers.contains(where: { markers.contains($0.id) && $0.hides.contains(attribute.id) }) {
            return .hidden
        }
        return attribute.isSpecial ? .masked : .shown
    }

    /// Compares what the caller said with what is held. Answers are normalised by the attribute's
    /// rules first (`01/02/1980` matches `1980-02-01`); an answer that is not a valid value, or an
    /// attribute with nothing held, does not match. Only the policy's checks count, and details on
    /// the tenant's own post (``StaffPolicy/onTenantPost``) never pass alone. A tenant with a marker
    /// the policy names (`markers`) also needs the stronger check (``StaffRules/passStronger(_:_:policy:)``),
    /// and so does a joint tenant (`jointTenancy`): the other tenant shares their address and knows their details.
    ///
    /// ```swift
    /// let check = StaffRules.checkCaller([dob: "01/02/1980", postcode: "LS1 4AB"], state: state, policy: policy,
    ///                                    validator: validator, today: now, markers: ["safe-address"])
    /// check.detailsPassed // true; check.isVerified // false until a code or call-back
    /// ```
    public static func checkCaller(
        _ answers: [AttributeID: String], state: TenantState, policy: StaffPolicy, validator: Validator, today: Date,
        markers: some Sequence<String> = [String](), jointTenancy: Bool = false
    ) -> CallerCheck {
        var asked: [AttributeID] = [], matched: [AttributeID] = []
        for attribute in policy.checks {
            guard let raw = answers[attribute], !raw.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            asked.append(attribute)
            guard case .value(let held)? = state.value(attribute).answer else { continue }
            if case .success(let given) = validator.normalise(raw, for: attribute, today: today),
               given.compare(held, options: [.caseInsensitive]) == .orderedSame {
                matched.append(attribute)
            }
        }
        return CallerCheck(asked: asked, matched: matched, required: policy.required, onTenantPost: policy.onTenantPost,
                           needsStronger: policy.needsStronger(markers) || (jointTenancy && policy.stronger != nil))
    }

    /// Records that the stronger check passed on this call, or refuses a method the policy does not
    /// allow or a call whose details have not passed yet.
    public static func passStronger(_ check: CallerCheck, _ method: StrongerCheck, policy: StaffPolicy) throws(StaffRefusal) -> CallerCheck {
        guard check.detailsPassed else { throw .callerNotVerified }
        guard policy.stronger?.methods.contains(method) == true else { throw .strongerNotAllowed(method) }
        var check = check
        check.stronger = method
        return check
    }

    /// Four eyes for a grant staff key in (by phone, on paper): one that covers a special category, or an
    /// attribute the catalogue does not know, is held until a second person confirms it.
    ///
    /// ```swift
    /// let payload: EventPayload = StaffRules.holdsGrant(of: attributes, catalogue: catalogue)
    ///     ? .heldGrant(purpose, attributes, notice: notice, validUntil: nil) : .decision(purpose, attributes, .granted, notice: notice, validUntil: nil)
    /// ```
    public static func holdsGrant(of attributes: [AttributeID], catalogue: Catalogue) -> Bool {
        attributes.contains { catalogue.attribute($0)?.isSpecial ?? true }
    }

    /// Turns what a caller asks for into the change to record on their behalf, or refuses it.
    ///
    /// Every change carries channel `phone`, the staff id, the verification method and a listed
    /// reason. An unverified call may only withdraw or object. A grant for a consent purpose needs
    /// the script read (recorded as evidence); if the purpose uses a special category the grant is
    /// held for a second person. Corrections of held attributes (contact details) and of those that
    /// need evidence are pending. Revealing a special category needs a verified caller, except for
    /// the data-protection lead working without one.
    public static func onBehalf(
        _ payload: EventPayload, tenant: TenantRef, context: StaffContext, reason: String, scriptRead: Bool = false,
        policy: StaffPolicy, catalogue: Catalogue
    ) throws(StaffRefusal) -> ChangeRequest {
        guard policy.reason(reason) != nil else { throw .unknownReason(reason) }
        var evidence: String?
        var payload = payload
        func require(_ task: StaffTask, verified: Bool = true) throws(StaffRefusal) {
            guard may(context.role, task) else { throw .notAllowed(context.role, task) }
            if verified, !context.caller.isVerified { throw .callerNotVerified }
        }
        switch payload {
        case let .decision(purpose, attributes, state, notice, until):
            if state.stopsUse {
                try require(.stopUse, verified: false)
                break
            }
            try require(.grant)
            let definition = catalogue.purpose(purpose)
            if state == .granted, definition?.legalBasis.control == .optIn {
                guard scriptRead else { throw .scriptNotRead }
                evidence = "notice script read aloud to the caller"
                if holdsGrant(of: attributes, catalogue: catalogue) { payload = .heldGrant(purpose, attributes, notice: notice, validUntil: until) }
            }
        case let .correction(attribute, value, _):
            try require(.correct)
            payload = .correction(attribute, value, pending: ChannelRules.correctionWaits(
                attribute, value, channel: .phone, evidence: nil, catalogue: catalogue, heldByPhone: Set(policy.heldAttributes)))
        case .erasure:
            try require(.correct)
        case .access:
            // The data-protection lead answers access requests in the back office, without a caller.
            try require(.revealSpecial, verified: context.role != .dpLead)
        case .registration, .verification, .credentialChange, .heldGrant, .marker, .request:
            throw .notOnBehalf(payload.kind)
        }
        if case .access = payload, !context.caller.isVerified {
            // Back-office work, not a call: no caller, no verification to record.
            return ChangeRequest(tenant: tenant, payload: payload, actor: .staff(context.staff, verification: nil, reason: reason), channel: .system)
        }
        return ChangeRequest(
            tenant: tenant, payload: payload,
            actor: .staff(context.staff, verification: context.caller.method, reason: reason), channel: .phone, evidence: evidence)
    }

    /// Turns a request to reveal one special-category value into the access event to record, or
    /// refuses it: the rules of ``onBehalf(_:tenant:context:reason:scriptRead:policy:catalogue:)`` for
    /// `.access`, and ``revealRefusal(_:of:at:catalogue:)``. Every path that shows staff one tenant's
    /// special-category value goes through this.
    public static func reveal(
        _ attribute: AttributeID, of tenant: TenantState, context: StaffContext, reason: String, at date: Date,
        policy: StaffPolicy, catalogue: Catalogue
    ) throws(StaffRefusal) -> ChangeRequest {
        let request = try onBehalf(.access(attribute), tenant: tenant.ref, context: context, reason: reason, policy: policy, catalogue: catalogue)
        if let refusal = revealRefusal(attribute, of: tenant, at: date, catalogue: catalogue) { throw refusal }
        return request
    }

    /// Why a special-category value of `tenant` may not be shown to staff, or nil. Staff see one
    /// tenant's value only to act for that tenant, so some purpose that allows decisions about the
    /// tenant (``PurposeDefinition/allowsDecisionsAboutTenant``) must allow its use now (consent
    /// given, not objected, or a fixed basis). A value held only for equality monitoring (DPA 2018
    /// Sch. 1 para 8) or statutory returns is never revealed, whatever the reason given.
    public static func revealRefusal(_ attribute: AttributeID, of tenant: TenantState, at date: Date, catalogue: Catalogue) -> StaffRefusal? {
        guard let definition = catalogue.attribute(attribute), definition.isSpecial else { return nil }
        var heldFor: [PurposeID] = []
        for purpose in catalogue.purposes(using: attribute) where Policy.standingDenial(definition, purpose) == nil {
            switch Policy.effectiveDecision(DecisionKey(attribute, purpose.id), of: tenant, at: date, in: catalogue) {
            case .granted?, .inUse?, .always?:
                if purpose.allowsDecisionsAboutTenant { return nil }
                heldFor.append(purpose.id)
            default:
                continue
            }
        }
        return .notForDecisions(attribute, heldFor: heldFor)
    }

    /// Confirms (or rejects) a held change: a pending correction or a held grant, taken by `takenBy`.
    /// Four eyes, whatever the method: the one who took the change never confirms or rejects it.
    /// A supervisor's confirmation needs a supervisor; a call-back or evidence may be recorded by
    /// anyone allowed, and evidence needs a note.
    public static func confirm(
        _ target: EventID, attribute: AttributeID, approved: Bool, tenant: TenantRef, takenBy: Actor,
        staff: StaffID, role: StaffRole, how: ConfirmationMethod, reason: String, policy: StaffPolicy
    ) throws(StaffRefusal) -> ChangeRequest {
        guard policy.reason(reason) != nil else { throw .unknownReason(reason) }
        let task: StaffTask = switch how {
        case .supervisor: .confirmHeld
        case .callBack: .recordCallBack
        case .evidence: .verifyEvidence
        }
        guard may(role, task) else { throw .notAllowed(role, task) }
        if takenBy.isStaff(staff) { throw .sameStaff }
        let method: String, channel: Channel
        var evidence: String?
        switch how {
        case .supervisor:
            (method, channel) = (RecordedMethod.supervisor, .system)
        case .callBack:
            (method, channel) = (RecordedMethod.callBack, .phone)
        case .evidence(let note):
            let trimmed = note.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw .evidenceRequired }
            (method, channel, evidence) = (RecordedMethod.evidence, .system, trimmed)
        }
        return ChangeRequest(
            tenant: tenant, payload: .verification(of: target, attribute: attribute, approved: approved),
            actor: .staff(staff, verification: method, reason: reason), channel: channel, evidence: evidence)
    }

    /// Decides a tenant's erasure request (`request`, an ``EventPayload/erasureRequest(_:)`` event):
    /// `erase` records the erasure (by this member of staff, naming the request as evidence), otherwise
    /// a rejecting verification naming the request declines it. Either takes it out of the queue.
    /// A supervisor's or the data-protection lead's decision: what is asked for is needed to sign in
    /// or for the tenancy. `takenBy` is who made the request: a member of staff who took it by phone
    /// or paper may not decide it.
    ///
    /// ```swift
    /// let change = try StaffRules.decideErasure(item.event, attribute: dob, erase: true, tenant: ref,
    ///                                           staff: me, role: .supervisor, reason: "tenant-request", policy: policy)
    /// try db.record(change)
    /// ```
    public static func decideErasure(
        _ request: EventID, attribute: AttributeID, erase: Bool, tenant: TenantRef, takenBy: Actor? = nil,
        staff: StaffID, role: StaffRole, reason: String, policy: StaffPolicy
    ) throws(StaffRefusal) -> ChangeRequest {
        guard policy.reason(reason) != nil else { throw .unknownReason(reason) }
        guard may(role, .decideErasure) else { throw .notAllowed(role, .decideErasure) }
        // Four eyes, as for every request (``decideRequest(_:_:staff:role:policy:)``): who took it does not decide it.
        if takenBy?.isStaff(staff) == true { throw .sameStaff }
        if erase {
            return ChangeRequest(tenant: tenant, payload: .erasure(attribute), actor: .staff(staff, verification: RecordedMethod.kioskRequest, reason: reason),
                                 channel: .system, evidence: "erasure request \(request)")
        }
        return ChangeRequest(tenant: tenant, payload: .verification(of: request, attribute: attribute, approved: false),
                             actor: .staff(staff, verification: RecordedMethod.supervisor, reason: reason), channel: .system)
    }

    /// How a confirmation's method is written in the ledger (its actor's verification).
    public enum RecordedMethod {
        public static let supervisor = "supervisor"
        public static let callBack = "call-back to the number on file"
        public static let evidence = "evidence seen"
        /// An erasure the tenant asked for at the kiosk, signed in with their PIN.
        public static let kioskRequest = "requested by the tenant at the kiosk"
    }

    /// Why a confirmation recorded by `staff` (role `role`, method as recorded) of a held change
    /// taken by `takenBy` (a staff id, or nil when no member of staff took it) breaks the rules of
    /// ``confirm(_:attribute:approved:tenant:takenBy:staff:role:how:reason:policy:)``, or nil: what a
    /// receiver re-checks of an event it did not make.
    public static func confirmationProblem(staff: String, role: StaffRole, method: String?, takenBy: String?) -> StaffRefusal? {
        let task: StaffTask = switch method {
        case RecordedMethod.callBack: .recordCallBack
        case RecordedMethod.evidence: .verifyEvidence
        default: .confirmHeld
        }
        guard may(role, task) else { return .notAllowed(role, task) }
        return takenBy == staff ? .sameStaff : nil
    }
}

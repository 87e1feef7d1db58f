import ConsentCore
import Foundation

/// What a centre loaded for one push, inside the push's transaction: everything ``PushPlanner``
/// needs to decide about the batch. Each backend (SQLite, PostgreSQL) fills it from its own tables.
public struct PushState: Sendable {
    /// The device's enrolment as the centre holds it.
    public enum Enrolment: Sendable, Equatable {
        /// Enrolled and not revoked, with the signing key it enrolled with (nil for a device enrolled
        /// before keys were required: its pushes are refused).
        case active(publicKey: Data?)
        /// Unknown here, or revoked.
        case revoked
    }

    /// A stored event of the device at a sequence ``PushPlanner/storedSequences(_:head:)`` named.
    public struct Stored: Sendable, Equatable {
        /// The event's hash as stored.
        public var hash: Data
        /// The answer given when it was pushed (nil where the centre holds none, as for the event
        /// before a resent one).
        public var result: PushResult?

        public init(hash: Data, result: PushResult?) {
            self.hash = hash
            self.result = result
        }
    }

    public var enrolment: Enrolment
    /// The device's chain head here: its last stored sequence (0 for none) and that event's hash
    /// (`ValueDigest.empty` for none).
    public var head: (sequence: Int64, hash: Data)
    /// The device's stored events at ``PushPlanner/storedSequences(_:head:)``, by sequence.
    public var stored: [Int64: Stored]
    /// Which of the batch's tenants (``PushPlanner/tenants(_:)``) the centre has registered.
    public var knownTenants: Set<String>
    /// The active members of staff among the batch's actors (`WireCheck.staffActors`), with their roles.
    public var staff: [String: StaffRole]
    /// Who took each stored event the batch's confirmations confirm (`WireCheck.confirmationTargets`),
    /// where a member of staff took it.
    public var takers: [EventID: String]
    /// The date of birth the centre holds for each of the batch's tenants that an event answers a
    /// question asked only from an age for (`WireCheck.ageCheckedTenants`); a tenant with none is absent.
    public var birthDates: [String: String]
    /// The highest central sequence the centre has given (0 for none): no device can have seen a later event.
    public var highestCentral: Int64
    /// What the device was enrolled as: a kiosk may name the system as an actor for less than a staff terminal.
    public var deviceKind: DeviceKind
    /// The batch's registered tenants outside the device's scope (``PushScope``): an event for one is rejected.
    public var outsideScope: Set<String>
    /// Whether the batch is the centre's own work (a PostgreSQL centre's retention run, `Retention.centreChain`),
    /// not a device's push: its actor may be the retention run, which no device may name.
    public var ownWork = false

    public init(enrolment: Enrolment, head: (sequence: Int64, hash: Data), stored: [Int64: Stored] = [:],
                knownTenants: Set<String>, staff: [String: StaffRole], takers: [EventID: String] = [:],
                birthDates: [String: String] = [:], highestCentral: Int64, deviceKind: DeviceKind, outsideScope: Set<String> = []) {
        self.enrolment = enrolment
        self.head = head
        self.stored = stored
        self.knownTenants = knownTenants
        self.staff = staff
        self.takers = takers
        self.birthDates = birthDates
        self.highestCentral = highestCentral
        self.deviceKind = deviceKind
        self.outsideScope = outsideScope
    }
}

/// What a centre does with a pushed batch, decided by ``PushPlanner`` before anything is written.
/// The backend stores ``accepted`` in order (numbering them centrally and merging each with
/// `TenantState.apply`), records ``signedHead`` and ``audit``, and answers with
/// ``response(outcomes:central:)``.
public struct PushPlan: Sendable {
    /// The answers given before to the leading events that were resent (already stored here).
    public var resent: [PushResult]
    /// The new events to store, in order, after the resent ones.
    public var accepted: ArraySlice<WireEvent>
    /// The event after the accepted ones that this centre cannot apply, and why: its result says
    /// so, nothing after it is looked at, and the device keeps it.
    public var rejected: (event: WireEvent, reason: String)?
    /// Tenants registered by accepted events that the centre does not know yet, in the order they
    /// first appear (so both centres number new tenants alike).
    public var newTenants: [String]
    /// The device's chain head after the accepted events.
    public var head: (sequence: Int64, hash: Data)
    /// The signed head to keep for `audit verify` (nil when the push carried none or an event was rejected).
    public var signedHead: SignedHead?
    /// Entries for the centre's audit log, in order (a rejected event, one dated ahead of the centre's clock among them).
    public var audit: [String]

    /// What a push's merge outcome tells the device.
    public static func outcome(_ merged: MergeOutcome) -> PushOutcome {
        switch merged {
        case .applied, .appliedNeedsReconfirmation: .applied
        case .overriddenByWithdrawal: .overridden
        case .superseded: .superseded
        }
    }

    /// The answer to the push: the resent events' earlier answers, then each accepted event with
    /// its merge outcome and central sequence (same order as ``accepted``), then the rejected one.
    public func response(outcomes: [PushOutcome], central: [Int64]) -> PushResponse {
        var results = resent
        results.reserveCapacity(resent.count + accepted.count + 1)
        for (event, (outcome, number)) in zip(accepted, zip(outcomes, central)) {
            results.append(PushResult(sequence: event.record.sequence, outcome: outcome, central: number))
        }
        if let (event, reason) = rejected {
            results.append(PushResult(sequence: event.record.sequence, outcome: .rejected, central: nil, reason: reason))
        }
        return PushResponse(results: results)
    }
}

/// Decides everything about a pushed batch, for both centres: the device's credentials and
/// revocation, its signed head, which events are resends (and whether each is the very event
/// stored) and which are new, each new event's chain and values (`WireCheck.integrityProblem`),
/// whether this centre's Forms know it, the rules its device had to follow
/// (`WireCheck.ruleProblem`), its staff actor (`WireCheck.staffProblem`), an answer given under the
/// age its question is asked from (`WireCheck.ageProblem`), its tenant and whether the device may
/// change them (`PushScope`), and what goes to the audit log. Pure: the backend loads a
/// ``PushState`` and persists the ``PushPlan``.
///
/// A refusal of the whole batch throws a ``CentralStoreError`` (a 4xx naming the event and the
/// rule), and nothing of the batch is stored: a wrong or revoked device, a missing or false signed
/// head, a gap, a broken chain, a resend that differs from the stored event, a special-category
/// value in clear, a NUL in a text, an event that breaks a rule or names unknown staff.
///
/// ```swift
/// if let refusal = PushPlanner.precheck(request, authenticated: device) { throw refusal }
/// // ... load the device's enrolment, chain head, stored events, tenants and staff ...
/// let plan = try PushPlanner(validator: validator).plan(request, from: device, state: state, now: nowMillis)
/// ```
public struct PushPlanner: Sendable {
    /// The rules (and catalogue) of the centre's Forms.
    public let validator: Validator
    /// The attributes asked only from an age, with that age (`WireCheck.ageLimits`).
    public let ageLimits: [AttributeID: Int]

    public init(validator: Validator) {
        self.validator = validator
        self.ageLimits = WireCheck.ageLimits(validator.catalogue)
    }

    /// How far ahead of the centre's clock (milliseconds) an event may be dated: one day. A later one is
    /// rejected (``clockProblem(_:now:)``).
    public static let clockAheadLimit: Int64 = 86_400_000

    /// What refuses a push before anything is loaded: its version, size, the device it claims, the
    /// order of its sequences (`WireCheck.batchProblem`), and a data key that `keyRefusal` (the
    /// organisation's key, where the centre holds it) refuses.
    public static func precheck(_ request: PushRequest, authenticated device: String,
                                keyRefusal: ((WireDataKey) -> String?)? = nil) -> CentralStoreError? {
        if let problem = WireCheck.batchProblem(request, authenticated: device) { return problem }
        if let keyRefusal, let problem = request.dataKeys.lazy.compactMap(keyRefusal).first { return .invalid(problem) }
        return nil
    }

    /// The sequences of the device's stored events the plan needs, given its chain head: each
    /// resent event's, and the one before each (0, before the first event, is never asked for).
    public static func storedSequences(_ request: PushRequest, head: Int64) -> [Int64] {
        let resent = request.events.prefix { $0.record.sequence <= head }.map(\.record.sequence)
        return Array(Set(resent.flatMap { [$0, $0 - 1] }).filter { $0 > 0 }).sorted()
    }

    /// The tenants the batch names, for ``PushState/knownTenants``.
    public static func tenants(_ request: PushRequest) -> Set<String> {
        Set(request.events.map(\.record.tenant))
    }

    /// Plans a push from the authenticated `device` (already through ``precheck(_:authenticated:keyRefusal:)``)
    /// given what the centre loaded; `now` is the centre's clock in milliseconds since 1970.
    public func plan(_ request: PushRequest, from device: String, state: PushState, now: Int64) throws(CentralStoreError) -> PushPlan {
        guard case .active(let publicKey) = state.enrolment else { throw .revoked(device) }
        if let problem = WireCheck.headProblem(request, device: device, publicKey: publicKey) { throw problem }
        return try planEvents(request.events, signedHead: request.head, state: state, now: now)
    }

    /// The part of ``plan(_:from:state:now:)`` after the device's credentials and signed head
    /// (which it does not look at): the batch's events, resent and new, against `state`.
    public func planEvents(_ events: [WireEvent], signedHead: SignedHead?, state: PushState, now: Int64) throws(CentralStoreError) -> PushPlan {
        let resentCount = events.firstIndex { $0.record.sequence > state.head.sequence } ?? events.count
        var plan = PushPlan(resent: try Self.resent(events[..<resentCount], stored: state.stored), accepted: events[resentCount..<resentCount],
                            rejected: nil, newTenants: [], head: state.head, signedHead: nil, audit: [])
        var added = Set<String>()
        var birthDates = state.birthDates
        // Who took each event of this batch, for confirmations later in it.
        var takers = state.takers
        for event in events[..<resentCount] where WireCheck.needsSecondPerson(event.record) {
            takers[EventID(device: DeviceID(event.record.device), sequence: event.record.sequence)] = event.record.actorID
        }
        for event in events[resentCount...] {
            let r = event.record
            guard r.sequence == plan.head.sequence + 1 else { throw .gap(expected: plan.head.sequence + 1) }
            if let problem = WireCheck.integrityProblem(event, after: plan.head.hash) ?? Self.nulProblem(event) { throw .invalid(problem) }
            if let problem = Self.clockProblem(event, now: now) ?? WireCheck.catalogueProblem(event, catalogue: validator.catalogue) {
                plan.rejected = (event, problem)
                break
            }
            if let problem = unsealedProblem(event) ?? (state.ownWork ? nil : WireCheck.actorProblem(event, device: state.deviceKind))
                ?? WireCheck.ruleProblem(event, validator: validator)
                ?? WireCheck.staffProblem(event, registry: state.staff, takers: takers) {
                throw .invalid(problem)
            }
            if let causal = r.causal, causal > state.highestCentral {
                // A grant overcomes only withdrawals numbered up to what its device says it had seen; a number ahead of
                // the centre's would let it overcome withdrawals not yet made.
                throw .invalid("""
                    event \(r.device)#\(r.sequence) (\(r.kind) for \(TextSafety.displaySafe(r.tenant))) says it follows central event \(causal), \
                    but the centre has numbered only \(state.highestCentral); a device names only events it pulled
                    """)
            }
            let birthDate = WireCheck.birthDate(in: event) ?? birthDates[r.tenant]
            if let problem = WireCheck.ageProblem(event, birthDate: birthDate, limits: ageLimits) { throw .invalid(problem) }
            birthDates[r.tenant] = birthDate
            if WireCheck.needsSecondPerson(r) { takers[EventID(device: DeviceID(r.device), sequence: r.sequence)] = r.actorID }
            if r.kind == "registration", state.knownTenants.contains(r.tenant) || added.contains(r.tenant) {
                // A registration names every value; taken for a tenant held here it would overwrite who they are
                // (and their office, moving their record to this device's office) by last writer.
                plan.rejected = (event, """
                    event \(r.device)#\(r.sequence): tenant \(r.tenant) is already registered at the centre; \
                    correct their details there, or fetch them to this device, rather than registering them again
                    """)
                break
            }
            if state.outsideScope.contains(r.tenant) {
                plan.rejected = (event, PushScope.refusal(r))
                break
            }
            if !state.knownTenants.contains(r.tenant) && !added.contains(r.tenant) {
                guard r.kind == "registration" else {
                    plan.rejected = (event, "event \(r.device)#\(r.sequence): tenant \(TextSafety.displaySafe(r.tenant)) is not registered here")
                    break
                }
                if let problem = WireCheck.referenceProblem(r.tenant) {
                    plan.rejected = (event, "event \(r.device)#\(r.sequence): \(problem); correct the register on the device")
                    break
                }
                added.insert(r.tenant)
                plan.newTenants.append(r.tenant)
            }
            plan.accepted = events[resentCount..<(plan.accepted.endIndex + 1)]
            plan.head = (r.sequence, event.hash)
        }
        if plan.rejected == nil { plan.signedHead = signedHead }
        if let (_, reason) = plan.rejected { plan.audit.append("rejected \(reason)") }
        return plan
    }

    /// The answers given before to resent events; a resent event that differs from the stored one
    /// refuses the batch: another hash under that number, or a record (edited after the fact, its
    /// hash kept) that no longer hashes to it after the stored event before it.
    private static func resent(_ events: ArraySlice<WireEvent>, stored: [Int64: PushState.Stored]) throws(CentralStoreError) -> [PushResult] {
        var results: [PushResult] = []
        results.reserveCapacity(events.count)
        for event in events {
            let r = event.record
            guard let here = stored[r.sequence], let result = here.result else {
                throw .storage("the centre has no result stored for event \(r.sequence) below its chain head")
            }
            let previous = r.sequence == 1 ? ValueDigest.empty : stored[r.sequence - 1]?.hash
            guard here.hash == event.hash, let previous, r.hash(after: previous) == event.hash else {
                throw .invalid("""
                    event \(r.device)#\(r.sequence) differs from the one stored under that number; \
                    a device database was replaced or copied: enrol it as a new device
                    """)
            }
            results.append(result)
        }
        return results
    }

    /// Why an event dated more than ``clockAheadLimit`` ahead of the centre's clock (`now`, ms) is not
    /// taken, or nil. Values merge by their clock reading, and a device's clock never goes back: a change
    /// dated ahead would outlast every later correction and erasure of its value until that date, and the
    /// rules would be judged at a time that has not come. The device keeps the event (and those after it)
    /// and sends it again at each sync.
    public static func clockProblem(_ event: WireEvent, now: Int64) -> String? {
        let r = event.record, at = r.hlc >> 16
        guard at - now > clockAheadLimit else { return nil }
        let when = Date(timeIntervalSince1970: Double(at) / 1000).formatted(.iso8601)
        return """
            event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) is dated \(when), \((at - now) / 3_600_000) hours ahead of \
            the centre's clock (at most \(clockAheadLimit / 3_600_000) are taken): this device's clock is or was ahead; set it right. \
            The device keeps the event and those after it, and they are taken once the centre's clock is within a day of that date; \
            if that is far off, record the changes again on a device whose clock is right and revoke this one
            """
    }

    /// A special-category value (or one of an attribute these Forms do not know) sent in clear.
    private func unsealedProblem(_ event: WireEvent) -> String? {
        for value in event.values where value.text != nil && (validator.catalogue.attribute(AttributeID(value.attribute))?.isSpecial ?? true) {
            return "event \(event.record.device)#\(event.record.sequence): special-category value \(value.attribute) was sent unsealed"
        }
        return nil
    }

    /// A NUL character in a text, which no centre stores (PostgreSQL cannot, and an export or a
    /// terminal must never meet one).
    private static func nulProblem(_ event: WireEvent) -> String? {
        let r = event.record
        let values: [String?] = event.values.flatMap { [$0.attribute, $0.text, $0.keyID] as [String?] }
        let texts: [String?] = [r.device, r.tenant, r.kind, r.attribute, r.purpose, r.state, r.language, r.targetDevice, r.actor,
                                r.actorID, r.verification, r.reason, r.channel, r.evidence] + values
        guard texts.contains(where: { $0?.utf8.contains(0) ?? false }) else { return nil }
        return "event \(r.device)#\(r.sequence) holds a NUL character, which the central database cannot store"
    }
}

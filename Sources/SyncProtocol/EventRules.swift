import ConsentCore
import Foundation

extension WireCheck {
    /// Why a pushed event breaks the rules the device that made it had to follow, or nil: the same
    /// ``ChangeRules`` every channel runs before recording (a consent grant names a notice version
    /// of its purpose, contract purposes cannot be switched, attributes belong to their purpose,
    /// who may record what through which channel, values valid by the Forms with no control
    /// characters), run at the moment the event was made, then what its channel makes of such a change
    /// (``ChannelRules/problem(_:catalogue:)``: pending where a correction waits for staff, held where staff
    /// hold a grant, nothing kept by staff corrected by a tenant, a consent's end as its purpose gives it).
    /// Sealed special-category values cannot be read here; only their attribute is checked.
    ///
    /// A correctly chained and signed event that fails these came from a tampered device: the
    /// centre refuses its whole batch (nothing of it is applied) and names the event and the rule.
    public static func ruleProblem(_ event: WireEvent, validator: Validator) -> String? {
        let r = event.record
        if let problem = shapeProblem(event) {
            return "event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) is malformed: \(problem)"
        }
        var answers: [AttributeID: AttributeValue] = [:]
        for value in event.values where value.salt != nil {
            answers[AttributeID(value.attribute)] = value.answer
        }
        let made = r.event(centralSequence: nil, answers: answers)
        var request = ChangeRequest(tenant: made.tenant, payload: made.payload, actor: made.actor, channel: made.channel,
                                    effectiveAt: made.effectiveAt, evidence: made.evidence)
        switch made.payload {
        case .registration where answers.isEmpty && !event.values.isEmpty:
            // Every value sealed: the registration's own rule (at least one value) holds.
            request.payload = .erasure(AttributeID(event.values[0].attribute))
        case let .correction(attribute, _, _) where answers[attribute] == nil:
            request.payload = .erasure(attribute)
        case let .request(kind, attribute?, _?) where answers[attribute] == nil:
            // A sealed proposed value cannot be read here: the request's own rule (its attribute) still holds.
            request.payload = .request(kind, attribute)
        default:
            break
        }
        do {
            _ = try ChangeRules.check(request, validator: validator, now: Date(timeIntervalSince1970: Double(made.hlc.millis) / 1_000))
            // What the device's channel makes of the change: pending where it waits, held where staff
            // hold it, a consent's end as its purpose gives it.
            var recorded = request
            recorded.payload = made.payload
            if case let .correction(attribute, _, pending) = made.payload, answers[attribute] == nil,
               let sealed = event.values.first(where: { $0.attribute == attribute.rawValue }) {
                recorded.payload = .correction(attribute, sealed.preferNot ? .preferNotToSay : .value(""), pending: pending)
            }
            if let problem = ChannelRules.problem(recorded, catalogue: validator.catalogue) {
                return "event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) breaks a rule of its channel (\(r.channel)): \(problem)"
            }
            return nil
        } catch {
            // From a device whose Forms or rules predate the rule, not from a tampered one (`ChangeError.isNewerThanDevices`).
            if error.isNewerThanDevices { return nil }
            return "event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) breaks a rule every device applies: \(error.description)"
        }
    }

    /// What a record of a kind carries beyond what its kind has room for, or nil. Only requests are held to
    /// it yet: one attribute (none for access), nothing else (no purpose, notice or target; no values or state
    /// but a rectification's one proposed value),
    /// since the ledger stores a record exactly as it came and staff act on it.
    static func shapeProblem(_ event: WireEvent) -> String? {
        let r = event.record
        guard let kind = RequestKind(eventKind: r.kind) else { return nil }
        let name = "\(kind == .access || kind == .erasure ? "an" : "a") \(kind.rawValue) request"
        if kind.namesAttribute {
            guard let attribute = r.attribute, !attribute.isEmpty, !attribute.contains(",") else {
                return "\(name) names exactly one attribute"
            }
        } else if r.attribute != nil {
            return "\(name) names no attribute"
        }
        // A rectification may carry the value the tenant says is right: one value, of its attribute, its kind in `state`.
        let proposes = kind == .rectification && r.state != nil
        if proposes {
            guard r.state == "value" || r.state == "prefer-not-to-say" else { return "\(name)'s proposed value is 'value' or 'prefer-not-to-say'" }
            guard event.values.count == 1, event.values[0].attribute == r.attribute, r.valuesDigest != nil,
                  event.values[0].preferNot == (r.state == "prefer-not-to-say") else {
                return "\(name) with a proposed value carries exactly that one value, of its attribute"
            }
        }
        let extra: [(String, Bool)] = [
            ("values", !proposes && (!event.values.isEmpty || r.valuesDigest != nil)), ("purpose", r.purpose != nil), ("state", !proposes && r.state != nil),
            ("pending flag", r.pending != nil), ("notice", r.noticeVersion != nil || r.language != nil),
            ("validity", r.validUntil != nil), ("target event", r.targetDevice != nil || r.targetSequence != nil),
        ]
        if let (what, _) = extra.first(where: \.1) { return "\(name) carries no \(what)" }
        return nil
    }

    /// The staff ids a batch's events name as their actor.
    public static func staffActors(_ events: some Sequence<WireEvent>) -> Set<String> {
        Set(events.compactMap { $0.record.actor == "staff" ? $0.record.actorID : nil })
    }

    /// Whether who took `record` may not confirm or reject it (four eyes): every change staff took, but an
    /// access request, which its taker may answer (`StaffRules.decideRequest`).
    public static func needsSecondPerson(_ record: EventRecord) -> Bool {
        record.actor == "staff" && record.kind != RequestKind.access.eventKind
    }

    /// The events the batch's confirmations (`verification` events) confirm or reject, whose takers
    /// the centre looks up (`PushState.takers`) so that four eyes hold across batches.
    public static func confirmationTargets(_ events: some Sequence<WireEvent>) -> Set<EventID> {
        Set(events.compactMap { event in
            let r = event.record
            guard r.kind == "verification", let device = r.targetDevice, let sequence = r.targetSequence else { return nil }
            return EventID(device: DeviceID(device), sequence: sequence)
        })
    }

    /// Why a centre refuses the actor of an event a device of `kind` pushed, or nil. A tenant (at the kiosk) or a
    /// member of staff (looked up by ``staffProblem(_:registry:takers:)``) may record; "system", from a kiosk, only
    /// what a kiosk's own programs record: a register import's registration, a record of a read, a PIN being set. A
    /// decision or a correction in the system's name is work of a staff terminal (the office's desk); anything in the
    /// retention run's name is the centre's own work (a PostgreSQL centre records it on `Retention.centreChain`, not
    /// through a push), from no device; any other kind of actor is unknown: without this a stolen kiosk could erase
    /// or grant anything in the system's name, past the registry.
    public static func actorProblem(_ event: WireEvent, device kind: DeviceKind) -> String? {
        let r = event.record
        let name = "event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant))"
        switch r.actor {
        case "tenant", "staff":
            return nil
        case "system" where r.actorID == Retention.actor.columns.id:
            // Not even a staff terminal: its erasures and cleared markers would name no member of staff.
            return "\(name) is recorded as the retention run, which is the centre's own work (`consent retention run` there)"
        case "system" where kind == .staff:
            return nil
        case "system":
            switch (r.kind, r.channel, r.state) {
            case ("registration", Channel.importFile.rawValue, _), ("access", _, _), ("credential", _, "pin-set"): return nil
            default:
                return "\(name) is recorded by the system, which a kiosk may do only for a register import, a read or a PIN; "
                    + "record it as the tenant at the kiosk or as a member of staff"
            }
        default:
            return "\(name) names an actor of kind \(r.actor.prefix(40)); an actor is the tenant, a member of staff or the system"
        }
    }

    /// Why a centre whose staff registry holds `registry` (its active members and their roles)
    /// refuses an event, or nil: a change made by staff must name a member of staff the centre
    /// knows, a marker is set by someone whose role may, and a confirmation of a held change must
    /// come from someone whose role may confirm that way and who did not take the change (`takers`:
    /// who took each confirmed event, where staff did). A tampered device cannot invent someone,
    /// nor confirm its own held change.
    public static func staffProblem(_ event: WireEvent, registry: [String: StaffRole], takers: [EventID: String]) -> String? {
        let r = event.record
        guard r.actor == "staff" else { return nil }
        guard let id = r.actorID, let role = registry[id] else {
            return """
                event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) names staff member \(r.actorID ?? "(none)"), who is not in the \
                centre's staff registry (or is disabled there); add them at the centre with `consent staff add`, then sync again
                """
        }
        if r.kind == "marker", !StaffRules.may(role, .setMarker) {
            return "event \(r.device)#\(r.sequence) (marker for \(r.tenant)) by \(id) breaks a staff rule: \(StaffRefusal.notAllowed(role, .setMarker))"
        }
        // Staff correct at once off the phone and paper only when carrying out a request they decided
        // (`StaffRules.decideRequest`): a supervisor's or the data-protection lead's.
        if r.kind == "correction", r.pending != true, r.channel == Channel.system.rawValue || r.channel == Channel.importFile.rawValue,
           !StaffRules.may(role, .decideErasure) {
            return "event \(r.device)#\(r.sequence) (correction for \(r.tenant)) by \(id) breaks a staff rule: a correction through \(r.channel) "
                + "that applies at once carries out a decided request, and \(StaffRefusal.notAllowed(role, .decideErasure))"
        }
        guard r.kind == "verification" else { return nil }
        let target = EventID(device: DeviceID(r.targetDevice ?? ""), sequence: r.targetSequence ?? 0)
        if let refusal = StaffRules.confirmationProblem(staff: id, role: role, method: r.verification, takenBy: takers[target]) {
            return "event \(r.device)#\(r.sequence) (confirmation of \(target) for \(r.tenant)) by \(id) breaks a staff rule: \(refusal)"
        }
        return nil
    }
}

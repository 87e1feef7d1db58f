import ConsentCore
import Foundation

extension WireCheck {
    /// Why a pushed event breaks the rules the device that made it had to follow, or nil: the same
    /// ``ChangeRules`` every channel runs before recording (a consent grant names a notice version
    /// of its purpose, contract purposes cannot be switched, attributes belong to their purpose,
    /// who may record what through which channel, values valid by the Forms with no control
    /// characters), run at the moment the event was made. Sealed special-category values cannot be
    /// read here; only their attribute is checked.
    ///
    /// A correctly chained and signed event that fails these came from a tampered device: the
    /// centre refuses its whole batch (nothing of it is applied) and names the event and the rule.
    public static func ruleProblem(_ event: WireEvent, validator: Validator) -> String? {
        let r = event.record
        var answers: [AttributeID: AttributeValue] = [:]
        for value in event.values where value.salt != nil {
            answers[AttributeID(value.attribute)] = value.preferNot ? .preferNotToSay : .value(value.text ?? "")
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
        default:
            break
        }
        do {
            _ = try ChangeRules.check(request, validator: validator, now: Date(timeIntervalSince1970: Double(made.hlc.millis) / 1_000))
            return nil
        } catch {
            return "event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) breaks a rule every device applies: \(error.description)"
        }
    }

    /// The staff ids a batch's events name as their actor.
    public static func staffActors(_ events: some Sequence<WireEvent>) -> Set<String> {
        Set(events.compactMap { $0.record.actor == "staff" ? $0.record.actorID : nil })
    }

    /// Why a centre whose staff registry holds `registry` (its active members' ids) refuses an event,
    /// or nil: a change made by staff must name a member of staff the centre knows. A tampered device
    /// cannot invent someone to set a marker or confirm a held change.
    public static func staffProblem(_ event: WireEvent, registry: Set<String>) -> String? {
        let r = event.record
        guard r.actor == "staff" else { return nil }
        if let id = r.actorID, registry.contains(id) { return nil }
        return """
            event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) names staff member \(r.actorID ?? "(none)"), who is not in the \
            centre's staff registry; add them at the centre with `consent staff add`, then sync again
            """
    }
}

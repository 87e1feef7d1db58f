import CentralStore
import ConsentCore
import Foundation
import SyncProtocol

/// Walks a pushed batch against the device's chain head with the same rules as the SQLite centre
/// (`WireCheck`, shared by both backends), before anything is written. Pure, so the PostgreSQL
/// store can then write the accepted events in bulk.
///
/// A refusal of the whole batch throws: a gap, a chain hash that does not follow, values that do
/// not match their digests, a special category sent in clear, text PostgreSQL cannot hold (NUL).
/// An event this centre cannot apply (unknown kind, attribute or purpose; a tenant not registered
/// here) is *rejected*: its result says why, nothing after it in the batch is looked at, and the
/// chain head stays before it.
struct PushValidation {
    let validator: Validator
    /// The active members of staff among the batch's actors (`WireCheck.staffProblem`).
    var staff: Set<String> = []
    var catalogue: Catalogue { validator.catalogue }

    /// What to do with a batch.
    struct Plan {
        /// How many leading events are resends (at or below the chain head).
        var resent: Int
        /// The new events to store, after the resends.
        var accepted: ArraySlice<WireEvent>
        /// The event after the accepted ones that is rejected, and why.
        var rejected: (event: WireEvent, reason: String)?
        /// Tenants registered by accepted events that the centre does not know yet.
        var newTenants: Set<String>
        /// The chain head after the accepted events.
        var head: (seq: Int64, hash: Data)
    }

    /// Plans a batch from `device` (already checked with `WireCheck.batchProblem`) whose chain
    /// head here is `head`, given which of its tenants the centre knows.
    func plan(_ events: [WireEvent], head: (seq: Int64, hash: Data), knownTenants: Set<String>) throws(CentralStoreError) -> Plan {
        let resent = events.firstIndex { $0.record.sequence > head.seq } ?? events.count
        var plan = Plan(resent: resent, accepted: events[resent..<resent], rejected: nil, newTenants: [], head: head)
        for event in events[resent...] {
            let r = event.record
            guard r.sequence == plan.head.seq + 1 else { throw .gap(expected: plan.head.seq + 1) }
            if let problem = WireCheck.integrityProblem(event, after: plan.head.hash) { throw .invalid(problem) }
            try checkStorable(event)
            if let problem = WireCheck.catalogueProblem(event, catalogue: catalogue) {
                plan.rejected = (event, problem)
                break
            }
            if let problem = WireCheck.ruleProblem(event, validator: validator) ?? WireCheck.staffProblem(event, registry: staff) {
                throw .invalid(problem)
            }
            if !knownTenants.contains(r.tenant) && !plan.newTenants.contains(r.tenant) {
                guard r.kind == "registration" else {
                    plan.rejected = (event, "event \(r.device)#\(r.sequence): tenant \(r.tenant) is not registered here")
                    break
                }
                plan.newTenants.insert(r.tenant)
            }
            plan.accepted = events[resent..<(plan.accepted.endIndex + 1)]
            plan.head = (r.sequence, event.hash)
        }
        return plan
    }

    /// What the SQLite centre would store but PostgreSQL cannot, or must not: a NUL in text, a
    /// special-category value in clear.
    private func checkStorable(_ event: WireEvent) throws(CentralStoreError) {
        let r = event.record
        let values: [String?] = event.values.flatMap { [$0.attribute, $0.text, $0.keyID] as [String?] }
        let texts: [String?] = [r.device, r.tenant, r.kind, r.attribute, r.purpose, r.state, r.language, r.targetDevice, r.actor,
                                r.actorID, r.verification, r.reason, r.channel, r.evidence] + values
        if texts.contains(where: containsNUL) {
            throw .invalid("event \(r.device)#\(r.sequence) holds a NUL character, which the central database cannot store")
        }
        for value in event.values where value.text != nil && (catalogue.attribute(AttributeID(value.attribute))?.isSpecial ?? true) {
            throw .invalid("event \(r.device)#\(r.sequence): special-category value \(value.attribute) was sent unsealed")
        }
    }
}

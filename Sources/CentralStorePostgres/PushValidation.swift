import CentralStore
import ConsentCore
import Foundation
import SyncProtocol

/// The checks of a pushed batch that need no database beyond the device's chain head: the same
/// rules the SQLite centre applies. Pure, so it is tested without a server.
///
/// A refusal of the whole batch throws (nothing is applied): wrong device, a gap, events out of
/// order, a chain hash that does not follow, values that do not match their digests, a special
/// category sent in clear, text PostgreSQL cannot hold. An event this centre does not understand
/// (unknown kind, attribute or purpose: a device with newer forms) is *rejected* on its own: its
/// result says why and the chain moves past it.
struct PushValidation {
    let catalogue: Catalogue

    /// What to do with the new events of a batch (those above the chain head).
    struct Plan {
        /// Per new event, nil when accepted, else why it is rejected.
        var rejections: [String?]
        /// The chain head after the batch.
        var head: (seq: Int64, hash: Data)
    }

    /// Checks what needs no database: version, device, size.
    func preflight(_ request: PushRequest, from device: String) throws(CentralStoreError) {
        guard request.version == SyncWire.version else {
            throw .invalid("this server speaks sync protocol version \(SyncWire.version), not \(request.version); update the device")
        }
        guard request.device == device else { throw .wrongDevice(claimed: request.device, authenticated: device) }
        guard request.events.count <= SyncWire.maxPushEvents else {
            throw .invalid("a push may carry at most \(SyncWire.maxPushEvents) events, this one has \(request.events.count)")
        }
        for event in request.events where event.record.device != device {
            throw .wrongDevice(claimed: event.record.device, authenticated: device)
        }
    }

    /// Checks the batch's order against the chain head `headSeq`. Returns the index of the first
    /// event above it (those before it are resends).
    func frame(_ request: PushRequest, headSeq: Int64) throws(CentralStoreError) -> Int {
        for (index, pair) in zip(request.events, request.events.dropFirst()).enumerated()
        where pair.1.record.sequence != pair.0.record.sequence + 1 {
            if pair.1.record.sequence > pair.0.record.sequence + 1, pair.0.record.sequence >= headSeq {
                throw .gap(expected: max(headSeq, pair.0.record.sequence) + 1)
            }
            throw .invalid("events must be in device-sequence order without repeats; event \(index + 2) of the batch breaks it")
        }
        let firstNew = request.events.firstIndex { $0.record.sequence > headSeq } ?? request.events.count
        if firstNew < request.events.count, request.events[firstNew].record.sequence != headSeq + 1 {
            throw .gap(expected: headSeq + 1)
        }
        if let first = request.events.first, first.record.sequence < 1 {
            throw .invalid("device sequences start at 1")
        }
        return firstNew
    }

    /// Checks the new events against the chain head and the catalogue.
    func check(_ events: ArraySlice<WireEvent>, head: (seq: Int64, hash: Data)) throws(CentralStoreError) -> Plan {
        var previous = head.hash
        var rejections: [String?] = []
        rejections.reserveCapacity(events.count)
        for event in events {
            let record = event.record
            guard record.hash(after: previous) == event.hash else {
                throw .invalid("event \(record.sequence) does not follow the device's hash chain; the device's ledger must be verified")
            }
            previous = event.hash
            try checkText(record)
            try checkValues(event)
            rejections.append(rejection(record))
        }
        return Plan(rejections: rejections, head: (events.last?.record.sequence ?? head.seq, previous))
    }

    private func checkText(_ r: EventRecord) throws(CentralStoreError) {
        let texts = [r.tenant, r.kind, r.attribute, r.purpose, r.state, r.language, r.targetDevice, r.actor, r.actorID,
                     r.verification, r.reason, r.channel, r.evidence]
        if texts.contains(where: containsNUL) {
            throw .invalid("event \(r.sequence) holds a NUL character, which the central database cannot store")
        }
    }

    private func checkValues(_ event: WireEvent) throws(CentralStoreError) {
        let sequence = event.record.sequence
        var digests: [(AttributeID, Data)] = []
        for value in event.values {
            let attribute = AttributeID(value.attribute)
            if containsNUL(value.text) || containsNUL(value.attribute) || containsNUL(value.keyID) {
                throw .invalid("a value of event \(sequence) holds a NUL character, which the central database cannot store")
            }
            let special = catalogue.attribute(attribute)?.isSpecial ?? false
            if special, value.text != nil {
                throw .invalid("event \(sequence) sends the special-category value \(value.attribute) in clear; it must be sealed")
            }
            if let salt = value.salt {
                let answer: AttributeValue = value.preferNot ? .preferNotToSay : .value(value.text ?? "")
                guard ValueDigest.of(answer, attribute: attribute, salt: salt) == value.digest else {
                    throw .invalid("value \(value.attribute) of event \(sequence) does not match its digest")
                }
            }
            digests.append((attribute, value.digest))
        }
        if Set(digests.map(\.0)).count != digests.count {
            throw .invalid("event \(sequence) sends a value twice")
        }
        switch event.record.valuesDigest {
        case nil:
            if !event.values.isEmpty { throw .invalid("event \(sequence) sends values it does not record") }
        case let expected?:
            guard ValueDigest.combine(digests) == expected else {
                throw .invalid("the values of event \(sequence) do not match the digest its chain covers")
            }
        }
    }

    /// Why an event is rejected, or nil when it is understood here.
    func rejection(_ r: EventRecord) -> String? {
        func knownAttribute(_ id: String?) -> Bool { id.map { catalogue.attribute(AttributeID($0)) != nil } ?? false }
        switch r.kind {
        case "registration", "credential":
            return nil
        case "decision":
            guard let purposeID = r.purpose, let purpose = catalogue.purpose(PurposeID(purposeID)) else {
                return "unknown purpose \(r.purpose ?? "(none)")"
            }
            guard let state = r.state, DecisionState(rawValue: state) != nil else { return "unknown decision state \(r.state ?? "(none)")" }
            let attributes = (r.attribute ?? "").split(separator: ",").map { AttributeID(String($0)) }
            if attributes.isEmpty { return "a decision names no attribute" }
            for attribute in attributes where !purpose.attributes.contains(attribute) {
                return "purpose \(purposeID) does not use attribute \(attribute.rawValue)"
            }
            return nil
        case "correction", "verification", "erasure":
            return knownAttribute(r.attribute) ? nil : "unknown attribute \(r.attribute ?? "(none)")"
        default:
            return "unknown event kind \(r.kind)"
        }
    }
}

import ConsentCore
import Foundation

/// The checks every receiver runs on events from the wire — the centre on a push, a device on a
/// pull — whatever its storage. Integrity problems (a broken chain, a value that does not match
/// its digest) refuse the whole batch; an event this side cannot apply (an attribute or purpose
/// its Forms do not know) is refused on its own.
public enum WireCheck {
    /// The kinds of event this version understands.
    public static let kinds: Set<String> = Set(["registration", "decision", "correction", "verification", "erasure", "credential", "held-grant", "access", "marker"])
        .union(RequestKind.eventKinds)
    /// Longest text field accepted (ids, references, reasons, evidence notes).
    public static let maxTextBytes = 4_096
    /// The highest device or central sequence accepted (2^62): far beyond any real count, and far enough from
    /// `Int64.max` that no arithmetic on it overflows.
    public static let maxSequence: Int64 = 1 << 62
    /// The latest time accepted in an event (1 January 2300, in milliseconds); no time is before 1970.
    public static let latestMillis: Int64 = 10_413_792_000_000

    /// Why `ref` cannot be a new tenant's reference, or nil: it is printed on staff's screens, in reports and in
    /// tab-separated listings, so it holds no control, bidi control or white space, and at most 64 bytes.
    public static func referenceProblem(_ ref: String) -> String? {
        guard ref.utf8.count > 64 || TextSafety.hasForbiddenCharacter(ref) || ref.unicodeScalars.contains(where: \.properties.isWhitespace) else {
            return nil
        }
        return "\(TextSafety.displaySafe(String(ref.prefix(64)))) is not a tenancy reference (at most 64 bytes, no control characters or spaces)"
    }

    /// Why an event's numbers are out of range, or nil: sequences from 1 to ``maxSequence``, times (its clock,
    /// effective time, end of a grant) from 1970 to ``latestMillis``, a notice version and causal context that are
    /// not negative. Checked before any arithmetic on them, so a forged number is refused, not a crash.
    public static func numberProblem(_ r: EventRecord) -> String? {
        // The name is written only for a problem: this runs for every event received.
        var name: String { "event \(r.device.prefix(100))#\(r.sequence)" }
        guard (1...maxSequence).contains(r.sequence) else { return "\(name): a device sequence is from 1 to \(maxSequence)" }
        if let target = r.targetSequence, !(1...maxSequence).contains(target) {
            return "\(name): the event it confirms has a sequence out of range"
        }
        let hlc = HLCTimestamp(packed: r.hlc)
        for (field, millis) in [("clock", hlc.millis), ("effective time", r.effectiveAt), ("end date", r.validUntil ?? 0)]
        where !(0...latestMillis).contains(millis) {
            return "\(name): its \(field) is before 1970 or after 2300; set the device's clock right"
        }
        if let causal = r.causal, !(0...maxSequence).contains(causal) { return "\(name): its causal context is out of range" }
        if let version = r.noticeVersion, !(0...Int64(Int32.max)).contains(version) { return "\(name): its notice version is out of range" }
        return nil
    }

    /// Problems with an enrolment request, whoever the centre: the protocol version, the device id,
    /// and the signing key every device must enrol with (without it, its pushes could not be checked).
    public static func enrolmentProblem(_ request: EnrolRequest) -> CentralStoreError? {
        if request.version != SyncWire.version {
            return .invalid("protocol version \(request.version) is not supported (this centre speaks \(SyncWire.version)); update the device")
        }
        let device = request.device
        guard !device.isEmpty, device.utf8.count <= 100, device.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            return .invalid("a device id is 1 to 100 letters, digits, '-', '_' or '.'")
        }
        if device == Retention.centreChain {
            return .invalid("\(device) is the name of the centre's own retention records; enrol the device under another name")
        }
        guard let key = request.signingKey else {
            return .invalid("a device must enrol with a signing key (Ed25519), so that its pushes can be checked; update the device's program")
        }
        guard key.count == 32 else { return .invalid("a signing key is 32 bytes (Ed25519, raw); this one had \(key.count)") }
        return nil
    }

    /// The SQL, for both centres, finding a chain of events stored under a device name (argument 1, written by
    /// `mark`): a device may not enrol under it, or it would push as the continuation of someone else's chain.
    public static func chainHeldQuery(mark: (Int) -> String) -> String {
        "SELECT 1 FROM chain_head h JOIN device n ON n.no = h.device_no WHERE n.id = \(mark(1)) AND h.seq > 0"
    }

    /// Why a device may not enrol under the name of a chain the centre holds.
    public static func chainHeldRefusal(_ device: String) -> String {
        "the centre already holds a chain of events under the name \(device); enrol the device under another name"
    }

    /// Problems with a push as a whole: version, size, the device it claims, sequence order.
    public static func batchProblem(_ request: PushRequest, authenticated device: String) -> CentralStoreError? {
        if request.version != SyncWire.version {
            return .invalid("protocol version \(request.version) is not supported (this centre speaks \(SyncWire.version)); update the device")
        }
        if request.device != device { return .wrongDevice(claimed: request.device, authenticated: device) }
        if request.events.count > SyncWire.maxPushEvents {
            return .invalid("a push may carry at most \(SyncWire.maxPushEvents) events; this one had \(request.events.count)")
        }
        var previous: Int64?
        for event in request.events {
            if event.record.device != device { return .wrongDevice(claimed: event.record.device, authenticated: device) }
            if let problem = numberProblem(event.record) { return .invalid(problem) }
            if let p = previous, event.record.sequence != p + 1 {
                return .invalid("events must be in device-sequence order without gaps (\(event.record.sequence) after \(p))")
            }
            previous = event.record.sequence
        }
        return nil
    }

    /// Problems with a push's signed chain head, given the signing key `device` enrolled with: every
    /// device enrolls with one, and a push of events carries the head of its last event signed with it.
    public static func headProblem(_ request: PushRequest, device: String, publicKey: Data?) -> CentralStoreError? {
        guard let publicKey else {
            return .invalid("\(device) was enrolled without a signing key, so its pushes cannot be checked; enrol it again with `consent device enrol`")
        }
        guard let last = request.events.last else { return nil }
        guard let head = request.head, head.device == device, head.sequence == last.record.sequence, head.hash == last.hash,
              head.isValid(publicKey: publicKey) else {
            return .invalid("the push's chain head is missing or not signed with \(device)'s enrolled key; nothing was applied")
        }
        return nil
    }

    /// Whether an event is intact: its hash follows its device's previous hash, its values match
    /// their digests and the record's digest covers exactly them, and no field is absurd.
    public static func integrityProblem(_ event: WireEvent, after previousHash: Data) -> String? {
        let r = event.record
        let name = "event \(r.device)#\(r.sequence)"
        if let problem = numberProblem(r) { return problem }
        for text in [r.device, r.tenant, r.kind, r.actor, r.channel] + [r.attribute, r.purpose, r.state, r.language,
                     r.targetDevice, r.actorID, r.verification, r.reason, r.evidence].compactMap({ $0 })
        where text.utf8.count > maxTextBytes {
            return "\(name): a field is longer than \(maxTextBytes) bytes"
        }
        if r.device.isEmpty || r.tenant.isEmpty { return "\(name): no device or tenant" }
        if event.hash.count != 32 || r.hash(after: previousHash) != event.hash {
            return "\(name): its hash does not follow the device's chain (edited, reordered or forged)"
        }
        var digests: [(AttributeID, Data)] = []
        for value in event.values {
            let attribute = AttributeID(value.attribute)
            if let salt = value.salt {
                guard value.sealed == nil else { return "\(name): value \(value.attribute) is both clear and sealed" }
                let answer = value.answer
                if ValueDigest.of(answer, attribute: attribute, salt: salt) != value.digest {
                    return "\(name): value \(value.attribute) does not match its digest"
                }
            } else if value.text != nil {
                return "\(name): value \(value.attribute) has text but no salt"
            }
            if value.sealed != nil && value.keyID == nil { return "\(name): sealed value \(value.attribute) names no data key" }
            digests.append((attribute, value.digest))
        }
        let expected = digests.isEmpty ? nil : ValueDigest.combine(digests)
        if expected != r.valuesDigest { return "\(name): its values are not the ones its record covers" }
        return nil
    }

    /// Why this side cannot apply an event (its Forms do not know it), or nil.
    public static func catalogueProblem(_ event: WireEvent, catalogue: Catalogue) -> String? {
        let r = event.record
        var name: String { "event \(r.device)#\(r.sequence)" }
        guard kinds.contains(r.kind) else { return "\(name): unknown kind \(r.kind); update this program" }
        // A marker event keeps the marker's id (from Forms/staff.yaml) where others keep attributes.
        let attributes = (r.kind == "marker" ? [] : EventRecord.attributes(r.attribute)) + event.values.map { AttributeID($0.attribute) }
        for attribute in attributes where catalogue.attribute(attribute) == nil {
            return "\(name): attribute \(attribute) is not in this side's Forms; update Forms/ to the same version everywhere"
        }
        if r.kind == "decision" || r.kind == "held-grant" {
            guard let purpose = r.purpose, catalogue.purpose(PurposeID(purpose)) != nil else {
                return "\(name): purpose \(r.purpose ?? "(none)") is not in this side's Forms; update Forms/ to the same version everywhere"
            }
            guard DecisionState(rawValue: r.state ?? "") != nil else { return "\(name): unknown decision state \(r.state ?? "")" }
        }
        if Channel(rawValue: r.channel) == nil { return "\(name): unknown channel \(r.channel)" }
        return nil
    }
}

/// The checks of a message's events that need nothing stored, run before the receiver applies
/// it: on a device, in the task that fetched the page, while the previous page is being applied,
/// so the hashing runs on the other core. An event whose predecessor in its device's chain is in
/// the same message is checked against that one; the first of each device's run waits for the
/// receiver, which knows the stored head. Whether this side's Forms know each event is checked
/// for every event.
public struct IntegrityPrecheck: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// Its hash follows its predecessor's in this message and its values are intact.
        case sound
        /// Broken: why.
        case broken(String)
        /// Its predecessor is not in this message: the receiver checks it against its stored head.
        case unchecked
    }

    /// For each event, its chain and values.
    public let verdicts: [Verdict]
    /// For each event, why this side cannot apply it (`WireCheck.catalogueProblem`), or nil.
    public let catalogueProblems: [String?]

    /// What was found for event `index`: its verdict, and why this side cannot apply it (or nil).
    public func found(_ index: Int) -> (verdict: Verdict, catalogueProblem: String?) {
        (verdicts[index], catalogueProblems[index])
    }

    public init(_ events: [WireEvent], catalogue: Catalogue) {
        var last: [String: (sequence: Int64, hash: Data)] = [:]
        verdicts = events.map { event in
            let r = event.record
            defer { last[r.device] = (r.sequence, event.hash) }
            if let previous = last[r.device], previous.sequence + 1 == r.sequence {
                if let named = event.previous, named != previous.hash { return .broken("event \(r.device)#\(r.sequence) names a predecessor other than the one before it") }
                return WireCheck.integrityProblem(event, after: previous.hash).map(Verdict.broken) ?? .sound
            }
            // A pull to an office's device names the hash an event follows where its predecessor is not sent.
            guard let named = event.previous else { return .unchecked }
            return WireCheck.integrityProblem(event, after: named).map(Verdict.broken) ?? .sound
        }
        catalogueProblems = events.map { WireCheck.catalogueProblem($0, catalogue: catalogue) }
    }
}

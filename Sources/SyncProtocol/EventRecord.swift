import ConsentCore
import Crypto
import Foundation

/// The flat form of an event: one ledger row's fields, without any local numbering. It is what
/// the hash chain covers (its canonical bytes), what a ledger row stores, and what sync sends: it
/// names devices and tenants by their global ids, so a chain verifies the same on every device and
/// at the centre.
public struct EventRecord: Hashable, Sendable {
    public var device: String
    public var sequence: Int64
    public var tenant: String
    public var kind: String
    public var attribute: String?
    public var purpose: String?
    public var state: String?
    public var pending: Bool?
    public var noticeVersion: Int64?
    public var language: String?
    public var validUntil: Int64?
    public var targetDevice: String?
    public var targetSequence: Int64?
    public var valuesDigest: Data?
    public var hlc: Int64
    public var effectiveAt: Int64
    public var actor: String
    public var actorID: String?
    public var verification: String?
    public var reason: String?
    public var channel: String
    public var causal: Int64?
    public var evidence: String?

    /// A record from its stored or received fields.
    public init(
        device: String, sequence: Int64, tenant: String, kind: String, attribute: String? = nil, purpose: String? = nil,
        state: String? = nil, pending: Bool? = nil, noticeVersion: Int64? = nil, language: String? = nil,
        validUntil: Int64? = nil, targetDevice: String? = nil, targetSequence: Int64? = nil, valuesDigest: Data? = nil,
        hlc: Int64, effectiveAt: Int64, actor: String, actorID: String? = nil, verification: String? = nil,
        reason: String? = nil, channel: String, causal: Int64? = nil, evidence: String? = nil
    ) {
        self.device = device; self.sequence = sequence; self.tenant = tenant; self.kind = kind
        self.attribute = attribute; self.purpose = purpose; self.state = state; self.pending = pending
        self.noticeVersion = noticeVersion; self.language = language; self.validUntil = validUntil
        self.targetDevice = targetDevice; self.targetSequence = targetSequence; self.valuesDigest = valuesDigest
        self.hlc = hlc; self.effectiveAt = effectiveAt; self.actor = actor; self.actorID = actorID
        self.verification = verification; self.reason = reason; self.channel = channel; self.causal = causal
        self.evidence = evidence
    }
}

extension EventRecord {
    /// Flattens an event; `valuesDigest` covers the values the event recorded.
    public init(_ event: Event, valuesDigest: Data?) {
        device = event.id.device.rawValue
        sequence = event.id.sequence
        tenant = event.tenant.rawValue
        kind = event.payload.kind
        hlc = event.hlc.packed
        effectiveAt = Millis.from(event.effectiveAt)
        channel = event.channel.rawValue
        causal = event.causalContext
        evidence = event.evidence
        self.valuesDigest = valuesDigest
        let columns = event.actor.columns
        (actor, actorID, verification, reason) = (columns.kind, columns.id, columns.verification, columns.reason)
        switch event.payload {
        case .registration: break
        case let .decision(purposeID, attributes, decision, notice, until):
            attribute = attributes.count == 1 ? attributes[0].rawValue : attributes.map(\.rawValue).joined(separator: ",")
            purpose = purposeID.rawValue
            state = decision.rawValue
            noticeVersion = notice.map { Int64($0.version) }
            language = notice?.language
            validUntil = until.map(Millis.from)
        case let .correction(id, value, isPending):
            attribute = id.rawValue
            state = value == .preferNotToSay ? "prefer-not-to-say" : "value"
            pending = isPending
        case let .verification(target, id, approved):
            attribute = id.rawValue
            targetDevice = target.device.rawValue
            targetSequence = target.sequence
            state = approved ? "approved" : "rejected"
        case .erasure(let id):
            attribute = id.rawValue
        case let .request(_, id, proposed):
            attribute = id?.rawValue
            // The value itself is stored like any other (the digest covers it); the state says only its kind.
            if let proposed { state = proposed == .preferNotToSay ? "prefer-not-to-say" : "value" }
        case .credentialChange(let what):
            state = what
        case let .heldGrant(purposeID, attributes, notice, until):
            attribute = attributes.map(\.rawValue).joined(separator: ",")
            purpose = purposeID.rawValue
            state = DecisionState.granted.rawValue
            pending = true
            noticeVersion = notice.map { Int64($0.version) }
            language = notice?.language
            validUntil = until.map(Millis.from)
        case .access(let id):
            attribute = id.rawValue
        case let .marker(id, set):
            attribute = id // a marker event keeps the marker's id where others keep an attribute's
            state = set ? "set" : "cleared"
        }
    }

    /// The event this record describes. `answers` are the values it recorded (a placeholder for one
    /// erased or unavailable); `centralSequence` is the centre's number for it, once synced.
    public func event(centralSequence: Int64?, answers: [AttributeID: AttributeValue]) -> Event {
        let actor = Actor(Actor.Columns(kind: self.actor, id: actorID, verification: verification, reason: reason))
        let attributeID = AttributeID(attribute ?? "")
        let payload: EventPayload
        switch kind {
        case "registration":
            payload = .registration(values: answers)
        case "decision":
            payload = .decision(
                PurposeID(purpose ?? ""), Self.attributes(attribute),
                DecisionState(rawValue: state ?? "") ?? .notAsked,
                notice: noticeVersion.map { NoticeShown(version: Int($0), language: language ?? "") },
                validUntil: validUntil.map(Millis.date))
        case "correction":
            payload = .correction(attributeID, answers[attributeID] ?? .value(""), pending: pending ?? false)
        case "verification":
            payload = .verification(
                of: EventID(device: DeviceID(targetDevice ?? ""), sequence: targetSequence ?? 0),
                attribute: attributeID, approved: state == "approved")
        case "erasure":
            payload = .erasure(attributeID)
        case let requestKind where RequestKind(eventKind: requestKind) != nil:
            let kind = RequestKind(eventKind: requestKind) ?? .erasure
            payload = .request(kind, attribute.map { AttributeID($0) }, proposed: state == nil ? nil : answers[attributeID] ?? .value(""))
        case "held-grant":
            payload = .heldGrant(
                PurposeID(purpose ?? ""), Self.attributes(attribute),
                notice: noticeVersion.map { NoticeShown(version: Int($0), language: language ?? "") },
                validUntil: validUntil.map(Millis.date))
        case "access":
            payload = .access(attributeID)
        case "marker":
            payload = .marker(attribute ?? "", set: state == "set")
        default:
            payload = .credentialChange(state ?? "")
        }
        return Event(
            id: EventID(device: DeviceID(device), sequence: sequence), tenant: TenantRef(tenant),
            hlc: HLCTimestamp(packed: hlc), effectiveAt: Millis.date(effectiveAt), actor: actor,
            channel: Channel(rawValue: channel) ?? .system, causalContext: causal,
            centralSequence: centralSequence, payload: payload, evidence: evidence)
    }

    /// The attributes a decision or held grant names, comma-separated in one column (most name one).
    public static func attributes(_ list: String?) -> [AttributeID] {
        guard let list, !list.isEmpty else { return [] }
        guard list.utf8.contains(UInt8(ascii: ",")) else { return [AttributeID(list)] }
        return list.split(separator: ",").map { AttributeID(String($0)) }
    }

    /// The bytes the hash chain covers: a version tag, then each field tagged and length-prefixed
    /// (numbers as 8 bytes, big-endian), after the previous event's hash.
    public func canonicalBytes(after previous: Data = Data()) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        out.append(contentsOf: previous)
        out.append(contentsOf: "tc-event-v1".utf8)
        func header(_ tag: UInt8, _ count: Int) {
            out.append(tag)
            let n = UInt32(count)
            out.append(UInt8(n >> 24))
            out.append(UInt8((n >> 16) & 0xFF))
            out.append(UInt8((n >> 8) & 0xFF))
            out.append(UInt8(n & 0xFF))
        }
        func put(_ tag: UInt8, _ bytes: Data?) {
            guard let bytes else { return }
            header(tag, bytes.count)
            out.append(contentsOf: bytes)
        }
        func put(_ tag: UInt8, _ text: String?) {
            guard let text else { return }
            header(tag, text.utf8.count)
            out.append(contentsOf: text.utf8)
        }
        func put(_ tag: UInt8, _ number: Int64?) {
            guard let number else { return }
            header(tag, 8)
            let n = UInt64(bitPattern: number)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((n >> UInt64(shift)) & 0xFF)) }
        }
        put(1, device); put(2, sequence); put(3, tenant); put(4, kind); put(5, attribute); put(6, purpose)
        put(7, state); put(8, pending.map { $0 ? "1" : "0" }); put(9, noticeVersion); put(10, language)
        put(11, validUntil); put(12, targetDevice); put(13, targetSequence); put(14, valuesDigest)
        put(15, hlc); put(16, effectiveAt); put(17, actor); put(18, actorID); put(19, verification)
        put(20, reason); put(21, channel); put(22, causal); put(23, evidence)
        return out
    }

    /// The chain hash of this event after `previous`.
    public func hash(after previous: Data) -> Data {
        Data(SHA256.hash(data: canonicalBytes(after: previous)))
    }
}

/// Milliseconds since 1970, the unit of every stored time.
public enum Millis {
    /// The date in milliseconds, clamped to what an `Int64` holds (a date from a forged or damaged record must not
    /// stop the program); a date that is not a number is 0.
    public static func from(_ date: Date) -> Int64 {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        guard !millis.isNaN else { return 0 }
        return millis >= 9.2e18 ? .max : millis <= -9.2e18 ? .min : Int64(millis)
    }
    public static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}

/// Salted digests of stored values. The salt lives beside the value and is erased with it, so a
/// digest left in the ledger reveals nothing, yet proves an unerased value unchanged.
public enum ValueDigest {
    /// The chain head before a device's first event.
    public static let empty = Data(count: 32)


    /// The salted digest of one value.
    /// `salt ‖ attribute ‖ 0 ‖ "v:" text` (or `"p"`), fed to the hash in place: an import digests every value.
    public static func of(_ value: AttributeValue, attribute: AttributeID, salt: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: salt)
        func feed(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        feed(attribute.rawValue)
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        switch value {
        case .value(let text):
            feed("v:")
            feed(text)
        case .preferNotToSay: feed("p")
        }
        return Data(hasher.finalize())
    }

    /// The digest over an event's value digests, in attribute order.
    public static func combine(_ digests: [(AttributeID, Data)]) -> Data {
        var hasher = SHA256()
        for (attribute, digest) in digests.sorted(by: { $0.0 < $1.0 }) {
            hasher.update(data: Data(attribute.rawValue.utf8))
            hasher.update(data: [0])
            hasher.update(data: digest)
        }
        return Data(hasher.finalize())
    }
}

/// Short keys on the wire: a decision event is sent a hundred thousand times.
extension EventRecord: Codable {
    enum CodingKeys: String, CodingKey {
        case device = "d", sequence = "s", tenant = "t", kind = "k", attribute = "a", purpose = "p", state = "st"
        case pending = "pe", noticeVersion = "nv", language = "l", validUntil = "vu", targetDevice = "td"
        case targetSequence = "ts", valuesDigest = "vd", hlc = "h", effectiveAt = "e", actor = "ac", actorID = "ai"
        case verification = "ve", reason = "re", channel = "ch", causal = "cc", evidence = "ev"
    }
}

extension WireValue {
    /// The answer as sent: "prefer not to say", or the text (empty for a value sent sealed or erased,
    /// the placeholder a projection keeps for it). Both centres' pushes and a device's pulls read it so.
    public var answer: AttributeValue { AttributeValue(storedText: text, preferNotToSay: preferNot) }
}

import ConsentCore
import Crypto
import Foundation

/// The flat, storable form of an event: one ledger row's fields, without the local numbering.
/// Its canonical bytes are what the hash chain covers; they name devices and tenants by their
/// global ids, so a chain verifies the same on every device and at the centre.
struct LedgerFields: Equatable {
    var device: String
    var sequence: Int64
    var tenant: String
    var kind: String
    var attribute: String?
    var purpose: String?
    var state: String?
    var pending: Bool?
    var noticeVersion: Int64?
    var language: String?
    var validUntil: Int64?
    var targetDevice: String?
    var targetSequence: Int64?
    var valuesDigest: Data?
    var hlc: Int64
    var effectiveAt: Int64
    var actor: String
    var actorID: String?
    var verification: String?
    var reason: String?
    var channel: String
    var causal: Int64?
    var evidence: String?
}

extension LedgerFields {
    /// Flattens an event; `valuesDigest` covers the values the event recorded.
    init(_ event: Event, valuesDigest: Data?) {
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
        switch event.actor {
        case .tenant: actor = "tenant"
        case let .staff(id, verification, reason):
            actor = "staff"
            actorID = id.rawValue
            self.verification = verification
            self.reason = reason
        case .system(let name):
            actor = "system"
            actorID = name
        }
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
        }
    }

    /// The bytes the hash chain covers: a version tag, then each field tagged and length-prefixed
    /// (numbers as 8 bytes, big-endian), after the previous event's hash.
    func canonicalBytes(after previous: Data = Data()) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        out.append(contentsOf: previous)
        out.append(contentsOf: "tc-event-v1".utf8)
        func header(_ tag: UInt8, _ count: Int) {
            out.append(tag)
            let n = UInt32(count)
            out.append(contentsOf: [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)])
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
    func hash(after previous: Data) -> Data {
        Data(SHA256.hash(data: canonicalBytes(after: previous)))
    }
}

/// Milliseconds since 1970, the unit of every stored time.
enum Millis {
    static func from(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}

/// Salted digests of stored values. The salt lives beside the value and is erased with it, so a
/// digest left in the ledger reveals nothing, yet proves an unerased value unchanged.
enum ValueDigest {
    static let empty = Data(count: 32)

    /// 16 random bytes, drawn from a pool refilled 64 KiB at a time: asking the kernel for 16 bytes
    /// per value took a tenth of a bulk import's time.
    static func salt() -> Data { SaltPool.shared.next() }

    static func of(_ value: AttributeValue, attribute: AttributeID, salt: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Data(attribute.rawValue.utf8))
        hasher.update(data: [0])
        switch value {
        case .value(let text): hasher.update(data: Data(("v:" + text).utf8))
        case .preferNotToSay: hasher.update(data: Data("p".utf8))
        }
        return Data(hasher.finalize())
    }

    /// The digest over an event's value digests, in attribute order.
    static func combine(_ digests: [(AttributeID, Data)]) -> Data {
        var hasher = SHA256()
        for (attribute, digest) in digests.sorted(by: { $0.0 < $1.0 }) {
            hasher.update(data: Data(attribute.rawValue.utf8))
            hasher.update(data: [0])
            hasher.update(data: digest)
        }
        return Data(hasher.finalize())
    }
}

/// A lock-protected pool of cryptographically random bytes.
final class SaltPool: @unchecked Sendable {
    static let shared = SaltPool()
    private let lock = NSLock()
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private var offset = 65_536

    func next() -> Data {
        lock.lock()
        defer { lock.unlock() }
        if offset + 16 > buffer.count {
            // BoringSSL's generator (seeded from the kernel) fills the whole buffer in one call.
            SymmetricKey(size: SymmetricKeySize(bitCount: buffer.count * 8)).withUnsafeBytes { random in
                buffer = Array(random)
            }
            offset = 0
        }
        defer { offset += 16 }
        return Data(buffer[offset..<offset + 16])
    }
}

import ConsentCore
import Crypto
import Foundation
import SyncProtocol

/// A device's chain built by hand exactly as a real device builds one (hashed, value digests, head
/// signed with its key), saying whatever a test wants: a tampered kiosk's pushes. A value type, so
/// each attack can start from the same untouched chain.
public struct Forger: Sendable {
    public let id: String
    public let key: Curve25519.Signing.PrivateKey
    public private(set) var sequence: Int64 = 0
    public private(set) var head = ValueDigest.empty
    private var clock: Int64

    /// A device `id` signing with `key`, whose clock starts at `start`.
    public init(_ id: String, key: Curve25519.Signing.PrivateKey, start: Date) {
        self.id = id
        self.key = key
        clock = Millis.from(start)
    }

    /// The next event of the chain: `clear` values travel with their salts, `sealed` ones as given;
    /// `edit` changes the record before it is hashed (fields no honest device writes for its kind).
    public mutating func event(_ tenant: TenantRef, _ payload: EventPayload, actor: Actor = .tenant, channel: Channel = .kiosk,
                               clear: [(String, String)] = [], sealed: [WireValue] = [],
                               edit: (inout EventRecord) -> Void = { _ in }) -> WireEvent {
        sequence += 1
        clock += 1_000
        var values = sealed
        for (attribute, text) in clear {
            let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
            values.append(WireValue(attribute: attribute, text: text, preferNot: false, salt: salt,
                                    digest: ValueDigest.of(.value(text), attribute: AttributeID(attribute), salt: salt)))
        }
        let event = Event(id: EventID(device: DeviceID(id), sequence: sequence), tenant: tenant, hlc: HLCTimestamp(millis: clock),
                          effectiveAt: Millis.date(clock), actor: actor, channel: channel, causalContext: nil, payload: payload)
        let digest = values.isEmpty ? nil : ValueDigest.combine(values.map { (AttributeID($0.attribute), $0.digest) })
        var record = EventRecord(event, valuesDigest: digest)
        edit(&record)
        head = record.hash(after: head)
        return WireEvent(record: record, hash: head, values: values)
    }

    /// An edit (for ``event(_:_:actor:channel:clear:sealed:edit:)``) giving a consent grant the end every
    /// device gives it: `months` (the shipped register's 24) after it was expressed.
    public static func lapsing(after months: Int = 24) -> (inout EventRecord) -> Void {
        { $0.validUntil = Millis.from(ChangeRules.adding(months: months, to: Millis.date($0.effectiveAt))) }
    }

    /// A push of `events`, its head signed with the device's key unless `signed` is false.
    public func push(_ events: [WireEvent], dataKeys: [WireDataKey] = [], signed: Bool = true) throws -> PushRequest {
        let last = events[events.count - 1]
        let head = signed ? try SignedHead(device: id, sequence: last.record.sequence, hash: last.hash, key: key) : nil
        return PushRequest(device: id, events: events, dataKeys: dataKeys, head: head)
    }
}

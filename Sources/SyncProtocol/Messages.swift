import Foundation

/// The sync protocol's version; a server refuses a request that names another.
public enum SyncWire {
    public static let version = 1
    /// Most events one push may carry.
    public static let maxPushEvents = 5_000
    /// Most events one pull page may return.
    public static let maxPullEvents = 10_000
    /// Most events one snapshot page may return (a new device's first sync: few, large pages).
    public static let maxSnapshotEvents = 50_000
    /// Largest request body the server reads, in bytes.
    public static let maxBodyBytes = 16 * 1024 * 1024
}

/// One value an event recorded, as stored: an ordinary value in clear with its salt, or a
/// special-category value sealed (AES-GCM) under the data key `keyID`. An erased value has
/// neither text nor salt nor seal; its digest stays so the chain still verifies.
public struct WireValue: Codable, Hashable, Sendable {
    public var attribute: String
    public var text: String?
    public var preferNot: Bool
    public var salt: Data?
    public var digest: Data
    public var keyID: String?
    public var sealed: Data?

    public init(attribute: String, text: String? = nil, preferNot: Bool = false, salt: Data? = nil, digest: Data,
                keyID: String? = nil, sealed: Data? = nil) {
        self.attribute = attribute
        self.text = text
        self.preferNot = preferNot
        self.salt = salt
        self.digest = digest
        self.keyID = keyID
        self.sealed = sealed
    }

    enum CodingKeys: String, CodingKey {
        case attribute = "a", text = "v", preferNot = "p", salt = "s", digest = "g", keyID = "k", sealed = "x"
    }
}

/// One event on the wire: its record, the chain hash its device computed, its values and, once
/// the centre has it, its central sequence.
public struct WireEvent: Codable, Hashable, Sendable {
    public var record: EventRecord
    public var hash: Data
    public var values: [WireValue]
    public var central: Int64?
    /// In a pull, the hash of the event before this one in its device's chain, when that event is not
    /// the one before it in the page: an office's device holds only part of another device's chain, so
    /// it checks this event against the hash the centre names (see docs/sync.md, "Offices").
    public var previous: Data?

    public init(record: EventRecord, hash: Data, values: [WireValue] = [], central: Int64? = nil, previous: Data? = nil) {
        self.record = record
        self.hash = hash
        self.values = values
        self.central = central
        self.previous = previous
    }

    enum CodingKeys: String, CodingKey { case record = "r", hash = "h", values = "v", central = "c", previous = "p" }
}

/// A data key wrapped by a key-encryption key, sent with the sealed values that use it so the
/// receiver can open them with the same key-encryption key (the centre stores it wrapped).
public struct WireDataKey: Codable, Hashable, Sendable {
    public var keyID: String
    public var kekID: String
    public var wrapped: Data
    public init(keyID: String, kekID: String, wrapped: Data) {
        self.keyID = keyID
        self.kekID = kekID
        self.wrapped = wrapped
    }
}

/// `POST /v1/push`: a device's unsent events, in device-sequence order.
public struct PushRequest: Codable, Sendable {
    public var version: Int
    public var device: String
    public var events: [WireEvent]
    public var dataKeys: [WireDataKey]
    /// The device's signed chain head after the last of these events.
    public var head: SignedHead?

    public init(device: String, events: [WireEvent], dataKeys: [WireDataKey] = [], head: SignedHead? = nil, version: Int = SyncWire.version) {
        self.version = version
        self.device = device
        self.events = events
        self.dataKeys = dataKeys
        self.head = head
    }
}

/// What the centre did with one pushed event.
public enum PushOutcome: String, Codable, Sendable {
    /// Stored and now part of the current state.
    case applied
    /// Stored; a withdrawal or objection stands over it (a grant the withdrawal was not in the
    /// causal past of), and it is queued for staff to re-confirm.
    case overridden
    /// Stored; an older decision or correction that a newer one supersedes.
    case superseded
    /// Not stored; `reason` says why. The device must not resend it unchanged.
    case rejected
}

/// The centre's answer for one pushed event. The same answer is given again for a resent event.
public struct PushResult: Codable, Hashable, Sendable {
    public var sequence: Int64
    public var outcome: PushOutcome
    public var central: Int64?
    public var reason: String?

    public init(sequence: Int64, outcome: PushOutcome, central: Int64?, reason: String? = nil) {
        self.sequence = sequence
        self.outcome = outcome
        self.central = central
        self.reason = reason
    }
}

/// The reply to a push: one result per event, in order.
public struct PushResponse: Codable, Sendable {
    public var results: [PushResult]
    public init(results: [PushResult]) { self.results = results }
}

/// `GET /v1/pull?cursor=&limit=`: events with central sequence above `cursor`, in central order.
public struct PullResponse: Codable, Sendable {
    public var events: [WireEvent]
    /// The cursor to ask from next (the last event's central sequence, or the request's cursor).
    public var cursor: Int64
    /// Whether more events are waiting.
    public var more: Bool
    /// Data keys the sealed values of these events use.
    public var dataKeys: [WireDataKey]
    /// References of tenants who left the pulling device's office since its cursor (moved to another
    /// office, and not changed by this device since): the device forgets them (`OfficePull.departedQuery`).
    public var departed: [String]

    public init(events: [WireEvent], cursor: Int64, more: Bool, dataKeys: [WireDataKey] = [], departed: [String] = []) {
        self.events = events
        self.cursor = cursor
        self.more = more
        self.dataKeys = dataKeys
        self.departed = departed
    }

    private enum CodingKeys: String, CodingKey { case events, cursor, more, dataKeys, departed }

    /// Reads a page; one from a centre that names no departures has none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(events: try c.decode([WireEvent].self, forKey: .events), cursor: try c.decode(Int64.self, forKey: .cursor),
                  more: try c.decode(Bool.self, forKey: .more), dataKeys: try c.decode([WireDataKey].self, forKey: .dataKeys),
                  departed: try c.decodeIfPresent([String].self, forKey: .departed) ?? [])
    }
}

/// `POST /v1/enrol`: a new device presents the one-time code issued at the centre.
public struct EnrolRequest: Codable, Sendable {
    public var version: Int
    public var code: String
    /// The device's own id (its database's device id), which becomes its identity at the centre.
    public var device: String
    /// The public half of the device's signing key (Ed25519, raw), which its chain heads must verify with.
    public var signingKey: Data?
    public init(code: String, device: String, signingKey: Data? = nil, version: Int = SyncWire.version) {
        self.version = version
        self.code = code
        self.device = device
        self.signingKey = signingKey
    }
}

/// The reply to an enrolment: the credential the device presents on every later request.
public struct EnrolResponse: Codable, Sendable {
    public var device: String
    public var office: String
    public var secret: String
    /// The organisation's public key (X25519, raw) to which the device seals special-category values
    /// (HPKE); absent from a centre that has none (the device then keeps sealing under its own data keys).
    public var sealingKey: Data?
    public init(device: String, office: String, secret: String, sealingKey: Data? = nil) {
        self.device = device
        self.office = office
        self.secret = secret
        self.sealingKey = sealingKey
    }
}

/// The body of every error reply: a stable code and a message saying what to do.
public struct ErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public var message: String
    /// For a `gap`: the device sequence the centre expects next.
    public var expected: Int64?
    /// The refusal's own words (a device id, a reason), which `message` wraps in advice; the
    /// receiver rebuilds the refusal from them, so its own wording is not wrapped around the
    /// centre's a second time.
    public var detail: String?
    /// For a throttled fetch (`tenant-not-sent`, 429): `wait` or `lock`, as the centre's throttle decided
    /// (``TenantFetchRefusal/Hold``); absent from older centres.
    public var hold: String?
    /// The code of a 429 for a device over its own limit of one kind of request (`detail`: the seconds to wait),
    /// unlike `throttled`, which holds back an address after refused requests from it.
    public static let deviceThrottled = "device-throttled"
    public init(error: String, message: String, expected: Int64? = nil, detail: String? = nil, hold: String? = nil) {
        self.error = error
        self.message = message
        self.expected = expected
        self.detail = detail
        self.hold = hold
    }

    /// The body of a refusal.
    public init(_ refusal: CentralStoreError) {
        var (expected, detail, hold): (Int64?, String?, String?) = (nil, nil, nil)
        switch refusal {
        case .gap(let next): expected = next
        case .invalid(let why), .unauthenticated(let why), .revoked(let why), .storage(let why): detail = why
        case .wrongDevice, .badEnrolmentCode, .moved, .busy: break
        case .revealRefused(let why): detail = "\(why.reason.rawValue) \(why.message)"
        case .fetchRefused(let why):
            detail = why.reason == .throttled ? "throttled \(why.seconds)" : why.reason.rawValue
            hold = why.hold?.rawValue
        }
        self.init(error: refusal.code, message: refusal.description, expected: expected, detail: detail, hold: hold)
    }

    /// The refusal this body describes, as the device reports it.
    public var refusal: CentralStoreError {
        let words = detail ?? message
        switch error {
        case "gap": return .gap(expected: expected ?? 1)
        case "unauthenticated": return .unauthenticated(words)
        case "revoked": return .revoked(words)
        case "bad-enrolment-code": return .badEnrolmentCode
        case "storage", "internal": return .storage(words)
        case "moved": return .moved
        case "busy": return .busy
        case "reveal-refused":
            let (code, rest) = (words.prefix { $0 != " " }, words.drop { $0 != " " }.dropFirst())
            guard let reason = RevealRefusal.Reason(rawValue: String(code)) else { return .invalid(words) }
            return .revealRefused(RevealRefusal(reason, String(rest)))
        case "tenant-not-sent":
            let parts = words.split(separator: " ")
            guard let reason = parts.first.flatMap({ TenantFetchRefusal.Reason(rawValue: String($0)) }) else { return .invalid(words) }
            return .fetchRefused(TenantFetchRefusal(reason, seconds: parts.dropFirst().first.flatMap { Int($0) } ?? 0,
                                                    hold: hold.flatMap(TenantFetchRefusal.Hold.init(rawValue:))))
        default: return .invalid(words)
        }
    }
}

/// A device as the centre knows it.
public struct CentralDevice: Codable, Hashable, Sendable {
    public var id: String
    public var office: String
    public var enrolledAt: Date
    public var revokedAt: Date?
    /// The highest device sequence the centre has stored from it.
    public var lastSequence: Int64
    /// What it was enrolled as (a device enrolled before kinds were recorded is a kiosk).
    public var kind: DeviceKind

    public init(id: String, office: String, enrolledAt: Date, revokedAt: Date?, lastSequence: Int64, kind: DeviceKind = .kiosk) {
        self.kind = kind
        self.id = id
        self.office = office
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.lastSequence = lastSequence
    }
}

import CentralStore
@testable import CentralStorePostgres
import CentralStoreSQLite
import ConsentCore
import ConsentForms
import ConsentStore
import Crypto
import Foundation
import PostgresNIO
import SyncProtocol
import Testing
import TestSupport

/// A fresh database on the test process's throwaway server, and a store opened on it.
struct Centre {
    let location: PostgresLocation
    let store: PostgresCentralStore
    let catalogue: Catalogue

    static func make() async throws -> Centre {
        let server = try ThrowawayPostgres.shared()
        let location = try PostgresLocation(url: server.url(database: try server.createDatabase()))
        let catalogue = try Shipped.loaded.get().catalogue
        let store = try await PostgresCentralStore.open(location, catalogue: catalogue)
        try await store.addStaff(TestDevice.staff)
        return Centre(location: location, store: store, catalogue: catalogue)
    }

    /// Enrols a device and returns its secret.
    @discardableResult
    func enrol(_ device: String, office: String = "Leeds") async throws -> String {
        let code = try await store.issueEnrolmentCode(office: office, lifetime: 600)
        return try await store.enrol(TestDevice.enrolment(code, device)).secret
    }

    /// A device that signs its chain heads, enrolled with its key (as `consent device enrol` does).
    func enrolSigning(_ id: String) async throws -> TestDevice {
        let device = TestDevice(id, signing: true)
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        _ = try await store.enrol(EnrolRequest(code: code, device: id, signingKey: device.signingKey?.publicKey.rawRepresentation))
        return device
    }

    /// Every event, pulled in pages.
    func pullAll(page: Int = 1000) async throws -> [WireEvent] {
        var cursor: Int64 = 0, events: [WireEvent] = []
        while true {
            let reply = try await store.pull(after: cursor, limit: page)
            events += reply.events
            cursor = reply.cursor
            if !reply.more { return events }
        }
    }

    /// Runs a query as `user` (the store's own user when nil) and returns its rows as text.
    func rows(_ sql: String, as user: String? = nil) async throws -> [[String?]] {
        try await Self.rows(sql, at: user.map { location.with(user: $0) } ?? location)
    }

    /// Runs statements one after another in one session as `user` (temporary functions and settings
    /// live as long as the session) and returns the rows of the last, as text.
    func session(_ statements: [String], as user: String? = nil) async throws -> [[String?]] {
        try await Self.rows(statements, at: user.map { location.with(user: $0) } ?? location)
    }

    static func rows(_ sql: String, at location: PostgresLocation) async throws -> [[String?]] {
        try await rows([sql], at: location)
    }

    static func rows(_ statements: [String], at location: PostgresLocation) async throws -> [[String?]] {
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: (location.socketFolder ?? "") + "/.s.PGSQL.\(location.port)", username: location.user,
            password: location.password, database: location.database)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
        do {
            var out: [[String?]] = []
            for sql in statements {
                out = []
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")) {
                    out.append(try row.map { cell in try cell.decode(String?.self) })
                }
            }
            try await connection.close()
            return out
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A device as the centre sees it: it makes events with correct chain hashes and value digests.
struct TestDevice {
    let id: String
    var sequence: Int64 = 0
    var head = ValueDigest.empty
    var clock: Int64 = 1_790_000_000_000
    /// When set, every push carries the chain head signed with it (as `consent sync` does).
    var signingKey: Curve25519.Signing.PrivateKey?

    /// The members of staff a centre's registry must hold for test devices' pushes (`event` records
    /// staff work as pat).
    static let staff = ["pat", "sam"].map { StaffMember(id: $0, name: "Staff \($0)", role: .supervisor) }

    /// Every device enrols with a signing key; a test device's is derived from its id, so a test
    /// can enrol it by name and push from a `TestDevice` of the same id.
    init(_ id: String, signing: Bool = true) {
        self.id = id
        signingKey = signing ? Self.key(for: id) : nil
    }

    static func key(for id: String) -> Curve25519.Signing.PrivateKey {
        // Any 32 bytes make an Ed25519 private key.
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: Data(SHA256.hash(data: Data("test-device-\(id)".utf8)))))
            ?? Curve25519.Signing.PrivateKey()
    }

    /// The enrolment request a device of this id sends with `code`.
    static func enrolment(_ code: String, _ id: String) -> EnrolRequest {
        EnrolRequest(code: code, device: id, signingKey: key(for: id).publicKey.rawRepresentation)
    }

    /// The next event of this device, chained after the previous one.
    mutating func event(_ tenant: String, _ payload: EventPayload, causal: Int64? = nil, effective: Date? = nil,
                        special: Set<String> = []) -> WireEvent {
        sequence += 1
        clock += 1000
        // A change is made no earlier than the date it takes effect, as on a real device.
        if let effective { clock = max(clock, Millis.from(effective)) }
        // Who records it, as a real device would: staff hold grants and set markers (pat), a second
        // member of staff confirms (sam, a supervisor: four eyes); tenants the rest.
        let actor: Actor
        switch payload {
        case .heldGrant, .marker: actor = .staff(StaffID("pat"), verification: "dob+postcode", reason: "tenant-request")
        case .verification: actor = .staff(StaffID("sam"), verification: StaffRules.RecordedMethod.supervisor, reason: "tenant-request")
        default: actor = .tenant
        }
        let channel: ConsentCore.Channel = actor == .tenant ? .kiosk : .phone
        var payload = payload
        if case .decision = payload { payload = Self.asRecorded(payload, tenant, actor, channel, effective ?? Millis.date(clock), now: Millis.date(clock)) }
        if case .heldGrant = payload { payload = Self.asRecorded(payload, tenant, actor, channel, effective ?? Millis.date(clock), now: Millis.date(clock)) }
        var values: [WireValue] = []
        let recorded: [(AttributeID, AttributeValue)]
        switch payload {
        case .registration(let initial): recorded = initial.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        case let .correction(attribute, value, _): recorded = [(attribute, value)]
        default: recorded = []
        }
        for (attribute, value) in recorded {
            let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
            let digest = ValueDigest.of(value, attribute: attribute, salt: salt)
            if special.contains(attribute.rawValue) {
                values.append(WireValue(attribute: attribute.rawValue, preferNot: value == .preferNotToSay, digest: digest,
                                        keyID: "key-1", sealed: Data((0..<40).map { _ in UInt8.random(in: 0...255) })))
            } else {
                values.append(WireValue(attribute: attribute.rawValue, text: value.text, preferNot: value == .preferNotToSay, salt: salt, digest: digest))
            }
        }
        let event = Event(id: EventID(device: DeviceID(id), sequence: sequence), tenant: TenantRef(tenant),
                          hlc: HLCTimestamp(millis: clock), effectiveAt: effective ?? Millis.date(clock),
                          actor: actor, channel: channel, causalContext: causal, payload: payload)
        let record = EventRecord(event, valuesDigest: recorded.isEmpty ? nil : ValueDigest.combine(values.map { (AttributeID($0.attribute), $0.digest) }))
        let hash = record.hash(after: head)
        head = hash
        return WireEvent(record: record, hash: hash, values: values)
    }

    /// A decision or held grant as a real device records it: through `ChangeRules`, which gives a consent grant the end
    /// its purpose gives it (24 months for the shipped Forms). One the rules refuse is sent as given (a refusal test's).
    static func asRecorded(_ payload: EventPayload, _ tenant: String, _ actor: Actor, _ channel: ConsentCore.Channel, _ effective: Date, now: Date) -> EventPayload {
        let request = ChangeRequest(tenant: TenantRef(tenant), payload: payload, actor: actor, channel: channel, effectiveAt: effective)
        return (try? ChangeRules.check(request, validator: Shipped.content.validator, now: now))?.payload ?? payload
    }

    mutating func decision(_ tenant: String, _ purpose: String, _ attributes: [String], _ state: DecisionState,
                           causal: Int64? = nil, effective: Date? = nil) -> WireEvent {
        event(tenant, .decision(PurposeID(purpose), attributes.map { AttributeID($0) }, state, notice: NoticeShown(version: 1, language: "en"),
                                validUntil: nil), causal: causal, effective: effective)
    }

    func push(_ events: [WireEvent], dataKeys: [WireDataKey] = []) -> PushRequest {
        let head = signingKey.flatMap { key in
            events.last.flatMap { try? SignedHead(device: id, sequence: $0.record.sequence, hash: $0.hash, key: key) }
        }
        return PushRequest(device: id, events: events, dataKeys: dataKeys, head: head)
    }
}

/// A tenant's registration with ordinary values.
func registration(_ values: [String: String]) -> EventPayload {
    .registration(values: Dictionary(uniqueKeysWithValues: values.map { (AttributeID($0.key), AttributeValue.value($0.value)) }))
}

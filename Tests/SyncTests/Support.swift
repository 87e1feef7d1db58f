import CentralStore
import ConsentCore
import ConsentForms
import ConsentRegister
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import SyncServer
import TestSupport

/// What a transport does wrong on one call.
enum Fault: CaseIterable {
    case none
    /// The request never reaches the centre.
    case dropRequest
    /// The centre applies the request but its reply is lost.
    case dropReply
    /// The request reaches the centre twice; the device sees the second reply.
    case duplicate
}

/// Calls the central store in-process, through the same `CentralStore` the server uses (SQLite or
/// PostgreSQL), for one device, optionally with a fault on the first call. Every message goes
/// through the binary sync encoding both ways, as over HTTP, so every history the simulation makes
/// also proves that encoding loses nothing (the centre checks each record against its hash).
final class LocalTransport: SyncTransport, @unchecked Sendable {
    let store: any CentralStore
    let device: String
    private let lock = NSLock()
    private var fault: Fault
    /// Every push request sent, for replays.
    private(set) var sent: [PushRequest] = []

    init(store: any CentralStore, device: String, fault: Fault = .none) {
        self.store = store
        self.device = device
        self.fault = fault
    }

    private func record(_ request: PushRequest) {
        lock.lock(); defer { lock.unlock() }
        sent.append(request)
    }

    private func takeFault() -> Fault {
        lock.lock(); defer { lock.unlock() }
        let f = fault
        fault = .none
        return f
    }

    private func central<T>(_ body: () async throws(CentralStoreError) -> T) async throws(SyncFailure) -> T {
        do { return try await body() } catch { throw .refused(error) }
    }

    /// A message as the other side reads it after the binary encoding.
    private func wire<M: BinaryMessage>(_ message: M) throws(SyncFailure) -> M {
        do { return try BinaryWire.decode(M.self, from: Data(BinaryWire.encode(message))) } catch {
            throw .refused(.invalid("binary encoding failed: \(error)"))
        }
    }

    func push(_ sent: PushRequest) async throws(SyncFailure) -> PushResponse {
        record(sent)
        let request = try wire(sent)
        let fault = takeFault()
        if fault == .dropRequest { throw .unreachable("request lost") }
        let reply = try await central { () async throws(CentralStoreError) in try await store.push(request, from: device) }
        switch fault {
        case .dropReply: throw .unreachable("reply lost")
        case .duplicate: return try wire(try await central { () async throws(CentralStoreError) in try await store.push(request, from: device) })
        case .none, .dropRequest: return try wire(reply)
        }
    }

    func pull(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse {
        let fault = takeFault()
        if fault == .dropRequest { throw .unreachable("request lost") }
        let device = self.device
        let page = try await central { () async throws(CentralStoreError) in try await store.pull(after: cursor, limit: limit, for: device) }
        if fault == .dropReply { throw .unreachable("reply lost") }
        return try wire(page)
    }

    func offerStaff(_ offer: StaffRegistry) async throws(SyncFailure) -> StaffOfferReply {
        let device = self.device
        return try await central { () async throws(CentralStoreError) in try await store.adoptStaff(offer, from: device) }
    }

    /// Disclosures as they travel over HTTP: JSON both ways.
    func exchangeDisclosures(_ sent: DisclosureExchange) async throws(SyncFailure) -> DisclosureReply {
        let device = self.device
        do {
            let request = try JSONDecoder().decode(DisclosureExchange.self, from: JSONEncoder().encode(sent))
            let reply = try await central { () async throws(CentralStoreError) in try await store.exchangeDisclosures(request, from: device) }
            return try JSONDecoder().decode(DisclosureReply.self, from: JSONEncoder().encode(reply))
        } catch let failure as SyncFailure {
            throw failure
        } catch {
            throw .refused(.invalid("JSON encoding failed: \(error)"))
        }
    }

    /// Sign-in tallies as they travel over HTTP: JSON both ways.
    func exchangeSignInTallies(_ sent: SignInTallies) async throws(SyncFailure) -> SignInTallies {
        let device = self.device
        do {
            let request = try JSONDecoder().decode(SignInTallies.self, from: JSONEncoder().encode(sent))
            let reply = try await central { () async throws(CentralStoreError) in try await store.exchangeSignInTallies(request, from: device) }
            return try JSONDecoder().decode(SignInTallies.self, from: JSONEncoder().encode(reply))
        } catch let failure as SyncFailure {
            throw failure
        } catch {
            throw .refused(.invalid("JSON encoding failed: \(error)"))
        }
    }

    /// The registry as it arrives over HTTP: JSON both ways.
    func staff() async throws(SyncFailure) -> StaffRegistry {
        let registry = try await central { () async throws(CentralStoreError) in try await store.staffRegistry() }
        do { return try JSONDecoder().decode(StaffRegistry.self, from: JSONEncoder().encode(registry)) } catch {
            throw .refused(.invalid("JSON encoding failed: \(error)"))
        }
    }
}

extension TenantRef: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

func register(_ ref: TenantRef, _ values: [String: String]) -> ChangeRequest {
    ChangeRequest(tenant: ref, payload: .registration(values: Dictionary(uniqueKeysWithValues: values.map {
        (AttributeID($0.key), AttributeValue.value($0.value))
    })), actor: .system("test"), channel: .importFile)
}

func decide(_ ref: TenantRef, _ purpose: String, _ attributes: [String], _ state: DecisionState, at: Date? = nil) -> ChangeRequest {
    ChangeRequest(tenant: ref, payload: .decision(
        PurposeID(purpose), attributes.map { AttributeID($0) }, state,
        notice: state == .granted ? NoticeShown(version: 1, language: "en") : nil, validUntil: nil),
        actor: .tenant, channel: .kiosk, effectiveAt: at)
}

/// The key every database of a test shares (one organisation, one key-encryption key).
let sharedKey = KeyEncryptionKey.generate()

/// A centre and enrolled devices in a temporary folder.
struct Network {
    let folder: TempFolder
    let centre: Centre
    var devices: [ConsentDatabase]
    let clocks: [ManualClock]
    var backend: Backend { centre.backend }
    /// The members of staff the centre's registry holds, whose changes devices may push.
    static let staff = ["S1", "S2", "S3", "sam", "pat"] + DemoRegister.staff.map(\.id)

    /// The start of every clock. Both centres read the test's clock; a PostgreSQL network starts now
    /// (its throwaway server's own times, such as the purpose views' `clock_timestamp()`, are real).
    static func start(_ backend: Backend) -> Date {
        backend == .sqlite ? Date(timeIntervalSince1970: 1_790_000_000) : Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
    }

    /// Creates a centre on `backend` with `tenants` registered, and `count` devices enrolled and synced once.
    /// `count` devices enrolled at a new centre, device `i` as `kinds[i]` (a staff terminal when not given).
    static func make(_ backend: Backend, devices count: Int, tenants: [TenantRef], kinds: [DeviceKind] = []) async throws -> Network {
        let folder = try TempFolder()
        let start = start(backend)
        let clocks = (0...count).map { _ in ManualClock(start) }
        let centreClock = clocks[count]
        let centre: Centre
        switch backend {
        case .sqlite:
            centre = Centre(sqlite: try ConsentDatabase.create(at: folder.path("centre.sqlite"), validator: Shipped.content.validator,
                                                               device: DeviceID("centre"), clock: { centreClock.read() }, key: sharedKey, centre: true))
        case .postgres:
            centre = try await Centre.postgres(officePath: folder.path("office.sqlite"), clock: centreClock)
        }
        try await centre.registerStaff(Network.staff)
        try await centre.record(tenants.enumerated().map { i, ref in
            register(ref, ["full-name": "Tenant \(i)", "email": "t\(i)@example.org", "mobile": "0770090012\(i % 10)", "ethnic-origin": "white-irish"])
        })
        var devices: [ConsentDatabase] = []
        for i in 0..<count {
            let clock = clocks[i]
            let db = try ConsentDatabase.create(at: folder.path("device\(i).sqlite"), validator: Shipped.content.validator,
                                                device: DeviceID("kiosk-\(i)"), clock: { clock.read() }, key: sharedKey)
            try await centre.enrol(db, kind: i < kinds.count ? kinds[i] : .staff)
            _ = try await SyncClient(database: db, transport: LocalTransport(store: centre.store, device: db.device.rawValue)).syncOnce()
            devices.append(db)
        }
        return Network(folder: folder, centre: centre, devices: devices, clocks: clocks)
    }

    func transport(_ i: Int, fault: Fault = .none) -> LocalTransport {
        LocalTransport(store: centre.store, device: devices[i].device.rawValue, fault: fault)
    }

    func client(_ i: Int, fault: Fault = .none) -> SyncClient {
        SyncClient(database: devices[i], transport: transport(i, fault: fault))
    }

    /// Syncs every device until all have everything (two rounds: push all, then pull all).
    func heal() async throws {
        for _ in 0..<2 { for i in devices.indices { _ = try await client(i).syncOnce() } }
    }

    /// The centre and every device agree on the tenant's decisions, and every check passes: the
    /// centre's own (read through its backend) and each device's `ledger verify`.
    func problems() async throws -> [String] {
        var found = try await centre.problems().map { "centre: \($0)" }
        for db in devices { found += try db.verify().problems.map { "\(db.device): \($0)" } }
        return found
    }
}

extension ServerLimits {
    /// The server's limits for a test that keeps one HTTP connection (HummingbirdTesting's live client) over
    /// many steps: a loaded full run can leave more than the default 10 s between two requests, and the idle
    /// close then fails the next one with "I/O on closed channel" (CI once did). A real device reconnects.
    static var patientTestClient: ServerLimits {
        var limits = ServerLimits()
        limits.idleTimeout = .seconds(600)
        return limits
    }
}

extension HTTPTransport {
    /// A device's client of a test server on 127.0.0.1 on `port` that waits up to ten minutes for an answer. A loaded
    /// full run (both cores held by tests that wait on programs) can leave the server's handlers without a thread for
    /// longer than a device's 30 s, and "no answer in time" then failed tests whose centre answered correctly.
    static func toTestServer(port: Int, device: String, secret: String) throws -> HTTPTransport {
        guard let url = URL(string: "http://127.0.0.1:\(port)/") else { throw SyncFailure.unreachable("no URL for port \(port)") }
        return try HTTPTransport(server: url, device: device, secret: secret, timeout: 600)
    }
}

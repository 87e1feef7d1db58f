import CentralStore
import CentralStoreSQLite
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOPosix
import Synchronization
@testable import SyncServer
import Testing
import TestSupport

/// A SQLite centre in a temporary folder with one enrolled device, and a `SyncServer` on it whose
/// refusal windows follow a clock the test moves.
struct ServedCentre: Sendable {
    let folder: URL
    let centre: ConsentDatabase
    let device: ConsentDatabase
    let secret: String
    let clock: ManualClock
    let server: SyncServer

    static func make(_ limits: ServerLimits = ServerLimits()) async throws -> ServedCentre {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = KeyEncryptionKey.generate()
        let centre = try ConsentDatabase.create(at: folder.appendingPathComponent("centre.sqlite").path, validator: Shipped.content.validator,
                                                device: DeviceID("centre"), key: key, centre: true)
        let device = try ConsentDatabase.create(at: folder.appendingPathComponent("kiosk.sqlite").path, validator: Shipped.content.validator,
                                                device: DeviceID("kiosk-a"), key: key)
        let store = SQLiteCentralStore(database: centre)
        let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 3600)
        let enrolment = try await store.enrol(EnrolRequest(code: code, device: "kiosk-a", signingKey: try device.signingKey().publicKey.rawRepresentation))
        // Ten tenants registered on the device, waiting in its outbox.
        _ = try device.record((0..<10).map { i in
            ChangeRequest(tenant: TenantRef("T\(1_000 + i)"), payload: .registration(values: [AttributeID("full-name"): .value("Tenant \(i)")]),
                          actor: .system("test"), channel: .importFile)
        })
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_040))
        var logger = Logger(label: "sync-server-tests")
        logger.logLevel = .critical
        let server = SyncServer(store: store, logger: logger, limits: limits, now: { clock.read() })
        return ServedCentre(folder: folder, centre: centre, device: device, secret: enrolment.secret, clock: clock, server: server)
    }

    /// The device's credential.
    var credential: HTTPFields { [.authorization: "Bearer kiosk-a:\(secret)"] }

    /// The centre's audit log, oldest first.
    func audit() throws -> [String] { try centre.syncAudit().map(\.what) }

    /// The events the centre holds.
    func centralEvents() throws -> Int { try centre.verify().events }

    /// The server as an application on a free port of the loopback interface.
    func application() throws -> some ApplicationProtocol { try server.application(host: "127.0.0.1", port: 0) }

    /// Runs `test` against the server live on a free loopback port, its connections on an event loop of
    /// their own rather than NIO's shared singleton. A connection's idle timer fires on the loop that
    /// owns the connection; on the singleton, that loop also carries every other suite's networking in
    /// this process (postgres-nio, AsyncHTTPClient, other servers), which can hold it for seconds under
    /// full-suite load, so a 1 s timer came due long after its second. Tests that time closes use this.
    func live<Value>(_ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let value = try await server.application(host: "127.0.0.1", port: 0, eventLoopGroup: group).test(.live, test)
            try await group.shutdownGracefully()
            return value
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Waits up to `seconds` for `condition`, checking every 50 ms (with `Task.sleep`: the server's
    /// tasks need the test process's threads meanwhile).
    static func waitFor(_ seconds: Double = 10, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try condition()
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

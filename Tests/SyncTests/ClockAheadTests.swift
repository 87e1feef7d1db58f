import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import SyncEngine
import SyncProtocol
import SyncServer
import Testing
import TestSupport

/// A device whose clock is or was ahead, over a real HTTP server on 127.0.0.1, both centres (review 3, G1 and
/// G3): the centre does not take a change dated more than a day ahead of its clock (the device keeps it and is
/// told why), the device then refuses to record more, and an erasure at the centre leaves no value behind;
/// sign-in counts and clears dated ahead lock no one out of fetch on demand.
@Suite struct ClockAheadTests {
    static let day: TimeInterval = 86_400

    /// Serves `centre` over HTTP on 127.0.0.1 and gives `body` a sync client of `device` that goes through it.
    static func overHTTP<T: Sendable>(_ centre: Centre, _ device: ConsentDatabase, _ body: @Sendable @escaping (SyncClient) async throws -> T) async throws -> T {
        var logger = Logger(label: "clock-tests")
        logger.logLevel = .critical
        let app = try SyncServer(store: centre.store, logger: logger, limits: .patientTestClient).application(host: "127.0.0.1", port: 0)
        let secret = try #require(try device.syncSettings()).secret
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            let transport = try HTTPTransport.toTestServer(port: port, device: device.device.rawValue, secret: secret)
            return try await body(SyncClient(database: device, transport: transport))
        }
    }

    @Test(arguments: Backend.allCases)
    func aChangeFromADeviceWhoseClockIsAheadIsNotTakenAndAnErasureAtTheCentreLeavesNoValue(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: ["T0000001"])
        let device = net.devices[0], clock = net.clocks[0]
        // The device's clock runs three days ahead (a dead battery, a wrong time zone, a tampered kiosk).
        clock.advance(by: 3 * Self.day)
        try device.record([ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("email"), .value("stuck@example.org"), pending: false),
                                         actor: .tenant, channel: .kiosk)])
        let report = try await Self.overHTTP(net.centre, device) { client in try await client.syncOnce() }
        #expect(report.rejected.count == 1 && report.rejected[0].contains("clock is or was ahead; set it right"),
                "the centre took a change dated three days ahead: \(report.rejected)")
        #expect(try await net.centre.audit().contains { $0.contains("hours ahead of the centre's clock") }, "the centre's audit does not name it")

        // Its clock set right again, the device records nothing more, and says what to do.
        clock.advance(by: -3 * Self.day)
        do {
            try device.record([ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("email"), .value("later@example.org"), pending: false),
                                             actor: .tenant, channel: .kiosk)])
            Issue.record("a device whose clock ran three days ahead recorded a change dated ahead")
        } catch {
            #expect(error.description.contains("Set the system clock right"), "\(error.description)")
        }

        // Staff at the centre carry out an erasure of the email: no value is left there.
        try await net.centre.record([ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("email")), actor: .system("test"), channel: .system)])
        let held = try await net.centre.heldValues().other
        #expect(!held.contains("stuck@example.org") && !held.contains("t0@example.org"), "an erased email is still held at the centre: \(held)")
    }

    /// What a centre took before such were refused: five failures with `ref` and a clear before them, dated in 2100.
    static func poison(_ centre: Centre, ref: String) async throws {
        let future: Int64 = 4_102_444_800_000
        let statements = [
            "INSERT INTO sign_in_tally (ref, device, failures, first_at, last_at) VALUES ('\(ref)', 'kiosk-gone', 5, \(future + 1), \(future + 1))",
            "INSERT INTO sign_in_clear (ref, at) VALUES ('\(ref)', \(future))",
        ]
        if centre.backend == .sqlite {
            try centre.recorder.write { db in for sql in statements { try db.execute(sql: sql) } }
        } else {
            for sql in statements { try await Centre.admin(sql, database: try #require(centre.databaseName)) }
        }
    }

    @Test(arguments: Backend.allCases)
    func signInCountsAndClearsDatedAheadLockNoOneOutOfFetchOnDemand(backend: Backend) async throws {
        let offices = try await FetchOnDemandTests.make(backend)
        let visitor = FetchOnDemandTests.visitor.rawValue, south = offices.south.device.rawValue
        try await FetchOnDemandTests.serve(offices) { _, centre in
            // A kiosk reports five failures with the visitor's reference dated in 2100, over HTTP: left out (the rest of
            // a report is taken), and the answer carries no count of them.
            let future: Int64 = 4_102_444_800_000
            let forged = SignInTallies(entries: [SignInTallies.Entry(ref: visitor, device: south, failures: 5, firstAt: future, lastAt: future)])
            let answer = try await centre.client.transport.exchangeSignInTallies(forged)
            #expect(!answer.entries.contains { $0.ref == visitor }, "the centre took failures dated in 2100: \(answer.entries)")
            #expect(await FetchKiosk.fetch(centre, FetchOnDemandTests.visitor, dateOfBirth: FetchOnDemandTests.born) == .fetched,
                    "the visitor is held back by a report dated ahead")
        }
    }

    @Test(arguments: Backend.allCases)
    func countsAndAClearDatedAheadThatACentreOnceTookLockNoOneOut(backend: Backend) async throws {
        let offices = try await FetchOnDemandTests.make(backend)
        let visitor = FetchOnDemandTests.visitor
        // What a centre took before such were refused: five failures and a clear, both dated in 2100.
        try await Self.poison(offices.net.centre, ref: visitor.rawValue)
        try await FetchOnDemandTests.serve(offices) { _, centre in
            // One wrong date of birth is one failure now, not a lock until 2100.
            #expect(await FetchKiosk.fetch(centre, visitor, dateOfBirth: FetchThrottleTests.wrongBirth) == .notFound)
            #expect(await FetchKiosk.fetch(centre, visitor, dateOfBirth: FetchOnDemandTests.born) == .fetched,
                    "the visitor is locked out by counts dated in 2100")
        }
    }
}

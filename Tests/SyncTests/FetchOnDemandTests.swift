import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import KioskUI
import Logging
import NIOCore
import SyncEngine
import SyncProtocol
import SyncServer
import Testing
import TestSupport

/// Fetch on demand (issue 18): a tenant of another office who signs in at a kiosk that can reach the
/// centre is fetched with the date of birth typed there (`POST /v1/tenant`, over a real HTTP server on
/// 127.0.0.1, both centres), then signs in there as at a first visit and changes their consent, which
/// syncs. A wrong date of birth and an unknown reference get the same answer, byte for byte, and
/// nothing; failures are counted and throttled at the centre; offline, the kiosk asks them to use the desk.
@Suite(.ownThreads) struct FetchOnDemandTests {
    typealias Offices = OfficeSyncTests.Offices
    /// A north tenant with a date of birth, whom the south kiosk does not hold.
    static let visitor: TenantRef = "N0000009"
    static let born = "1980-02-03"
    static let email = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))

    static func make(_ backend: Backend) async throws -> Offices {
        let offices = try await Offices.make(backend)
        try await offices.net.centre.record([
            register(visitor, ["full-name": "Name of \(visitor)", "email": "visitor@example.org", "office": "north", "date-of-birth": born]),
            decide(visitor, "service-updates-email", ["full-name", "email"], .granted),
        ])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        return offices
    }

    /// The server on both centres, and the south kiosk's way to it.
    static func serve<T: Sendable>(_ offices: Offices, _ body: @Sendable @escaping (Int, CentreFetch) async throws -> T) async throws -> T {
        var logger = Logger(label: "fetch-tests")
        logger.logLevel = .critical
        let app = try SyncServer(store: offices.net.centre.store, logger: logger, limits: .patientTestClient).application(host: "127.0.0.1", port: 0)
        let secret = try #require(try offices.south.syncSettings()).secret
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            let transport = try HTTPTransport.toTestServer(port: port, device: offices.south.device.rawValue, secret: secret)
            return try await body(port, CentreFetch(client: SyncClient(database: offices.south, transport: transport)))
        }
    }

    @Test(arguments: Backend.allCases)
    func aTenantOfAnotherOfficeIsFetchedAtSignInAndThenChangesTheirConsentAtThisKiosk(backend: Backend) async throws {
        let offices = try await Self.make(backend)
        let south = offices.south, clock = offices.net.clocks[0]
        #expect(try south.tenantState(Self.visitor) == nil, "the south kiosk does not hold a north tenant")
        try await Self.serve(offices) { _, centre in
            let kiosk = FetchKiosk(south, centre: centre, clock: { clock.read() })
            // They type their reference, date of birth and the PIN they use at the north kiosk.
            await kiosk.signIn(Self.visitor, dateOfBirth: "03/02/1980", pin: "482913")
            #expect(kiosk.signedIn == nil, "a PIN belongs to one kiosk")
            #expect(kiosk.words.contains(FetchKiosk.failedText), "\(kiosk.text)")
            let fetched = try #require(try south.tenantState(Self.visitor), "fetched from the centre")
            #expect(fetched.value(AttributeID("full-name")).answer == .value("Name of \(Self.visitor)"))
            #expect(fetched.decisions[Self.email]?.state == .granted)
            #expect(try await offices.net.centre.audit().contains { $0.contains("sent tenant \(Self.visitor)") }, "audited at the centre")
            #expect(try south.verify().problems.isEmpty)

            // At the desk they are given a code for this kiosk: a first visit, then their choice.
            let code = try south.issueSignInCode(Self.visitor, by: .staff(StaffID("S1"), verification: "photo-id", reason: "kiosk-support"), channel: .phone)
            let visit = FetchKiosk(south, centre: centre, clock: { clock.read() })
            await visit.firstVisit(Self.visitor, dateOfBirth: "03/02/1980", code: code, pin: "527364")
            #expect(visit.signedIn == Self.visitor, "\(visit.text)")
            await visit.submit(.use(PurposeID("service-updates-email")))
            await visit.submit(.setUse(.withdrawn))
            #expect(try south.tenantState(Self.visitor)?.decisions[Self.email]?.state == .withdrawn)
        }
        try await offices.sync(south)
        #expect(try await offices.net.centre.decisions(Self.visitor)[Self.email]?.state == .withdrawn, "the change reached the centre")
        // Having changed them here, the south kiosk follows them (docs/sync.md), and every chain verifies.
        try await offices.sync(south)
        #expect(try south.tenantState(Self.visitor) != nil)
        #expect(try south.verify().problems.isEmpty)
        #expect(try await offices.net.centre.problems().isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aWrongDateOfBirthAndAnUnknownReferenceGetTheSameAnswerAndRepeatedTriesAreThrottled(backend: Backend) async throws {
        let offices = try await Self.make(backend)
        let south = offices.south, clock = offices.net.clocks[0]
        let secret = try #require(try south.syncSettings()).secret
        var logger = Logger(label: "fetch-tests")
        logger.logLevel = .critical
        let app = try SyncServer(store: offices.net.centre.store, logger: logger, limits: .patientTestClient).application(host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            func ask(_ ref: String, _ dob: String) async throws -> (status: Int, body: String, retry: String?) {
                let json = try JSONEncoder().encode(TenantFetchRequest(tenant: ref, dateOfBirth: dob))
                return try await client.execute(uri: "/v1/tenant", method: .post,
                                                headers: [.authorization: "Bearer \(south.device.rawValue):\(secret)", .contentType: "application/json"],
                                                body: ByteBuffer(bytes: json)) { reply in
                    (Int(reply.status.code), String(buffer: reply.body), reply.headers[.retryAfter])
                }
            }
            let wrong = try await ask(Self.visitor.rawValue, "1980-02-04")
            let unknown = try await ask("Q0000001", "1980-02-03")
            #expect(wrong.status == 404)
            #expect(wrong.status == unknown.status && wrong.body == unknown.body, "\(wrong) / \(unknown)")
            #expect(!wrong.body.contains(Self.visitor.rawValue))

            // Through the kiosk: a wrong date of birth stores nothing and says what every failure says.
            let port = try #require(client.port)
            let transport = try HTTPTransport.toTestServer(port: port, device: south.device.rawValue, secret: secret)
            let kiosk = FetchKiosk(south, centre: CentreFetch(client: SyncClient(database: south, transport: transport)), clock: { clock.read() })
            await kiosk.signIn(Self.visitor, dateOfBirth: "04/02/1980", pin: "482913")
            #expect(kiosk.words.contains(FetchKiosk.failedText), "\(kiosk.text)")
            #expect(try south.tenantState(Self.visitor) == nil)

            // The reference has failed twice at the centre. Right after a third, even the right date is held
            // back (`SignInThrottle`: 2 s); after the fifth, it is locked for a quarter of an hour.
            _ = try await ask(Self.visitor.rawValue, "1999-01-01")
            let held = try await ask(Self.visitor.rawValue, Self.born)
            #expect(held.status == 429 && held.retry == "2", "\(held)")
            #expect(held.status == 429 && held.body.contains("\"hold\":\"wait\""), "the centre says it is a wait: \(held.body)")
            for failures in 3..<5 {
                await Self.pass(SignInThrottle.delay(afterFailures: failures), clock, backend)
                #expect(try await ask(Self.visitor.rawValue, "1999-01-01").status == 404)
            }
            let locked = try await ask(Self.visitor.rawValue, Self.born)
            #expect(locked.status == 429 && (Int(locked.retry ?? "") ?? 0) > 800, "\(locked)")
            #expect(locked.body.contains("\"hold\":\"lock\""), "the centre says it is a lock: \(locked.body)")
            #expect(!locked.body.contains("Name of") && !locked.body.contains(Self.visitor.rawValue))
            // An unknown reference is counted and locked alike.
            for failures in 1..<5 {
                await Self.pass(SignInThrottle.delay(afterFailures: failures), clock, backend)
                #expect(try await ask("Q0000001", "1980-02-03").status == 404)
            }
            let unknownLocked = try await ask("Q0000001", "1980-02-03")
            #expect(unknownLocked.status == 429 && unknownLocked.body == locked.body.replacingOccurrences(of: locked.retry ?? "-", with: unknownLocked.retry ?? "-"),
                    "\(unknownLocked) / \(locked)")
            #expect(try south.tenantState(Self.visitor) == nil, "nothing was fetched")
        }
        // The failures travel to every kiosk like failed sign-ins there.
        try await offices.sync(offices.north)
        #expect(try offices.north.signInFailures(Self.visitor) == 5)
        #expect(try offices.north.signInFailures("Q0000001") == 5)
    }

    /// Lets `seconds` pass at the centre (both centres read the test's clock).
    static func pass(_ seconds: Int, _ clock: ManualClock, _ backend: Backend) async {
        guard seconds > 0 else { return }
        clock.advance(by: Double(seconds) + 0.5)
    }

    @Test(arguments: Backend.allCases)
    func aDeviceThatKeepsFailingWithAnyReferencesIsHeldBack(backend: Backend) async throws {
        let offices = try await Self.make(backend)
        try await Self.serve(offices) { _, centre in
            for i in 0..<TenantFetchCheck.deviceFailures {
                let outcome = await FetchKiosk.fetch(centre, TenantRef("Q00000\(10 + i)"), dateOfBirth: "1970-01-01")
                #expect(outcome == .notFound)
            }
            let outcome = await FetchKiosk.fetch(centre, Self.visitor, dateOfBirth: Self.born)
            guard case .throttled(.locked(let seconds)) = outcome else { Issue.record("answered: \(outcome)"); return }
            #expect(seconds > 0 && seconds <= 900)
        }
        #expect(try offices.south.tenantState(Self.visitor) == nil)
    }

    @Test func offlineOrNotEnrolledTheKioskAsksThemToUseTheDeskAndStoresNothing() async throws {
        let offices = try await Self.make(.sqlite)
        let south = offices.south, clock = offices.net.clocks[0]
        let secret = try #require(try south.syncSettings()).secret
        let nowhere = try HTTPTransport(server: try #require(URL(string: "http://127.0.0.1:9/")), device: south.device.rawValue, secret: secret)
        let held: Int = try south.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tenant") ?? 0 }
        var answers: [String] = []
        for centre in [CentreFetch(client: SyncClient(database: south, transport: nowhere)) as (any TenantFetching)?, nil] {
            let kiosk = FetchKiosk(south, centre: centre, clock: { clock.read() })
            await kiosk.signIn(Self.visitor, dateOfBirth: "03/02/1980", pin: "482913")
            #expect(kiosk.signedIn == nil)
            #expect(kiosk.words.contains(FetchKiosk.failedText), "\(kiosk.text)")
            answers.append(kiosk.text)
        }
        // A tenant held here with a wrong PIN reads exactly the same: nothing tells which references are held.
        try south.setPIN("482913", for: Offices.southTenants[0], actor: .tenant, channel: .kiosk)
        let kiosk = FetchKiosk(south, centre: nil, clock: { clock.read() })
        await kiosk.signIn(Offices.southTenants[0], dateOfBirth: "03/02/1980", pin: "529146")
        answers.append(kiosk.text)
        #expect(Set(answers).count == 1, "\(answers)")
        #expect(try south.tenantState(Self.visitor) == nil)
        #expect(try south.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tenant") ?? 0 } == held)
    }
}

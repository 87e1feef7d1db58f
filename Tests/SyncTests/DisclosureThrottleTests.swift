import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SyncEngine
import SyncProtocol
import SyncServer
import Testing
import TestSupport

/// A device over the centre's limit of exchanges that send export records (`ServerLimits.disclosureExchangesPerWindow`)
/// is told so, not that its network is turned away, and the rest of its sync still runs (review 2, F1): over a real
/// HTTP server on 127.0.0.1 with a limit of one, both centres.
@Suite struct DisclosureThrottleTests {
    typealias Offices = OfficeSyncTests.Offices

    @Test(arguments: Backend.allCases) func aThrottledDeviceIsToldItsExportRecordsWaitAndTheRestOfItsSyncRuns(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let (north, n1, e1) = (offices.north, Offices.northTenants[0], Offices.everyone)
        var limits = ServerLimits.patientTestClient
        limits.disclosureExchangesPerWindow = 1
        let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
        var logger = Logger(label: "disclosure-throttle-tests")
        logger.logLevel = .critical
        let app = try SyncServer(store: offices.net.centre.store, logger: logger, limits: limits, now: { clock.read() })
            .application(host: "127.0.0.1", port: 0)
        let secret = try #require(try north.syncSettings()).secret
        @Sendable func record(_ id: String) throws {
            try north.recordDisclosures(exportID: id, purpose: "tenancy-management", recipient: "landlord-staff", columns: DisclosureSyncTests.columns,
                                        operator: "clerk", [(tenant: e1, mask: UInt64(1))])
        }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let transport = try HTTPTransport.toTestServer(port: port, device: north.device.rawValue, secret: secret)
            let sync = SyncClient(database: north, transport: transport)
            try record("exp-first01")
            _ = try await sync.syncOnce()

            // Before the next sync: a second export here; at the centre a withdrawal, an export, a new member of staff;
            // and failed sign-ins here for the other kiosks to slow.
            try record("exp-second1")
            let email = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
            try await offices.net.centre.record([decide(n1, "service-updates-email", ["email"], .withdrawn)])
            try await DisclosureSyncTests.exportAtCentre(offices.net, id: "exp-centre01", [(n1, 0b01)])
            try await offices.net.centre.registerStaff(["newcomer"], role: .support)
            for _ in 0..<3 { _ = try north.signIn(n1, dateOfBirth: "01/01/1970", secret: "000000") }

            var failure: SyncFailure?
            do throws(SyncFailure) { _ = try await sync.syncOnce() } catch { failure = error }
            let said = failure?.description ?? "no failure"
            let throttled = if case .deviceThrottled? = failure { true } else { false }
            #expect(throttled, "\(said)")
            #expect(!said.contains("network") && said.contains("export records") && said.contains("next sync"), "\(said)")
            // The rest of the sync ran: the pull, the centre's export, the staff registry, the sign-in counts.
            #expect(try north.tenantState(n1)?.decisions[email]?.state == .withdrawn, "the pull did not run")
            #expect(try DisclosureSyncTests.disclosures(north, n1).map(\.exportID) == ["exp-centre01"], "the centre's export was not received")
            #expect(try north.staffMember("newcomer") != nil, "the staff registry was not adopted")
            _ = try await Offices.sync(offices.south, offices.net)
            #expect(try offices.south.signInFailures(n1) == 3, "the sign-in counts were not sent")
            #expect(try DisclosureSyncTests.disclosures(offices.south, e1).map(\.exportID) == ["exp-first01"], "the held export went early")

            // The next window takes the held export record.
            clock.advance(by: 61)
            _ = try await sync.syncOnce()
        }
        _ = try await Offices.sync(offices.south, offices.net)
        #expect(try DisclosureSyncTests.disclosures(offices.south, e1).map(\.exportID).sorted() == ["exp-first01", "exp-second1"])
    }
}

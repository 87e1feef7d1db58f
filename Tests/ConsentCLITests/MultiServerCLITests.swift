import ConsentStore
import Foundation
import ProgramRunner
import Testing
import TestSupport

/// Several `consent serve` processes on one PostgreSQL centre, as behind a load balancer: devices
/// push and pull through both at once, and each round a device may reach the other server.
@Suite(.serialized, .ownThreads) struct MultiServerCLITests {
    /// Points a kiosk at another server (what a load balancer does between two requests).
    func point(_ db: String, at server: SyncCLITests.Server) throws {
        let content = try #require(VaultCLITests.content)
        let device = try ConsentDatabase.open(at: db, validator: content.validator)
        defer { try? device.close() }
        let settings = try #require(try device.syncSettings())
        try device.saveSyncSettings(SyncSettings(server: server.url, secret: settings.secret, caFile: settings.caFile))
    }

    @Test func twoServersOnOnePostgreSQLLoseAndDoubleNothing() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, .postgres, tenants: 20)
        let servers = [try SyncCLITests.Server(store: centre.arguments), try SyncCLITests.Server(store: centre.arguments)]
        let kiosks = try (0..<4).map { try SyncCLITests().enrolKiosk(cli, "kiosk-\($0)", server: servers[$0 % 2], centre: centre) }
        for kiosk in kiosks { #expect(try cli.run(["sync", "--db", kiosk]).status == 0, "the register arrives") }
        let initial = try centre.events(cli)
        var recorded = 0
        for round in 0..<3 {
            // Each kiosk records a paper campaign offline, then all four sync at once in small batches,
            // kiosk i through server (i + round) % 2.
            for (i, kiosk) in kiosks.enumerated() {
                let file = try SyncCrashTests().campaign(cli, "k\(i)-r\(round).csv", count: 60, offset: i * 7 + round)
                let record = try cli.run(["record", "--batch", file, "--channel", "paper", "--staff", "S1", "--password-stdin", "--db", kiosk], stdin: Data("correct horse battery\n".utf8))
                #expect(record.status == 0, "\(record.stderr)")
                recorded += 60
                try point(kiosk, at: servers[(i + round) % 2])
            }
            let syncs = try kiosks.map { try CLI.start(["sync", "--db", $0, "--push-batch", "7", "--pull-page", "13"]) }
            #expect(syncs.allSatisfy { $0.waitForExit().succeeded }, "round \(round): every sync through either server succeeds")
        }
        // Everyone catches up with everything (through the other server than last time).
        for (i, kiosk) in kiosks.enumerated() {
            try point(kiosk, at: servers[(i + 1) % 2])
            #expect(try cli.run(["sync", "--db", kiosk]).status == 0)
        }
        let audit = try centre.auditVerify(cli)
        #expect(audit.ok && audit.signedHeadsChecked, "\(audit.output)")
        #expect(audit.events == initial + recorded, "each event at the centre once: \(audit.events) against \(initial) + \(recorded)")
        let postgres = try ThrowawayPostgres.shared()
        let database = try #require(centre.url.flatMap { URL(string: $0)?.lastPathComponent })
        let numbers = try postgres.query("SELECT count(*), min(central_seq), max(central_seq), count(DISTINCT (device_no, device_seq)) FROM ledger",
                                         database: database)
        #expect(numbers == "\(audit.events)|1|\(audit.events)|\(audit.events)", "central numbers 1...N without a gap, no event twice: \(numbers)")
        for kiosk in kiosks {
            #expect(try SyncCrashTests().events(cli, kiosk) == audit.events, "\(kiosk) holds what the centre holds")
            let status = try cli.run(["sync", "--status", "--json", "--db", kiosk])
            #expect((try status.json() as? [String: Any])?["unsent"] as? Int == 0, "\(kiosk): nothing left to send: \(status.stdout)")
        }
    }
}

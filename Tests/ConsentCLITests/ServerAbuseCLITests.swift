import ConsentStore
import Foundation
import Testing
import TestSupport

/// `consent serve` under a flood of requests without a valid credential, as a real process on
/// 127.0.0.1, on each centre: throttled per address, one audit row per address per minute, and a
/// device behind the throttled address told to try later, losing nothing.
@Suite(.serialized, .ownThreads) struct ServerAbuseCLITests {
    /// The numbers an audit row for a window of refusals gives: refused, and answered 429.
    func counts(_ row: String) -> (refused: Int, throttled: Int) {
        let refused = row.firstMatch(of: /refused between .*?: (\d+) \(/).flatMap { Int($0.1) } ?? 0
        let throttled = row.firstMatch(of: /; (\d+) more answered 429/).flatMap { Int($0.1) } ?? 0
        return (refused, throttled)
    }

    @Test(arguments: Backend.allCases) func aFloodOfBadCredentialsIsThrottledPerAddressAndAuditedOnceAMinute(backend: Backend) async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let (centre, server, kiosk) = try SyncCLITests.servedKiosk(cli, backend, tenants: 5)
        #expect(try cli.run(["record", "--password-stdin", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                             "--staff", "S1", "--db", kiosk], stdin: Data("correct horse battery\n".utf8)).status == 0)
        let events = try centre.events(cli)
        let before = try await centre.auditLog().count
        var statuses: [Int: Int] = [:]
        for _ in 0..<1_000 {
            let reply = try SyncCLITests.Server.request("\(server.url)/v1/pull?cursor=0", headers: ["Authorization": "Bearer kiosk-a:wrong"])
            statuses[reply.status, default: 0] += 1
        }
        // 30 refusals a minute (one already spent by the enrolment code tried twice), then 429 until the minute
        // ends; the flood may straddle one minute's end.
        #expect((29...60).contains(statuses[401] ?? 0) && statuses[429, default: 0] >= 940 && statuses[401, default: 0] + statuses[429, default: 0] == 1_000,
                "\(statuses)")
        #expect(try await centre.auditLog().count <= before + 1, "no durable write per refused request")
        // Another address is not held back (loopback has all of 127.0.0.0/8) ...
        let secret = try #require(try ConsentDatabase.metadata("sync_secret", at: kiosk))
        let elsewhere = try Subprocess.run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", "127.0.0.2",
                                                            "-H", "Authorization: Bearer kiosk-a:\(secret)", "\(server.url)/v1/pull?cursor=0"])
        #expect(elsewhere.stdout == "200", "another address is served: \(elsewhere.stdout) \(elsewhere.stderr)")
        // ... while the kiosk behind the throttled one is told to try later, and keeps its change.
        let sync = try cli.run(["sync", "--db", kiosk])
        if statuses[429, default: 0] > 0, sync.status != 0 {
            #expect(sync.stderr.contains("turning away requests from this network"), "\(sync.stderr)")
        }
        server.stopGracefully()
        let rows = try await centre.auditLog().dropFirst(before).filter { $0.hasPrefix("unauthenticated requests from 127.0.0.1 refused") }
        #expect((1...2).contains(rows.count), "one row per address per minute: \(rows)")
        let total = rows.map(counts).reduce(0) { $0 + $1.refused + $1.throttled }
        #expect(total >= 1_000, "every refused request is counted: \(rows)")
        // Served again, the kiosk's change arrives: nothing was lost.
        let again = try SyncCLITests.Server(store: centre.arguments, port: server.port)
        defer { again.stop() }
        let retry = try cli.run(["sync", "--db", kiosk])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(try centre.events(cli) == events + 1)
    }
}

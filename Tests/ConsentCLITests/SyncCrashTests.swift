import Foundation
import ProgramRunner
import Testing
import TestSupport

/// `kill -9` of the server (on a SQLite or a PostgreSQL centre) and of the client at many points of
/// push and pull: nothing acknowledged is lost, nothing is applied twice, and every device passes
/// `ledger verify` and the centre `audit verify` afterwards.
@Suite(.serialized, .ownThreads) struct SyncCrashTests {
    func events(_ cli: CLI, _ db: String) throws -> Int {
        let verify = try cli.run(["ledger", "verify", "--db", db, "--json"])
        #expect(verify.status == 0, "\(db): \(verify.stdout) \(verify.stderr)")
        return (try verify.json() as? [String: Any])?["events"] as? Int ?? -1
    }

    /// A paper campaign of `count` decisions for tenants 1–20, alternating grant and withdraw.
    func campaign(_ cli: CLI, _ name: String, count: Int, offset: Int) throws -> String {
        let today = ISO8601DateFormatter().string(from: Date()).prefix(10)
        var csv = "reference,attribute,purpose,decision,date signed,staff,form version\n"
        for i in 0..<count {
            csv += String(format: "T%07d,email,service-updates-email,%@,%@,S1,1\n", (i + offset) % 20 + 1,
                          (i + offset) % 2 == 0 ? "grant" : "withdraw", String(today))
        }
        return try cli.write(name, Data(csv.utf8))
    }

    @Test(arguments: Backend.allCases) func killingServerAndClientMidSyncLosesAndDoublesNothing(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 20)
        var server = try SyncCLITests.Server(store: centre.arguments)
        let port = server.port
        let a = try SyncCLITests().enrolKiosk(cli, "kiosk-a", server: server, centre: centre)
        #expect(try cli.run(["sync", "--db", a]).status == 0)
        let initial = try centre.events(cli)
        var recorded = 0
        let delays: [useconds_t] = [2_000, 15_000, 40_000, 80_000, 150_000, 250_000, 400_000, 600_000]
        for (round, delay) in delays.enumerated() {
            let file = try campaign(cli, "c\(round).csv", count: 150, offset: round)
            let record = try cli.run(["record", "--batch", file, "--channel", "paper", "--staff", "S1", "--password-stdin", "--db", a], stdin: Data("correct horse battery\n".utf8))
            #expect(record.status == 0, "\(record.stderr)")
            recorded += 150
            let client = try CLI.start(["sync", "--db", a, "--push-batch", "7", "--pull-page", "11"])
            usleep(delay)
            if round % 2 == 0 {
                kill(client.pid, SIGKILL)
            } else if let pid = server.pid {
                kill(pid, SIGKILL)
                usleep(100_000)
                server = try SyncCLITests.Server(store: centre.arguments, port: port)
            }
            client.waitForExit()
        }
        // A new device pulls everything while being killed at several points.
        let b = try SyncCLITests().enrolKiosk(cli, "kiosk-b", server: server, centre: centre)
        for delay in delays.prefix(5) {
            let client = try CLI.start(["sync", "--db", b, "--pull-page", "9"])
            usleep(delay)
            kill(client.pid, SIGKILL)
            client.waitForExit()
        }
        for db in [a, b, a, b] {
            let sync = try cli.run(["sync", "--db", db])
            #expect(sync.status == 0, "\(sync.stderr)")
        }
        let final = try centre.events(cli)
        #expect(final == initial + recorded, "every recorded event reached the centre exactly once")
        #expect(try events(cli, a) == final)
        #expect(try events(cli, b) == final)
        let again = try cli.run(["sync", "--db", a, "--json"])
        #expect((try again.json() as? [String: Any])?["pushed"] as? Int == 0, "nothing left unsent")
    }
}

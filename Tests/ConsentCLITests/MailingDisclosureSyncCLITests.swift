import Foundation
import Testing
import TestSupport

/// A mailing or an access answer written at a device reaches the centre's record like any export, and a
/// record the centre refuses stops nothing else: the device still pulls what changed elsewhere (a review
/// found that one `consent notify` stopped a device pulling for good).
@Suite(.ownThreads) struct MailingDisclosureSyncCLITests {
    static let password = Data("correct horse battery\n".utf8)

    @Test(arguments: Backend.allCases) func aMailingAndAnAccessAnswerReachTheCentreAndARefusedRecordStopsNoPull(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let (centre, server, kiosk) = try SyncCLITests.servedKiosk(cli, backend, tenants: 8)
        defer { server.stop() }
        let other = try SyncCLITests().enrolKiosk(cli, "kiosk-b", server: server, centre: centre)
        #expect(try cli.run(["sync", "--db", other]).status == 0)
        let held = "T0000001"  // holds an email address of their own in the demo

        let mailing = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update",
                                   "--out", cli.dir.appendingPathComponent("mail").path, "--db", kiosk])
        #expect(mailing.status == 0, "\(mailing.stderr)")
        let answer = try cli.run(["notify", "--template", "what-we-hold", "--tenant", held, "--out", cli.dir.appendingPathComponent("answer").path,
                                  "--db", kiosk])
        #expect(answer.status == 0, "\(answer.stderr)")
        let sync = try cli.run(["sync", "--db", kiosk])
        #expect(sync.status == 0, "a device's mailing stopped its sync: \(sync.stderr)")
        // The records reach the centre (a mailing that wrote to no one has none), each with the tenants its messages went to and no column beyond what they showed.
        let query = "SELECT columns || '|' || (SELECT count(*) FROM disclosure d WHERE d.export_no = e.no) FROM export e WHERE id LIKE 'mail-%' AND EXISTS (SELECT 1 FROM disclosure d WHERE d.export_no = e.no) ORDER BY columns"
        let atCentre = backend == .sqlite
            ? try Subprocess.run("/usr/bin/sqlite3", [centre.sqlite, query])
            : try Subprocess.run("/usr/bin/psql", [try #require(centre.url), "-Atc", query])
        let local = try Subprocess.run("/usr/bin/sqlite3", [kiosk, query])
        let rows = atCentre.stdout.split(separator: "\n").map(String.init)
        #expect(!rows.isEmpty && atCentre.stdout == local.stdout, "centre: \(atCentre.stdout) \(atCentre.stderr) kiosk: \(local.stdout)")
        #expect(rows.allSatisfy { !$0.contains("sexual-orientation") && !$0.contains("religion") }, "a mailing records columns it never showed: \(rows)")
        #expect(rows.contains { $0.hasPrefix("email,preferred-name,full-name,sex,address") && $0.hasSuffix("|1") }, "the access answer's record: \(rows)")

        // An export record the centre refuses (here a column its Forms do not have, as after a column is retired)...
        let own = try cli.run(["export", "--purpose", "tenancy-management", "--out", cli.dir.appendingPathComponent("k.csv").path, "--db", kiosk, "--json"])
        let ownID = try #require((try own.json() as? [String: Any])?["exportID"] as? String)
        #expect(try Subprocess.run("/usr/bin/sqlite3", [kiosk, "UPDATE export SET columns = 'retired-column' || substr(columns, instr(columns, ',')) WHERE id = '\(ownID)'"]).status == 0)
        // ...while another device withdraws a consent.
        let withdraw = try cli.run(["record", "--password-stdin", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                                    "--staff", "S1", "--db", other], stdin: Self.password)
        #expect(withdraw.status == 0, "\(withdraw.stderr)")
        #expect(try cli.run(["sync", "--db", other]).status == 0)
        // ...and the centre exports about the kiosk's tenants.
        let central = try cli.run(["export", "--purpose", "tenancy-management", "--out", cli.dir.appendingPathComponent("c.csv").path, "--json"] + centre.arguments)
        let centralID = try #require((try central.json() as? [String: Any])?["exportID"] as? String, "\(central.stderr)")
        let refused = try cli.run(["sync", "--db", kiosk])
        #expect(refused.status != 0 && refused.stderr.contains("everything else was synced") && refused.stderr.contains("retired-column"), "\(refused.stderr)")
        #expect(try SyncCLITests().emailUse(cli, kiosk).hasPrefix("withdrawn"), "the refused record stopped the pull of a withdrawal made elsewhere")
        let shown = try DisclosureSyncCLITests.shown(cli, kiosk, held).compactMap { $0["exportID"] as? String }
        #expect(shown.contains(centralID), "the refused record stopped the centre's export reaching the kiosk: \(shown)")
    }
}

import Foundation
import Testing

/// Staff are added and disabled once, at the centre, and every kiosk follows at its next sync:
/// through the real `consent serve` and `consent sync`.
@Suite struct StaffRegistryCLITests {
    @Test(arguments: Backend.allCases) func aMemberAddedAtTheCentreReachesTheKioskAndALeaverIsDisabledThere(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 5)
        let server = try SyncCLITests.Server(store: centre.arguments)
        let kiosk = try SyncCLITests().enrolKiosk(cli, "kiosk-a", server: server, centre: centre)
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0)

        let added = try cli.run(["staff", "add", "newcomer", "--role", "support", "--name", "New Comer", "--password-stdin"] + centre.arguments,
                                stdin: Data("correct horse battery\n".utf8))
        #expect(added.status == 0, "\(added.stderr)")
        let sync = try cli.run(["sync", "--db", kiosk])
        #expect(sync.status == 0 && sync.stdout.contains("Staff registry: 1 member(s) added or changed by the centre."), "\(sync.stdout) \(sync.stderr)")
        // They set their password on the kiosk as the centre named them; another role is someone else.
        let otherRole = try cli.run(["staff", "add", "newcomer", "--role", "dp-lead", "--name", "New Comer", "--password-stdin", "--db", kiosk],
                                    stdin: Data("a long password\n".utf8))
        #expect(otherRole.status != 0 && otherRole.stderr.contains("newcomer"), "\(otherRole.stderr)")
        let own = try cli.run(["staff", "add", "newcomer", "--role", "support", "--name", "New Comer", "--password-stdin", "--db", kiosk],
                              stdin: Data("a long password\n".utf8))
        #expect(own.status == 0, "\(own.stderr)")
        let login = try cli.run(["staff", "login", "newcomer", "--password-stdin", "--db", kiosk], stdin: Data("a long password\n".utf8))
        #expect(login.status == 0, "a desk session opened before they leave: \(login.stderr)")

        let disabled = try cli.run(["staff", "disable", "newcomer"] + centre.arguments)
        #expect(disabled.status == 0 && disabled.stdout.contains("newcomer is disabled"), "\(disabled.stdout) \(disabled.stderr)")
        let unknown = try cli.run(["staff", "disable", "nobody"] + centre.arguments)
        #expect(unknown.status != 0 && unknown.stderr.contains("nobody"), "\(unknown.stderr)")
        let again = try cli.run(["sync", "--db", kiosk, "--json"])
        let report = try again.json() as? [String: Any]
        #expect(again.status == 0 && report?["staff"] as? Int == 1, "\(again.stdout) \(again.stderr)")
        let withdraw = ["record", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "newcomer", "--db", kiosk]
        let bySession = try cli.run(withdraw)
        #expect(bySession.status != 0 && bySession.stderr.contains("newcomer's desk session has ended"), "a leaver's session ends: \(bySession.stderr)")
        let byLeaver = try cli.run(withdraw + ["--password-stdin"], stdin: Data("a long password\n".utf8))
        #expect(byLeaver.status != 0 && byLeaver.stderr.contains("wrong staff id or password"), "a leaver cannot act at the kiosk: \(byLeaver.stderr)")
    }
}

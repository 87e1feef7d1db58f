import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// Staff are added and disabled once, at the centre, and every kiosk follows at its next sync:
/// through the real `consent serve` and `consent sync`.
@Suite(.ownThreads) struct StaffRegistryCLITests {
    @Test(arguments: Backend.allCases) func aMemberAddedAtTheCentreReachesTheKioskAndALeaverIsDisabledThere(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let (centre, server, kiosk) = try SyncCLITests.servedKiosk(cli, backend, tenants: 5)
        defer { server.stop() }

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

    @Test(arguments: Backend.allCases) func aHostileStaffOfferIsRefusedOrLeftToTheCentre(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let (_, server, kiosk) = try SyncCLITests.servedKiosk(cli, backend, tenants: 5)
        defer { server.stop() }
        let secret = try #require(try ConsentDatabase.metadata("sync_secret", at: kiosk))
        let device = ["Authorization": "Bearer kiosk-a:\(secret)", "Content-Type": "application/json"]
        func offer(_ json: String, headers: [String: String]) throws -> (status: Int, body: String) {
            try SyncCLITests.Server.request("\(server.url)/v1/staff", method: "POST", body: Data(json.utf8), headers: headers)
        }
        func registry() throws -> [String: WireStaffMember] {
            let reply = try SyncCLITests.Server.request("\(server.url)/v1/staff", headers: ["Authorization": "Bearer kiosk-a:\(secret)"])
            let members = try JSONDecoder().decode(StaffRegistry.self, from: Data(reply.body.utf8)).members
            return Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0) })
        }
        // No credential: refused before anything is read.
        let anonymous = try offer(#"{"members":[{"id":"ghost","name":"Ghost","role":"support","active":true}]}"#,
                                  headers: ["Content-Type": "application/json"])
        #expect(anonymous.status == 401, "\(anonymous)")
        // A name carrying terminal escapes: the whole offer is refused, nothing is added.
        let escape = try offer(#"{"members":[{"id":"evil","name":"Evil\u001b[2J","role":"support","active":true}]}"#, headers: device)
        #expect(escape.status == 400 && escape.body.contains("evil"), "\(escape)")
        // A role above support, or a member the centre knows under another role: never taken from a device.
        let boss = try offer(#"{"members":[{"id":"boss","name":"Boss","role":"dp-lead","active":true},"#
                             + #"{"id":"S1","name":"Staff S1","role":"dp-lead","active":true}]}"#, headers: device)
        #expect(boss.status == 200 && boss.body.contains("boss (dp-lead)") && !boss.body.contains("\"S1"), "\(boss)")
        let held = try registry()
        #expect(held["evil"] == nil && held["boss"] == nil && held["S1"]?.role == .supervisor, "\(held)")
    }
}

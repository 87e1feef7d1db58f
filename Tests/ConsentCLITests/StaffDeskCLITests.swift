import Foundation
import Testing
import TestSupport

/// The staff desk commands, run as the built binary.
@Suite(.ownThreads) struct StaffDeskCLITests {
    func setup() throws -> CLI {
        let cli = try CLI()
        #expect(try cli.run(["demo", "--tenants", "30", "--db", cli.db]).status == 0)
        for (id, role) in [("sam", "support"), ("pat", "supervisor"), ("dee", "dp-lead")] {
            let added = try cli.run(["staff", "add", id, "--role", role, "--name", id, "--password-stdin", "--db", cli.db], stdin: Data("\(id)-password-1\n".utf8))
            #expect(added.status == 0, "\(added.stderr)")
        }
        return cli
    }

    @Test func findRevealMarkAndHistory() throws {
        let cli = try setup()
        defer { cli.remove() }
        let list = try cli.run(["tenant", "find", "--reference", "t0000003", "--db", cli.db, "--json"])
        let match = try #require((try list.json() as? [[String: Any]])?.first)
        let name = try #require(match["name"] as? String), postcode = try #require(match["postcode"] as? String)
        let words = name.split(separator: " ")
        let byName = try cli.run(["tenant", "find", "--name", "\(words.first!.uppercased()) \(words.last!.prefix(2))",
                                  "--postcode", String(postcode.prefix(2)).lowercased(), "--db", cli.db, "--json"])
        #expect((try byName.json() as? [[String: Any]])?.contains { $0["reference"] as? String == "T0000003" } == true)

        let refused = try cli.run(["tenant", "reveal", "--password-stdin", "T0000003", "health-needs", "--staff", "sam", "--reason", "support-plan", "--db", cli.db], stdin: Data("sam-password-1\n".utf8))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("verify the caller first"))
        let noReason = try cli.run(["tenant", "reveal", "--password-stdin", "T0000003", "health-needs", "--staff", "dee", "--reason", "curious", "--db", cli.db], stdin: Data("dee-password-1\n".utf8))
        #expect(noReason.status != 0 && noReason.stderr.contains("no reason code 'curious'"))
        // Held only for equality monitoring (DPA 2018 Sch. 1 para 8): never revealed for a decision about the tenant.
        for (attribute, reason) in [("religion", "support-plan"), ("health-needs", "support-plan"), ("sexual-orientation", "tenant-access-request")] {
            let equality = try cli.run(["tenant", "reveal", "--password-stdin", "T0000003", attribute, "--staff", "dee", "--reason", reason, "--db", cli.db],
                                       stdin: Data("dee-password-1\n".utf8))
            #expect(equality.status != 0 && equality.stderr.contains("never allows decisions about a person"), "\(attribute): \(equality.stderr)")
            #expect(equality.stdout.isEmpty)
        }
        #expect(!(try cli.run(["tenant", "history", "T0000003", "--db", cli.db]).stdout.contains("shown to staff")), "a refused reveal records no read")
        // Once the tenant agrees to tailoring services (a paper form, confirmed by a supervisor), health needs may be revealed.
        let grant = try cli.run(["record", "--password-stdin", "T0000003", "grant", "--attribute", "health-needs", "--purpose", "tailoring-services",
                                 "--notice-version", "1", "--language", "en", "--staff", "dee", "--reason", "caller-request",
                                 "--evidence", "form 2026-114, signed", "--db", cli.db], stdin: Data("dee-password-1\n".utf8))
        let heldEvent = try #require(grant.stdout.split(separator: " ").dropFirst(2).first.map(String.init), "\(grant.stdout) \(grant.stderr)")
        #expect(try cli.run(["staff", "confirm", "--password-stdin", "T0000003", heldEvent, "--staff", "pat", "--how", "supervisor", "--db", cli.db],
                            stdin: Data("pat-password-1\n".utf8)).status == 0)
        let revealed = try cli.run(["tenant", "reveal", "--password-stdin", "T0000003", "health-needs", "--staff", "dee", "--reason", "tenant-access-request", "--db", cli.db], stdin: Data("dee-password-1\n".utf8))
        #expect(revealed.status == 0, "\(revealed.stderr)")
        let history = try cli.run(["tenant", "history", "T0000003", "--db", cli.db, "--json"])
        let access = (try history.json() as? [[String: Any]])?.last
        #expect(access?["kind"] as? String == "access")
        #expect(access?["staff"] as? String == "dee" && access?["reason"] as? String == "tenant-access-request")
        #expect(!history.stdout.contains(revealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) || revealed.stdout.contains("not held"),
                "history never repeats the value")

        #expect(try cli.run(["staff", "mark", "--password-stdin", "T0000003", "safe-address", "--staff", "sam", "--db", cli.db], stdin: Data("sam-password-1\n".utf8)).status != 0, "support cannot set markers")
        #expect(try cli.run(["staff", "mark", "--password-stdin", "T0000003", "safe-address", "--staff", "pat", "--db", cli.db], stdin: Data("pat-password-1\n".utf8)).status == 0)
        #expect(try cli.run(["tenant", "find", "--reference", "T0000003", "--db", cli.db]).stdout.contains("[safe-address]"))
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }

    @Test func heldQueueAndConfirmationFromTheCommandLine() throws {
        let cli = try setup()
        defer { cli.remove() }
        #expect(try cli.run(["staff", "held", "--db", cli.db]).stdout.contains("Nothing is waiting."))
        // A tenant's own kiosk-style correction of a name waits for evidence.
        let corrected = try cli.run(["correct", "--password-stdin", "T0000004", "--attribute", "full-name", "--value", "Ann Other", "--staff", "sam", "--db", cli.db], stdin: Data("sam-password-1\n".utf8))
        #expect(corrected.status == 0, "\(corrected.stderr)")
        let held = try cli.run(["staff", "held", "--db", cli.db, "--json"])
        let item = try #require((try held.json() as? [[String: Any]])?.first)
        let event = try #require(item["event"] as? String)
        #expect(item["kind"] as? String == "correction")
        let own = try cli.run(["staff", "confirm", "--password-stdin", "T0000004", event, "--staff", "sam", "--how", "evidence", "--evidence", "passport", "--db", cli.db], stdin: Data("sam-password-1\n".utf8))
        #expect(own.status != 0 && own.stderr.contains("four eyes"))
        let support = try cli.run(["staff", "confirm", "--password-stdin", "T0000004", event, "--staff", "sam", "--how", "supervisor", "--db", cli.db], stdin: Data("sam-password-1\n".utf8))
        #expect(support.status != 0 && support.stderr.contains("support role may not confirmHeld"))
        let ok = try cli.run(["staff", "confirm", "--password-stdin", "T0000004", event, "--staff", "pat", "--how", "evidence", "--evidence", "passport seen", "--reason", "desk-evidence", "--db", cli.db], stdin: Data("pat-password-1\n".utf8))
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try cli.run(["tenant", "find", "--name", "ann other", "--db", cli.db]).stdout.contains("T0000004"))
        #expect(try cli.run(["staff", "held", "--db", cli.db]).stdout.contains("Nothing is waiting."))
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }
}

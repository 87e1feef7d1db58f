import Foundation
import Testing
import TestSupport

/// Issue 18, staff are who they say: a held change is confirmed only by a different person, whatever
/// the method, run as the built binary on a real database.
@Suite(.ownThreads) struct FourEyesCLITests {
    struct Desk {
        let cli: CLI

        init() throws {
            cli = try CLI()
            try #require(try cli.run(["demo", "--tenants", "8", "--db", cli.db]).status == 0)
            for (id, role) in [("sam", "support"), ("sue", "support"), ("pat", "supervisor"), ("dee", "dp-lead")] {
                let added = try cli.run(["staff", "add", id, "--role", role, "--name", id, "--password-stdin", "--db", cli.db],
                                        stdin: Data("\(id)-password-1\n".utf8))
                try #require(added.status == 0, "\(added.stderr)")
            }
        }

        func run(_ arguments: [String], stdin: Data? = nil) throws -> CLI.Output { try cli.run(arguments + ["--db", cli.db], stdin: stdin) }

        /// Runs a desk command signed in as `staff`: their password (or `password`) on standard input.
        func signed(_ arguments: [String], by staff: String, password: String? = nil) throws -> CLI.Output {
            try run(arguments + ["--password-stdin"], stdin: Data("\(password ?? "\(staff)-password-1")\n".utf8))
        }

        /// A phone grant of a special category keyed by `staff`: held for a second person. Returns the held event.
        func heldGrant(_ ref: String, by staff: String) throws -> String {
            let grant = try signed(["record", ref, "grant", "--attribute", "health-needs", "--purpose", "tailoring-services", "--staff", staff,
                                    "--channel", "phone", "--verification", "dob+postcode", "--notice-version", "1"], by: staff)
            try #require(grant.status == 0, "\(grant.stderr)")
            let held = try run(["staff", "held", "--json"])
            let item = try #require((try held.json() as? [[String: Any]])?.first { $0["reference"] as? String == ref }, "\(held.stdout)")
            return try #require(item["event"] as? String)
        }

        func decision(_ ref: String) throws -> String? {
            let show = try run(["tenant", "show", ref, "--json"])
            let items = ((try show.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            let uses = items.first { $0["attribute"] as? String == "health-needs" }?["uses"] as? [[String: Any]] ?? []
            return uses.first { $0["purpose"] as? String == "tailoring-services" }?["decision"] as? String
        }

        func stillHeld(_ event: String) throws -> Bool { try run(["staff", "held"]).stdout.contains(event) }
    }

    @Test func whoeverTookAHeldGrantCannotConfirmOrRejectItByAnyMethod() throws {
        let desk = try Desk()
        defer { desk.cli.remove() }
        // A supervisor may use every method, so only four eyes can stop them.
        let event = try desk.heldGrant("T0000003", by: "pat")
        for how in [["--how", "supervisor"], ["--how", "call-back"], ["--how", "evidence", "--evidence", "passport seen"]] {
            for reject in [[], ["--reject"]] {
                let own = try desk.signed(["staff", "confirm", "T0000003", event, "--staff", "pat"] + how + reject, by: "pat")
                #expect(own.status != 0, "pat confirmed their own grant with \(how + reject)")
                #expect(own.stderr.contains("a different member of staff"), "\(own.stderr)")
            }
        }
        #expect(try desk.decision("T0000003") != "granted", "the grant never took effect")
        #expect(try desk.stillHeld(event), "it still waits for a second person")

        let other = try desk.signed(["staff", "confirm", "T0000003", event, "--staff", "sue", "--how", "call-back", "--reason", "call-back"], by: "sue")
        #expect(other.status == 0, "\(other.stderr)")
        #expect(try desk.decision("T0000003") == "granted")
        #expect(!(try desk.stillHeld(event)))
        #expect(try desk.run(["ledger", "verify"]).status == 0)
    }

    @Test func aSupportMemberCannotCallBackOnTheirOwnGrant() throws {
        let desk = try Desk()
        defer { desk.cli.remove() }
        let event = try desk.heldGrant("T0000005", by: "sam")
        let own = try desk.signed(["staff", "confirm", "T0000005", event, "--staff", "sam", "--how", "call-back", "--reason", "call-back"], by: "sam")
        #expect(own.status != 0)
        #expect(own.stderr.contains("four eyes"), "\(own.stderr)")
        #expect(try desk.decision("T0000005") != "granted")
        let colleague = try desk.signed(["staff", "confirm", "T0000005", event, "--staff", "sue", "--how", "call-back", "--reason", "call-back"], by: "sue")
        #expect(colleague.status == 0, "\(colleague.stderr)")
        #expect(try desk.decision("T0000005") == "granted")
    }
}

/// Issue 18: a desk command cannot claim the kiosk channel, and a paper entry of a special-category
/// grant waits for a second person exactly as a phone one does.
@Suite(.ownThreads) struct DeskChannelCLITests {
    func events(_ desk: FourEyesCLITests.Desk) throws -> Int {
        (try desk.run(["ledger", "verify", "--json"]).json() as? [String: Any])?["events"] as? Int ?? -1
    }

    @Test func aDeskCommandClaimingTheKioskIsRefusedAndRecordsNothing() throws {
        let desk = try FourEyesCLITests.Desk()
        defer { desk.cli.remove() }
        let before = try events(desk)
        for arguments in [
            ["record", "T0000002", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "sam", "--channel", "kiosk"],
            ["record", "T0000002", "grant", "--attribute", "health-needs", "--purpose", "tailoring-services", "--staff", "sam", "--channel", "kiosk",
             "--notice-version", "1"],
            ["correct", "T0000002", "--attribute", "email", "--value", "new@example.org", "--staff", "sam", "--channel", "kiosk"],
        ] {
            let out = try desk.signed(arguments, by: "sam")
            #expect(out.status != 0, "\(arguments)")
            #expect(out.stderr.contains("only the tenant signed in records at the kiosk"), "\(out.stderr)")
        }
        #expect(try events(desk) == before, "something was recorded")
        #expect(!(try desk.run(["tenant", "history", "T0000002"]).stdout.contains("at the kiosk, by staff member")))
    }

    @Test func aPaperGrantOfASpecialCategoryIsHeldLikeAPhoneOne() throws {
        let desk = try FourEyesCLITests.Desk()
        defer { desk.cli.remove() }
        for ref in ["T0000006", "T0000007"] { try #require(try desk.decision(ref) != "granted", "the demo already granted \(ref)'s") }
        let paper = try desk.signed(["record", "T0000006", "grant", "--attribute", "health-needs", "--purpose", "tailoring-services", "--staff", "sam",
                                     "--channel", "paper", "--notice-version", "1", "--signed", "2026-11-20", "--evidence", "form TS-2 scanned", "--json"],
                                    by: "sam")
        #expect(paper.status == 0, "\(paper.stderr)")
        #expect((try paper.json() as? [String: Any])?["pending"] as? Bool == true, "\(paper.stdout)")
        #expect(try desk.decision("T0000006") != "granted", "held, not in use")
        let held = try desk.run(["staff", "held", "--json"])
        let item = try #require((try held.json() as? [[String: Any]])?.first { $0["reference"] as? String == "T0000006" }, "\(held.stdout)")
        let event = try #require(item["event"] as? String)
        #expect(item["takenBy"] as? String == "sam")

        // A paper campaign's file: the special-category row is held too, the ordinary one is not.
        let csv = "reference,attribute,purpose,decision,date signed,staff,form version\n"
            + "T0000007,health-needs,tailoring-services,grant,2026-11-20,sam,1\n"
            + "T0000007,email,service-updates-email,grant,2026-11-20,sam,1\n"
        #expect(try desk.signed(["record", "--batch", try desk.cli.write("campaign.csv", Data(csv.utf8)), "--staff", "sam"], by: "sam").status == 0)
        #expect(try desk.decision("T0000007") != "granted")
        #expect(try desk.run(["staff", "held"]).stdout.contains("T0000007"))

        // The one who keyed it cannot confirm it; a colleague confirms on the scanned form.
        let own = try desk.signed(["staff", "confirm", "T0000006", event, "--staff", "sam", "--how", "evidence", "--evidence", "form TS-2 scanned",
                                   "--reason", "desk-evidence"], by: "sam")
        #expect(own.status != 0 && own.stderr.contains("four eyes"), "\(own.stderr)")
        let colleague = try desk.signed(["staff", "confirm", "T0000006", event, "--staff", "sue", "--how", "evidence", "--evidence", "form TS-2 scanned",
                                         "--reason", "desk-evidence"], by: "sue")
        #expect(colleague.status == 0, "\(colleague.stderr)")
        #expect(try desk.decision("T0000006") == "granted")
        #expect(try desk.run(["ledger", "verify"]).status == 0)
    }
}

import Foundation
import Testing
import TestSupport

/// `consent record`, `consent correct` and `consent record --batch`: the paper-form and script path,
/// refusing what the kiosk and staff mode refuse, through the same ledger.
@Suite(.ownThreads) struct RecordTests {
    struct Setup {
        let cli: CLI
        init() throws {
            cli = try CLI()
            try cli.run(["demo", "--tenants", "6", "--db", cli.db])
            let add = try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam Okafor", "--password-stdin", "--db", cli.db],
                                  stdin: Data("correct horse battery\n".utf8))
            #expect(add.status == 0, "\(add.stderr)")
        }

        /// `consent record ARGS` signed in as S100 (a batch is imported by S100 too).
        func record(_ args: [String]) throws -> CLI.Output {
            try cli.run(["record"] + args + (args.first == "--batch" ? ["--staff", "S100"] : []) + ["--password-stdin", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
        }

        func events() throws -> Int {
            let verify = try cli.run(["ledger", "verify", "--db", cli.db, "--json"])
            return (try verify.json() as? [String: Any])?["events"] as? Int ?? -1
        }

        func use(_ ref: String, _ attribute: String, _ purpose: String) throws -> [String: Any] {
            let show = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
            let items = ((try show.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            let item = items.first { $0["attribute"] as? String == attribute }
            return (item?["uses"] as? [[String: Any]] ?? []).first { $0["purpose"] as? String == purpose } ?? [:]
        }
    }

    @Test(arguments: [
        (["T0000003", "grant", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S100"], "must record which notice version"),
        (["T0000003", "withdraw", "--attribute", "email", "--purpose", "tenancy-management", "--staff", "S100"], "cannot be switched"),
        (["T0000003", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S999"], "wrong staff id or password"),
        (["T0000003", "grant", "--attribute", "religion", "--purpose", "service-updates-email", "--staff", "S100", "--notice-version", "1"], "does not use attribute 'religion'"),
        (["T0000003", "object", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S100"], "'objected' cannot be recorded"),
        (["T0000003", "grant", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S100", "--notice-version", "7"], "no notice version 7"),
        (["T0000003", "maybe", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S100"], "not a decision"),
        (["T0000003", "grant", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S100", "--notice-version", "1", "--language", "xx"], "no notice translation in 'xx'"),
        (["T9999999", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S100"], "no tenant with reference T9999999"),
        (["T0000003", "withdraw", "--attribute", "email", "--purpose", "service-updates-email", "--staff", "S100", "--signed", "2099-01-01"], "in the future"),
    ])
    func refusesWhatTheKioskAndStaffModeRefuse(_ args: [String], _ expected: String) throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let before = try setup.events()
        let out = try setup.record(args)
        #expect(out.status != 0)
        #expect(out.stderr.contains(expected), "\(out.stderr)")
        #expect(try setup.events() == before, "something was recorded")
    }

    @Test func recordsWithStaffNoticeAndEvidenceAndShowsInHistory() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let out = try setup.record(["T0000003", "grant", "--attribute", "email", "--attribute", "full-name", "--purpose", "service-updates-email",
                                    "--staff", "S100", "--notice-version", "1", "--language", "pl", "--signed", "2026-01-15",
                                    "--evidence", "form PC-114", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try setup.use("T0000003", "email", "service-updates-email")["decision"] as? String == "granted")
        let history = try setup.cli.run(["tenant", "history", "T0000003", "--db", setup.cli.db])
        #expect(history.stdout.contains("Service updates by email: You agreed — Email address, Full name (notice v1, pl)"))
        #expect(history.stdout.contains("on a paper form, by staff member S100 on the tenant's behalf"))
        #expect(history.stdout.contains("evidence: form PC-114"))
        #expect(history.stdout.contains("(expressed 2026-01-15"))
    }

    @Test func correctionsNeedEvidenceOrWaitForVerification() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let pending = try setup.cli.run(["correct", "--password-stdin", "T0000003", "--attribute", "postcode", "--value", "m1 1ae", "--staff", "S100",
                                         "--channel", "phone", "--verification", "dob+postcode", "--db", setup.cli.db, "--json"], stdin: Data("correct horse battery\n".utf8))
        #expect((try pending.json() as? [String: Any])?["pending"] as? Bool == true)
        let applied = try setup.cli.run(["correct", "--password-stdin", "T0000003", "--attribute", "postcode", "--value", "m1 1ae", "--staff", "S100",
                                         "--evidence", "tenancy agreement seen", "--db", setup.cli.db, "--json"], stdin: Data("correct horse battery\n".utf8))
        #expect((try applied.json() as? [String: Any])?["pending"] as? Bool == false)
        let bad = try setup.cli.run(["correct", "--password-stdin", "T0000003", "--attribute", "postcode", "--value", "nowhere", "--staff", "S100", "--db", setup.cli.db], stdin: Data("correct horse battery\n".utf8))
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("not a UK postcode"))
        let show = try setup.cli.run(["tenant", "show", "T0000003", "--db", setup.cli.db, "--json"])
        #expect(show.stdout.contains("\"M1 1AE\""))
    }

    /// Outside `consent staff` too, a phone grant covering a special category and a phone change of
    /// contact details wait for a second person.
    @Test func phoneChangesKeyedHereWaitForASecondPerson() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let grant = try setup.record(["T0000003", "grant", "--attribute", "health-needs", "--purpose", "tailoring-services", "--staff", "S100",
                                      "--channel", "phone", "--verification", "dob+postcode", "--notice-version", "1", "--json"])
        #expect(grant.status == 0, "\(grant.stderr)")
        #expect(try setup.use("T0000003", "health-needs", "tailoring-services")["decision"] as? String != "granted", "held, not in use")
        let held = try setup.cli.run(["staff", "held", "--db", setup.cli.db])
        #expect(held.stdout.contains("T0000003"), "\(held.stdout)")
        let mobile = try setup.cli.run(["correct", "--password-stdin", "T0000003", "--attribute", "mobile", "--value", "07700900999", "--staff", "S100",
                                        "--channel", "phone", "--verification", "dob+postcode", "--db", setup.cli.db, "--json"], stdin: Data("correct horse battery\n".utf8))
        #expect((try mobile.json() as? [String: Any])?["pending"] as? Bool == true, "\(mobile.stdout) \(mobile.stderr)")
        let batch = try setup.record(["--batch", try setup.cli.write("b.csv", Data("reference,attribute,purpose,decision,date signed,staff,form version\n".utf8)),
                                      "--channel", "phone"])
        #expect(batch.status != 0 && batch.stderr.contains("one at a time"))
    }

    @Test func batchIsAllOrNothingNamingRowAndColumn() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let before = try setup.events()
        let bad = "reference,attribute,purpose,decision,date signed,staff,form version\n"
            + "T0000001,email,service-updates-email,grant,2026-03-01,S100,1\n"
            + "T0000002,mobile,service-updates-sms,withdraw,2026-03-02,S100,1\n"
            + "T0000003,mobile,service-updates-sms,grant,2026-02-30,S100,1\n"
        let out = try setup.record(["--batch", try setup.cli.write("bad.csv", Data(bad.utf8))])
        #expect(out.status != 0)
        #expect(out.stderr.contains("row 4, column 5"), "\(out.stderr)")
        #expect(out.stderr.contains("nothing was recorded"))
        #expect(try setup.events() == before)
        for (csv, expected) in [
            ("reference,attribute,purpose,decision,date signed,staff,form version\nT0000001,email,service-updates-email,grant,2026-03-01,S777,1\n", "row 2, column 6"),
            ("reference,attribute,purpose,decision,date signed,staff,form version\nT0000001,email,tenancy-management,withdraw,2026-03-01,S100,1\n", "row 2, column 3"),
            ("reference,attribute,purpose,decision,date signed,staff,form version\nT0000001,shoe,service-updates-email,grant,2026-03-01,S100,1\n", "row 2, column 2"),
            ("reference,attribute,purpose,decision,date signed,staff,form version\nT0000001,email,service-updates-email,grant,2026-03-01,S100,9\n", "row 2, column 7"),
            ("reference,attribute,purpose,decision\nT0000001,email,service-updates-email,grant\n", "no 'datesigned' column"),
        ] {
            let refused = try setup.record(["--batch", try setup.cli.write("x.csv", Data(csv.utf8))])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains(expected), "\(refused.stderr)")
        }
        #expect(try setup.events() == before)
        let good = try setup.record(["--batch", try setup.cli.write("good.csv", Data(bad.replacingOccurrences(of: "2026-02-30", with: "2026-02-28").utf8))])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("Recorded 3 decisions"))
        #expect(try setup.events() == before + 3)
    }

    /// An older paper grant never overrides a later withdrawal, even though the device keying it has
    /// seen the withdrawal; an older paper withdrawal keyed after a later grant stops use and asks staff
    /// to re-confirm.
    @Test func signedDateDecidesBetweenPaperAndLaterChoices() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let yesterday = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-86_400)).prefix(10)
        let lastWeek = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-7 * 86_400)).prefix(10)
        // Withdrawn by phone yesterday; a paper grant signed last week is keyed today.
        #expect(try setup.record(["T0000004", "withdraw", "--attribute", "email", "--purpose", "resident-involvement", "--staff", "S100",
                                  "--channel", "phone", "--signed", String(yesterday)]).status == 0)
        let paper = "reference,attribute,purpose,decision,date signed,staff,form version\nT0000004,email,resident-involvement,grant,\(lastWeek),S100,1\n"
        #expect(try setup.record(["--batch", try setup.cli.write("p.csv", Data(paper.utf8))]).status == 0)
        let use = try setup.use("T0000004", "email", "resident-involvement")
        #expect(use["decision"] as? String == "withdrawn")
        #expect(use["needsReconfirmation"] as? Bool == true)
        // Granted yesterday; a paper withdrawal signed last week is keyed today: use stops, staff re-confirm.
        #expect(try setup.record(["T0000005", "grant", "--attribute", "email", "--purpose", "resident-involvement", "--staff", "S100",
                                  "--notice-version", "1", "--signed", String(yesterday)]).status == 0)
        let older = "reference,attribute,purpose,decision,date signed,staff,form version\nT0000005,email,resident-involvement,withdraw,\(lastWeek),S100,1\n"
        #expect(try setup.record(["--batch", try setup.cli.write("w.csv", Data(older.utf8))]).status == 0)
        let stopped = try setup.use("T0000005", "email", "resident-involvement")
        #expect(stopped["decision"] as? String == "withdrawn")
        #expect(stopped["usableNow"] as? Bool == false)
        #expect(stopped["needsReconfirmation"] as? Bool == true)
        #expect(try setup.cli.run(["ledger", "verify", "--db", setup.cli.db]).status == 0)
    }
}

import Foundation
import Testing
import TestSupport

@Suite(.ownThreads) struct DemoAndShowTests {
    @Test func demoThenListShowAndVerify() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let demo = try cli.run(["demo", "--tenants", "60", "--db", cli.db, "--json"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let summary = try #require(try demo.json() as? [String: Any])
        #expect(summary["tenants"] as? Int == 60)
        #expect(demo.stderr.isEmpty, "progress must stay quiet in a pipe: \(demo.stderr)")

        let list = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db, "--limit", "3", "--json"])
        let tenants = try #require(try list.json() as? [[String: Any]])
        #expect(tenants.map { $0["reference"] as? String } == ["T0000001", "T0000002", "T0000003"])
        #expect(tenants.allSatisfy { ($0["name"] as? String)?.contains(" ") == true })

        let show = try cli.run(["tenant", "show", "T0000001", "--db", cli.db, "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        let report = try #require((try show.json() as? [String: Any])?["report"] as? [String: Any])
        let items = try #require(report["items"] as? [[String: Any]])
        #expect(items.count == 21, "the retired gender is listed only where an answer is held; office, tenancy end and joint tenancy are attributes")
        for item in items where item["special"] as? Bool == true {
            #expect(item["value"] == nil, "special-category value shown without --reveal-special")
        }
        let purposes = try #require(report["purposes"] as? [[String: Any]])
        #expect(purposes.count == 11, "eight purposes, emergency sharing (vital interests), safeguarding (the markers) and works in the area (legitimate interests)")
        // The Art. 15 pack says, per use, whether it is required and the tenant's rights; and who is responsible,
        // how to reach the data protection officer, where the privacy notice is and how to complain to the ICO.
        #expect(purposes.allSatisfy { ($0["required"] as? String)?.isEmpty == false && ($0["rights"] as? String)?.isEmpty == false })
        let organisation = try #require(report["organisation"] as? [String])
        #expect(organisation.first?.hasPrefix("Example Housing Association (demo) is in charge of your information.") == true)
        #expect(organisation.contains { $0.contains("dpo@example.org") } && organisation.contains { $0.contains("https://example.org/privacy") })
        #expect(organisation.last?.contains("https://ico.org.uk/make-a-complaint, phone 0303 123 1113") == true)

        // Showing special-category values needs a reason, and each one shown is recorded as a read.
        let refused = try cli.run(["tenant", "show", "T0000001", "--db", cli.db, "--reveal-special"])
        #expect(refused.status != 0 && refused.stderr.contains("--reason"))
        let revealed = try cli.run(["tenant", "show", "T0000001", "--db", cli.db, "--reveal-special", "--reason", "Art. 15 request 42", "--json"])
        let shown = ((try revealed.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        let specialShown = shown.filter { $0["special"] as? Bool == true && $0["value"] != nil }.count
        #expect(specialShown > 0)
        let history = try cli.run(["tenant", "history", "T0000001", "--db", cli.db, "--json"])
        let reads = (try history.json() as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "access" && $0["evidence"] as? String == "Art. 15 request 42" }
        #expect(reads.count == specialShown, "one recorded read per special-category value shown: \(history.stdout.suffix(600))")

        let text = try cli.run(["tenant", "show", "t0000001", "--db", cli.db, "--language", "ur"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("T0000001"))
        #expect(!text.stdout.contains("What we hold about you"))
        #expect(text.stdout.contains("انفارمیشن کمشنر آفس (ICO) میں شکایت") && text.stdout.contains("0303 123 1113"), "the complaint right in Urdu")

        let verify = try cli.run(["ledger", "verify", "--db", cli.db])
        #expect(verify.status == 0)
        #expect(verify.stdout.hasPrefix("OK:"))
    }

    @Test func demoIsDeterministicForASeed() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let a = cli.dir.appendingPathComponent("a.sqlite").path, b = cli.dir.appendingPathComponent("b.sqlite").path
        try cli.run(["demo", "--tenants", "25", "--seed", "7", "--db", a])
        try cli.run(["demo", "--tenants", "25", "--seed", "7", "--db", b])
        let listA = try cli.run(["tenant", "list", "--reason", "test", "--db", a]).stdout
        #expect(listA.split(separator: "\n").count == 25)
        #expect(listA == (try cli.run(["tenant", "list", "--reason", "test", "--db", b]).stdout))
        let showA = try cli.run(["tenant", "show", "T0000009", "--db", a, "--reveal-special", "--reason", "test of the vault", "--json"]).stdout
        let showB = try cli.run(["tenant", "show", "T0000009", "--db", b, "--reveal-special", "--reason", "test of the vault", "--json"]).stdout
        #expect(showA == showB)
    }

    @Test func demoRefusesADatabaseThatHoldsTenantsButReplacesItsOwnDemo() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["demo", "--tenants", "5", "--db", cli.db])
        let again = try cli.run(["demo", "--tenants", "5", "--db", cli.db])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already holds 5 tenants"))
        let replaced = try cli.run(["demo", "--tenants", "7", "--db", cli.db, "--replace"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db]).stdout.split(separator: "\n").count == 7)
    }

    @Test func unknownTenantAndBadDatabaseGiveClearErrors() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["init", "--db", cli.db])
        let unknown = try cli.run(["tenant", "show", "T9999999", "--db", cli.db])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no tenant with reference T9999999"))
        let missing = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.dir.appendingPathComponent("nope.sqlite").path])
        #expect(missing.stderr.contains("consent init"))
        let text = try cli.write("notes.sqlite", Data(String(repeating: "not a database\n", count: 20).utf8))
        let notSQLite = try cli.run(["tenant", "list", "--reason", "test", "--db", text])
        #expect(notSQLite.status != 0)
        #expect(notSQLite.stderr.contains("not a SQLite database"))
        let twice = try cli.run(["init", "--db", cli.db])
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("already exists"))
    }

    @Test func contentIsFoundBesideTheProgramWithoutConfiguration() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let check = try cli.run(["forms", "check"], environment: ["CONSENT_FORMS": nil, "CONSENT_LOCALIZATION": nil])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("languages en"))
        #expect(check.stdout.contains("Controller: Example Housing Association (demo)"))
        #expect(check.stdout.contains("Document dpia: DEMO:") && check.stdout.contains("Document appropriate-policy-document: DEMO:"))
    }

    @Test func formsCheckRefusesADeploymentThatNamesNoController() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let forms = cli.dir.appendingPathComponent("Forms")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent("Forms"), to: forms)
        let file = forms.appendingPathComponent("organisation.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "  name: \"Example Housing Association (demo)\"\n", with: "").write(to: file, atomically: true, encoding: .utf8)
        let check = try cli.run(["forms", "check", "--forms", forms.path, "--localization", CLI.repo.appendingPathComponent("Localization").path])
        #expect(check.status != 0)
        #expect(check.stderr.contains("organisation.yaml") && check.stderr.contains("'name' is required: fill in controller.name in Forms/organisation.yaml"), "\(check.stderr)")
    }

    /// Gender identity is never in a message (Gender Recognition Act 2004 s.22): a template naming it is refused.
    @Test func formsCheckRefusesAMailTemplateNamingGenderIdentity() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let forms = cli.dir.appendingPathComponent("Forms")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent("Forms"), to: forms)
        let file = forms.appendingPathComponent("templates.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "withholds: [date-of-birth]", with: "withholds: [date-of-birth, gender-identity]")
            .write(to: file, atomically: true, encoding: .utf8)
        let check = try cli.run(["forms", "check", "--forms", forms.path, "--localization", CLI.repo.appendingPathComponent("Localization").path])
        #expect(check.status != 0)
        #expect(check.stderr.contains("templates.yaml") && check.stderr.contains("'gender-identity', a special category never named in a message"),
                "\(check.stderr)")
    }
}

/// The README tells people how to sign in to the demo kiosk; keep that true.
@Suite(.ownThreads) struct ReadmeDemoTests {
    @Test func readmeSignInDetailsMatchTheDefaultDemo() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let out = try cli.run(["demo", "--tenants", "3", "--db", cli.db, "--json"])
        let summary = try #require(try out.json() as? [String: Any])
        let readme = try String(contentsOf: CLI.repo.appendingPathComponent("README.md"), encoding: .utf8)
        for key in ["kioskReference", "kioskDateOfBirth", "kioskPIN"] {
            let value = try #require(summary[key] as? String)
            #expect(readme.contains("**\(value)**"), "README does not show \(key) \(value)")
        }
    }
}

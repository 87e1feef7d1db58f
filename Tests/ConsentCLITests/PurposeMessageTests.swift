import Foundation
import Testing
import TestSupport

/// A message under a purpose holds only what that purpose uses; a listing of everything held answers one
/// tenant's access request and is never sent under a purpose.
@Suite(.ownThreads) struct PurposeMessageTests {
    static let register = "Tenancy Ref,Name,Email,Date of Birth,Address,Postcode,Preferred Language\n"
        + "PM-1,Amina Khan,amina@example.org,1980-03-14,12 Mill Lane,LS1 4AB,en\n"
        + "PM-2,Piotr Nowak,piotr@example.org,1975-07-02,3 Park Road,M1 2AB,pl\n"
    static let notForUpdates = ["12 Mill Lane", "LS1 4AB", "1980", "3 Park Road", "M1 2AB", "1975"]

    /// PM-1 agrees to updates by email using their name; PM-2 to the email alone.
    func register() throws -> CLI {
        try CLI.withUpdatesRegister(Self.register, grants: [("PM-1", ["email", "full-name"]), ("PM-2", ["email"])])
    }

    @Test func whatWeHoldUnderAPurposeIsRefusedSayingWhatToUseInstead() throws {
        let cli = try register()
        defer { cli.remove() }
        let out = cli.dir.appendingPathComponent("mail").path
        let run = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "what-we-hold", "--out", out, "--db", cli.db])
        #expect(run.status != 0, "a listing of date of birth and address went out under email updates: \(run.stdout)")
        #expect(run.stderr.contains("answers that tenant's access request"), "\(run.stderr)")
        #expect(run.stderr.contains("use --template service-update") && run.stderr.contains("--tenant REF"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count <= 2, "one or two lines: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let neither = try cli.run(["notify", "--template", "service-update", "--out", out, "--db", cli.db])
        #expect(neither.status != 0 && neither.stderr.contains("give --purpose P"), "\(neither.stderr)")
    }

    @Test func aMessageUnderAPurposeCarriesOnlyWhatThePurposeUsesAndTheTenantAllowed() throws {
        let cli = try register()
        defer { cli.remove() }
        let out = cli.dir.appendingPathComponent("mail").path
        let run = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update", "--out", out, "--db", cli.db, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let messages = try NotifyTests().read(out)
        #expect(messages.count == 2)
        for message in messages {
            let body = message["body"] ?? ""
            for held in Self.notForUpdates { #expect(!body.contains(held), "\(held), which email updates do not use, is in: \(body)") }
        }
        let amina = try #require(messages.first { $0["to"] == "<amina@example.org>" })
        let piotr = try #require(messages.first { $0["to"] == "<piotr@example.org>" })
        #expect(amina["body"]?.hasPrefix("Dear Amina Khan,") == true, "\(amina)")
        #expect(amina["subject"] == "News from your housing team")
        // PM-2 agreed to the email alone: the name is not used for them.
        #expect(piotr["body"]?.hasPrefix("Dzień dobry,") == true && piotr["body"]?.contains("Piotr") == false, "\(piotr)")
        #expect(piotr["subject"] == "Wiadomości od zespołu mieszkaniowego" && piotr["language"] == "pl")
        // Each sees what was used, no more.
        func disclosed(_ ref: String) throws -> [String] {
            let show = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
            let entries = try #require(try show.json() as? [String: Any])["disclosures"] as? [[String: Any]] ?? []
            return entries.flatMap { $0["attributes"] as? [String] ?? [] }.sorted()
        }
        #expect(try disclosed("PM-1") == ["email", "full-name"])
        #expect(try disclosed("PM-2") == ["email"])
    }

    @Test func anAccessAnswerGoesToTheOneTenantWhoAskedInTheirLanguage() throws {
        let cli = try register()
        defer { cli.remove() }
        let out = cli.dir.appendingPathComponent("answer").path
        let run = try cli.run(["notify", "--template", "what-we-hold", "--tenant", "PM-2", "--out", out, "--db", cli.db, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let messages = try NotifyTests().read(out)
        #expect(messages.count == 1)
        let body = messages.first?["body"] ?? ""
        #expect(messages.first?["to"] == "<piotr@example.org>" && messages.first?["language"] == "pl")
        #expect(body.contains("Imię i nazwisko: Piotr Nowak") && body.contains("3 Park Road"), "\(body)")
        #expect(!body.contains("Amina") && !body.contains("Mill Lane"), "nothing of another tenant")
        #expect(!body.contains("1975"), "date of birth stays off the tenant's post")
        let unknown = try cli.run(["notify", "--template", "what-we-hold", "--tenant", "PM-9", "--out", cli.dir.appendingPathComponent("x").path, "--db", cli.db])
        #expect(unknown.status != 0 && unknown.stderr.contains("no tenant 'PM-9'"), "\(unknown.stderr)")
        let purposeTemplate = try cli.run(["notify", "--template", "service-update", "--tenant", "PM-2", "--out", cli.dir.appendingPathComponent("y").path, "--db", cli.db])
        #expect(purposeTemplate.status != 0 && purposeTemplate.stderr.contains("give --purpose instead of --tenant"), "\(purposeTemplate.stderr)")
    }

    @Test func formsCheckRefusesATemplateForAPurposeThatDoesNotUseWhatItShows() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let forms = cli.dir.appendingPathComponent("Forms")
        let localization = CLI.repo.appendingPathComponent("Localization").path
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent("Forms"), to: forms)
        let file = forms.appendingPathComponent("templates.yaml")
        let shipped = try String(contentsOf: file, encoding: .utf8)
        for (old, new, said) in [
            ("purposes: [service-updates-email, works-in-your-area, resident-involvement]", "purposes: [service-updates-email, tailoring-services]",
             "template 'service-update' shows email, which purpose 'tailoring-services' does not use"),
            ("    lists-held: true\n", "    lists-held: true\n    purposes: [tenancy-management]\n", "answers an access request and is sent under no purpose"),
        ] {
            try shipped.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
            let check = try cli.run(["forms", "check", "--forms", forms.path, "--localization", localization])
            #expect(check.status != 0 && check.stderr.contains("templates.yaml") && check.stderr.contains(said), "\(check.stderr)")
        }
    }
}

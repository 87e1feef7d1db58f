import Foundation
import Testing
import TestSupport

/// A re-permission campaign: `consent notify --template consent-renewal --lapsing-within DAYS` writes only to
/// tenants whose consent to the purpose lapses within DAYS, one message each, naming that purpose and the day.
@Suite(.ownThreads) struct ConsentRenewalCLITests {
    func record(_ cli: CLI, _ ref: String, _ decision: String, signed: String? = nil) throws {
        let run = try cli.run(["record", "--password-stdin", ref, decision, "--attribute", "email", "--attribute", "full-name",
                               "--purpose", "service-updates-email", "--staff", "S100", "--notice-version", "1", "--db", cli.db]
                              + (signed.map { ["--signed", $0] } ?? []), stdin: ExpiryCLITests.password)
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func onlyTenantsWhoseConsentLapsesSoonAreWrittenToEachAboutTheirOwnEndDate() throws {
        let cli = try CLI.withUpdatesRegister(ExpiryCLITests.register, grants: [])
        defer { cli.remove() }
        let soon = try ExpiryCLITests.signed(monthsAgo: 24, plusDays: 10)
        try record(cli, "EX-1", "grant", signed: soon.text)
        try record(cli, "EX-2", "grant", signed: try ExpiryCLITests.signed(monthsAgo: 24, plusDays: 45).text)
        try record(cli, "EX-3", "grant", signed: try ExpiryCLITests.signed(monthsAgo: 24, plusDays: 5).text)
        try record(cli, "EX-3", "withdraw")
        try record(cli, "EX-4", "grant")

        let out = cli.dir.appendingPathComponent("renewal").path
        let run = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "consent-renewal", "--lapsing-within", "30",
                               "--out", out, "--db", cli.db, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let manifest = try #require(try run.json() as? [String: Any])
        #expect(manifest["messages"] as? Int == 1)
        #expect((manifest["leftOut"] as? [String: Int])?["not-lapsing"] == 2, "EX-2 (45 days) and EX-4 (two years) are not asked yet")
        let messages = try NotifyTests().read(out)
        #expect(messages.map { $0["to"] } == ["<amina@example.org>"])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/London"))
        let end = try #require(calendar.date(byAdding: .month, value: 24, to: soon.date))
        let parts = calendar.dateComponents([.year, .month, .day], from: end)
        let day = String(format: "%02d/%02d/%04d", parts.day ?? 0, parts.month ?? 0, parts.year ?? 0)
        let body = messages.first?["body"] ?? ""
        #expect(body.contains("Service updates by email: you said yes until \(day)"), "\(body)")
        #expect(body.hasPrefix("Dear Amina Khan,"), "the purpose uses the name and she agreed to it")
        #expect(!body.contains("Carol") && !body.contains("Piotr"), "nothing of any other tenant")
    }

    @Test func theRenewalNeedsItsWindowAndNoOtherTemplateTakesOne() throws {
        let cli = try CLI.withUpdatesRegister(ExpiryCLITests.register, grants: [])
        defer { cli.remove() }
        let missing = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "consent-renewal",
                                   "--out", cli.dir.appendingPathComponent("a").path, "--db", cli.db])
        #expect(missing.status != 0 && missing.stderr.contains("give --lapsing-within DAYS"), "\(missing.stderr)")
        let wrong = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update", "--lapsing-within", "30",
                                 "--out", cli.dir.appendingPathComponent("b").path, "--db", cli.db])
        #expect(wrong.status != 0 && wrong.stderr.contains("--lapsing-within goes with a renewal template"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.appendingPathComponent("a").path))
    }
}

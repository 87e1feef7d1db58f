import Foundation
import Testing
import TestSupport

/// `consent expiry --within DAYS`: the data-protection lead's list of consents that lapse soon, so the
/// tenants can be asked again before what they agreed to leaves the exports.
@Suite(.ownThreads) struct ExpiryCLITests {
    static let register = "Tenancy Ref,Name,Email,Postcode\n"
        + "EX-1,Amina Khan,amina@example.org,LS1 4AB\n"
        + "EX-2,Carol White,carol@example.org,B1 1AA\n"
        + "EX-3,Piotr Nowak,piotr@example.org,M1 1AE\n"
        + "EX-4,Ștefan Popa,stefan@example.org,L1 8JQ\n"

    static let password = Data("correct horse battery\n".utf8)

    /// A calendar date `months` months and `days` days before today, as `--signed` takes it (UK time).
    static func signed(monthsAgo months: Int, plusDays days: Int) throws -> (text: String, date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/London"))
        let today = calendar.startOfDay(for: Date())
        let date = try #require(calendar.date(byAdding: DateComponents(month: -months, day: days), to: today))
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let text = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return (text, date)
    }

    func record(_ cli: CLI, _ ref: String, _ decision: String, signed: String? = nil) throws {
        let run = try cli.run(["record", "--password-stdin", ref, decision, "--attribute", "email", "--purpose", "service-updates-email",
                               "--staff", "S100", "--notice-version", "1", "--db", cli.db] + (signed.map { ["--signed", $0] } ?? []),
                              stdin: Self.password)
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func listsOnlyTheGrantsThatLapseInTheWindowWithTheirEndDateAndNoNames() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [])
        defer { cli.remove() }
        // The register keeps a consent 24 months (Forms/register.yaml).
        let soon = try Self.signed(monthsAgo: 24, plusDays: 10)      // lapses in about 10 days
        let later = try Self.signed(monthsAgo: 24, plusDays: 45)     // in about 45 days
        let withdrawn = try Self.signed(monthsAgo: 24, plusDays: 5)  // would lapse in 5 days, but withdrawn since
        try record(cli, "EX-1", "grant", signed: soon.text)
        try record(cli, "EX-2", "grant", signed: later.text)
        try record(cli, "EX-3", "grant", signed: withdrawn.text)
        try record(cli, "EX-3", "withdraw")
        try record(cli, "EX-4", "grant")                             // today: lapses in two years

        let run = try cli.run(["expiry", "--within", "30", "--json", "--db", cli.db])
        #expect(run.status == 0, "\(run.stderr)")
        let listing = try #require(try run.json() as? [String: Any])
        let grants = try #require(listing["grants"] as? [[String: Any]])
        #expect(grants.map { $0["tenant"] as? String } == ["EX-1"])
        #expect(grants.first?["purpose"] as? String == "service-updates-email")
        #expect(grants.first?["attributes"] as? [String] == ["email"])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/London"))
        let expected = try #require(calendar.date(byAdding: .month, value: 24, to: soon.date))
        let until = try #require(ISO8601DateFormatter().date(from: grants.first?["until"] as? String ?? ""))
        #expect(abs(until.timeIntervalSince(expected)) < 2 * 86_400, "ends 24 months after the day signed: \(until) vs \(expected)")
        #expect(listing["tenants"] as? Int == 1)

        let wider = try cli.run(["expiry", "--within", "60", "--db", cli.db])
        #expect(wider.status == 0, "\(wider.stderr)")
        #expect(wider.stdout.contains("EX-1") && wider.stdout.contains("EX-2") && !wider.stdout.contains("EX-3") && !wider.stdout.contains("EX-4"))
        #expect(wider.stdout.contains("2 consents of 2 tenants lapse within 60 days"))
        for name in ["Amina", "Carol", "amina@example.org"] { #expect(!wider.stdout.contains(name), "no names or values: \(name)") }

        let log = try cli.run(["audit", "log", "--db", cli.db])
        #expect(log.stdout.contains("expiry list by") && log.stdout.contains("2 grants of 2 tenants lapsing within 60 days"))
    }

    @Test func aWindowOutsideItsRangeIsRefusedWithWhatToType() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [])
        defer { cli.remove() }
        for bad in ["0", "100000"] {
            let run = try cli.run(["expiry", "--within", bad, "--db", cli.db])
            #expect(run.status != 0)
            #expect(run.stderr.contains("--within takes a number of days"), "\(run.stderr)")
        }
    }
}

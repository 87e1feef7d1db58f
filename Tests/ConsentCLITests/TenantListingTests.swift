import Foundation
import Testing
import TestSupport

/// `consent tenant list` shows a page for finding someone, never the whole register at once, and every
/// listing is recorded: who, why, when, how many and which references (never the names).
@Suite(.ownThreads) struct TenantListingTests {
    @Test func aListingIsBoundedToAPageAndRecordedWithWhoAndWhy() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "150", "--db", cli.db]).status == 0)
        let all = try cli.run(["tenant", "list", "--limit", "100000", "--db", cli.db])
        #expect(all.status != 0 && all.stdout.isEmpty, "every reference and name printed: \(all.stdout.split(separator: "\n").count) lines")
        #expect(all.stderr.contains("at most 100 tenants at a time") && all.stderr.contains("--after"), "\(all.stderr)")
        let unexplained = try cli.run(["tenant", "list", "--db", cli.db])
        #expect(unexplained.status != 0 && unexplained.stderr.contains("needs --reason"), "\(unexplained.stderr)")

        let first = try cli.run(["tenant", "list", "--reason", "finding a caller's reference", "--db", cli.db])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.count == 100)
        let last = try #require(lines.last?.split(separator: "\t").first.map(String.init))
        let rest = try cli.run(["tenant", "list", "--after", last, "--limit", "80", "--reason", "finding a caller's reference", "--db", cli.db, "--json"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect((try rest.json() as? [[String: Any]])?.count == 50)

        let log = try cli.run(["audit", "log", "--db", cli.db, "--json"])
        #expect(log.status == 0, "\(log.stderr)")
        let entries = try #require(try log.json() as? [[String: Any]]).compactMap { $0["what"] as? String }.filter { $0.hasPrefix("tenant list") }
        #expect(entries.count == 2, "each listing shown is recorded, the refused ones show nothing: \(entries)")
        let user = ProcessInfo.processInfo.environment["USER"] ?? ""
        #expect(entries.first?.contains("100 tenants shown") == true && entries.first?.contains("T0000001 … \(last)") == true, "\(entries)")
        #expect(entries.last?.contains("50 tenants shown") == true, "\(entries)")
        #expect(entries.allSatisfy { $0.contains("finding a caller's reference") && (user.isEmpty || $0.contains(user)) }, "\(entries)")
        let name = try #require(lines.first?.split(separator: "\t").last.map(String.init))
        #expect(!log.stdout.contains(name), "the log names references, never the tenants' names")
        let text = try cli.run(["audit", "log", "--db", cli.db])
        #expect(text.stdout.contains("tenant list by"), "\(text.stdout)")
    }
}

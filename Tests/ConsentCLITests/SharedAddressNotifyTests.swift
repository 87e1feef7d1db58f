import Foundation
import Testing
import TestSupport

/// `consent notify` never writes to an address several tenants hold: whoever reads that mailbox would
/// read another tenant's details. Staff are told whom it passed over, and why.
@Suite(.ownThreads) struct SharedAddressNotifyTests {
    static let register = "Tenancy Ref,Name,Email,Postcode\n"
        + "SH-1,Amina Khan,khan.family@example.org,LS1 4AB\n"
        + "SH-2,Yusuf Khan,Khan.Family@example.org,LS1 4AB\n"
        + "SH-3,Carol White,carol@example.org,B1 1AA\n"
        + "SH-4,Omar Khan,khan.family@example.org,LS1 4AB\n"

    func granted(_ refs: [String]) throws -> CLI {
        try CLI.withUpdatesRegister(Self.register, grants: refs.map { ($0, ["email", "full-name"]) })
    }

    @Test func tenantsSharingAnAddressGetNoMessageAndStaffAreToldWhoAndWhy() throws {
        // SH-4 never agreed to emails, but reads the family mailbox too.
        let cli = try granted(["SH-1", "SH-2", "SH-3"])
        defer { cli.remove() }
        let out = cli.dir.appendingPathComponent("mail").path
        let run = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update", "--out", out, "--db", cli.db, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        #expect(report["messages"] as? Int == 1, "only Carol, who alone holds her address")
        #expect((report["leftOut"] as? [String: Int])?["shared-address"] == 2)
        let skipped = try #require(report["skipped"] as? [[String: Any]])
        #expect(skipped.map { $0["tenant"] as? String } == ["SH-1", "SH-2"])
        #expect(skipped.allSatisfy { $0["reason"] as? String == "shared-address" })
        #expect(skipped.first?["sharedWith"] as? [String] == ["SH-2", "SH-4"])
        #expect(skipped.last?["sharedWith"] as? [String] == ["SH-1", "SH-4"])

        let messages = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".eml") }
        #expect(messages.count == 1)
        for name in messages {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            #expect(!text.lowercased().contains("khan.family"), "nothing goes to the shared mailbox")
        }
        // Nothing was disclosed about the tenants passed over.
        for ref in ["SH-1", "SH-2"] {
            let show = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
            let disclosures = try #require(try show.json() as? [String: Any])["disclosures"] as? [[String: Any]] ?? []
            #expect(disclosures.isEmpty, "\(ref): \(disclosures)")
        }

        // Without --json, staff read the references and what to do.
        let text = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update",
                                "--out", cli.dir.appendingPathComponent("mail-2").path, "--db", cli.db])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("2 tenant(s) not written to because another tenant holds the same email"), "\(text.stdout)")
        #expect(text.stdout.contains("SH-1\tshares it with SH-2, SH-4") && text.stdout.contains("SH-2\tshares it with SH-1, SH-4"), "\(text.stdout)")
        #expect(text.stdout.contains("Check the address with each tenant"))
    }

    @Test func theDemosSharedEmailReachesNeitherTenant() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--db", cli.db]).status == 0)
        // Who holds which email, read independently of notify (the contract purpose: every tenant's).
        let all = cli.dir.appendingPathComponent("all.jsonl").path
        #expect(try cli.run(["export", "--purpose", "tenancy-management", "--columns", "email", "--format", "jsonl", "--out", all, "--db", cli.db]).status == 0)
        var holders: [String: [String]] = [:]
        for line in try String(contentsOfFile: all, encoding: .utf8).split(separator: "\n") {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            if let email = row["email"], let ref = row["tenancy_reference"] { holders[email.lowercased(), default: []].append(ref) }
        }
        let shared = holders.filter { $0.value.count > 1 }
        try #require(!shared.isEmpty, "the demo register has tenants sharing an email: the test would prove nothing")

        let out = cli.dir.appendingPathComponent("mail").path
        let run = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update", "--out", out, "--db", cli.db, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        #expect((report["messages"] as? Int ?? 0) > 10)
        for name in try FileManager.default.contentsOfDirectory(atPath: out) where name.hasSuffix(".eml") {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            let to = text.components(separatedBy: "\r\n").first { $0.hasPrefix("To: <") }?.dropFirst(5).dropLast().lowercased() ?? ""
            #expect(shared[String(to)] == nil, "\(name) went to \(to), which \(shared[String(to)] ?? []) share")
        }
        let skipped = Set((report["skipped"] as? [[String: Any]] ?? []).compactMap { $0["tenant"] as? String })
        #expect(skipped.isSubset(of: Set(shared.values.joined())), "only sharers are passed over")
    }
}

import Foundation
import Testing
import TestSupport

/// Joint tenancies (issue 22): two tenants on one tenancy are two data subjects, each with their own
/// values and choices; nothing of one is shown or sent to the other, and staff see who else holds the
/// tenancy by reference only. Amina (JT-1) and Yusuf (JT-2) hold tenancy TEN-0042 and share the
/// address, the postcode and the family email; Carol (JT-3) holds a tenancy alone.
@Suite(.ownThreads) struct JointTenancyCLITests {
    static let register = "Tenancy Ref,Name,DOB,Address,Postcode,Mobile,Email,Joint Tenancy\n"
        + "JT-1,Amina Khan,14/03/1980,12 Mill Lane Leeds,LS1 4AB,07700900111,khan.home@example.org,TEN-0042\n"
        + "JT-2,Yusuf Khan,02/11/1978,12 Mill Lane Leeds,LS1 4AB,07700900222,khan.home@example.org,TEN-0042\n"
        + "JT-3,Carol White,01/01/1990,3 Park Row Bradford,BD1 1AA,07700900333,carol@example.org,\n"
    /// What only Yusuf's record holds: none of it may reach Amina.
    static let yusufs = ["Yusuf", "07700900222", "1978", "JT-2"]
    static let password = Data("correct horse battery\n".utf8)

    func show(_ cli: CLI, _ ref: String) throws -> [String: Any] {
        let out = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        return try #require(try out.json() as? [String: Any])
    }

    func decisions(_ cli: CLI, _ ref: String) throws -> [String: String] {
        let items = (try show(cli, ref)["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        var result: [String: String] = [:]
        for item in items {
            for use in item["uses"] as? [[String: Any]] ?? [] {
                result["\(item["attribute"] ?? "")/\(use["purpose"] ?? "")"] = use["decision"] as? String
            }
        }
        return result
    }

    func value(_ cli: CLI, _ ref: String, _ attribute: String) throws -> String? {
        let items = (try show(cli, ref)["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return items.first { $0["attribute"] as? String == attribute }?["value"] as? String
    }

    @Test func theImportLinksJointTenantsAndStaffSeeTheOtherByReferenceOnly() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [])
        defer { cli.remove() }
        // Each keeps their own reference and record; the tenancy is a value of each, from the ledger.
        #expect(try value(cli, "JT-1", "joint-tenancy") == "TEN-0042")
        #expect(try value(cli, "JT-2", "joint-tenancy") == "TEN-0042")
        #expect(try value(cli, "JT-3", "joint-tenancy") == nil)
        #expect(try show(cli, "JT-1")["jointTenants"] as? [String] == ["JT-2"])
        #expect(try show(cli, "JT-2")["jointTenants"] as? [String] == ["JT-1"])
        #expect(try show(cli, "JT-3")["jointTenants"] as? [String] == [])

        // Staff read it first, by reference only: nothing of Yusuf's in Amina's view.
        let text = try cli.run(["tenant", "show", "JT-1", "--db", cli.db])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("Joint tenancy, also held by JT-2: a tenant of their own"), "\(text.stdout.prefix(300))")
        for secret in Self.yusufs.dropLast() { #expect(!text.stdout.contains(secret), "\(secret) in JT-1's view") }
        #expect(text.stdout.contains("Amina Khan"))
        // The desk's search says it too, for each of them, without mixing their records.
        let find = try cli.run(["tenant", "find", "--name", "khan", "--db", cli.db])
        #expect(find.stdout.contains("JT-1\tAmina Khan\tLS1 4AB  (joint tenancy with JT-2)"), "\(find.stdout)")
        #expect(find.stdout.contains("JT-2\tYusuf Khan\tLS1 4AB  (joint tenancy with JT-1)"), "\(find.stdout)")

        // Staff add Carol to the tenancy (a correction with evidence, in the ledger like any value).
        let added = try cli.run(["correct", "JT-3", "--attribute", "joint-tenancy", "--value", "TEN-0042", "--staff", "S100",
                                 "--evidence", "tenancy agreement seen", "--password-stdin", "--db", cli.db], stdin: Self.password)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try show(cli, "JT-1")["jointTenants"] as? [String] == ["JT-2", "JT-3"])
        let history = try cli.run(["tenant", "history", "JT-3", "--db", cli.db])
        #expect(history.stdout.contains("Joint tenancy"), "\(history.stdout)")
        // A value that is not a tenancy number is refused, and changes nothing.
        let odd = try cli.run(["correct", "JT-3", "--attribute", "joint-tenancy", "--value", "TEN 42; JT-1", "--staff", "S100",
                               "--evidence", "x", "--password-stdin", "--db", cli.db], stdin: Self.password)
        #expect(odd.status != 0)
        #expect(try value(cli, "JT-3", "joint-tenancy") == "TEN-0042")
        // The projection is still the fold of the ledger.
        let verify = try cli.run(["ledger", "verify", "--db", cli.db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func oneJointTenantsWithdrawalLeavesTheOthersGrantInTheirExport() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [("JT-1", ["email", "full-name"]), ("JT-2", ["email", "full-name"])])
        defer { cli.remove() }
        let withdraw = try cli.run(["record", "--password-stdin", "JT-1", "withdraw", "--attribute", "email", "--attribute", "full-name",
                                    "--purpose", "service-updates-email", "--staff", "S100", "--db", cli.db],
                                   stdin: Self.password)
        #expect(withdraw.status == 0, "\(withdraw.stderr)")
        #expect(try decisions(cli, "JT-1")["email/service-updates-email"] == "withdrawn")
        #expect(try decisions(cli, "JT-2")["email/service-updates-email"] == "granted", "Amina's withdrawal changed Yusuf's grant")

        let out = cli.dir.appendingPathComponent("updates.jsonl").path
        let export = try cli.run(["export", "--purpose", "service-updates-email", "--format", "jsonl", "--out", out, "--db", cli.db])
        #expect(export.status == 0, "\(export.stderr)")
        let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rows.map { $0["tenancy_reference"] as? String } == ["JT-2"], "\(rows)")
        #expect(rows.first?["full-name"] as? String == "Yusuf Khan", "\(rows)")
        #expect(!(try String(contentsOfFile: out, encoding: .utf8)).contains("Amina"))

        // And the other way: Yusuf withdraws, Amina grants again; each export follows each one's own choice.
        for (ref, decision) in [("JT-2", "withdraw"), ("JT-1", "grant")] {
            let run = try cli.run(["record", "--password-stdin", ref, decision, "--attribute", "email", "--attribute", "full-name",
                                   "--purpose", "service-updates-email", "--staff", "S100", "--notice-version", "1", "--db", cli.db],
                                  stdin: Self.password)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let again = cli.dir.appendingPathComponent("updates-2.jsonl").path
        #expect(try cli.run(["export", "--purpose", "service-updates-email", "--format", "jsonl", "--out", again, "--db", cli.db]).status == 0)
        let second = try String(contentsOfFile: again, encoding: .utf8)
        #expect(second.contains("JT-1") && second.contains("Amina Khan") && !second.contains("JT-2") && !second.contains("Yusuf"), "\(second)")
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }

    @Test func aWhatWeHoldAnswerToOneJointTenantHoldsNothingOfTheOther() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [("JT-1", ["email", "full-name"]), ("JT-2", ["email", "full-name"])])
        defer { cli.remove() }
        // The family email is shared: neither answer nor update goes there, and staff are told who shares it.
        let first = cli.dir.appendingPathComponent("answer").path
        let refused = try cli.run(["notify", "--template", "what-we-hold", "--tenant", "JT-1", "--out", first, "--db", cli.db])
        #expect(refused.status == 0, "\(refused.stderr)")
        #expect(refused.stdout.contains("JT-1\tshares it with JT-2"), "\(refused.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: first).filter { $0.hasSuffix(".eml") }.isEmpty)
        let updates = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update",
                                   "--out", cli.dir.appendingPathComponent("updates").path, "--db", cli.db, "--json"])
        let report = try #require(try updates.json() as? [String: Any])
        #expect(report["messages"] as? Int == 0)
        let skipped = (report["skipped"] as? [[String: Any]] ?? []).map { "\($0["tenant"] ?? "") \($0["sharedWith"] ?? "")" }
        #expect(skipped.count == 2 && skipped.allSatisfy { $0.hasPrefix("JT-1") || $0.hasPrefix("JT-2") }, "\(skipped)")

        // Once Yusuf has an email of his own, Amina's answer goes to hers, holding hers alone.
        let own = try cli.run(["correct", "JT-2", "--attribute", "email", "--value", "yusuf.k@example.org", "--staff", "S100",
                               "--password-stdin", "--db", cli.db], stdin: Self.password)
        #expect(own.status == 0, "\(own.stderr)")
        let second = cli.dir.appendingPathComponent("answer-2").path
        let answered = try cli.run(["notify", "--template", "what-we-hold", "--tenant", "JT-1", "--out", second, "--db", cli.db])
        #expect(answered.status == 0, "\(answered.stderr)")
        let messages = try FileManager.default.contentsOfDirectory(atPath: second).filter { $0.hasSuffix(".eml") }
        try #require(messages.count == 1, "\(answered.stdout)")
        let raw = try String(contentsOfFile: second + "/" + messages[0], encoding: .utf8)
        // The body is base64 (RFC 2045): read it as a mail program would.
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let body = Data(base64Encoded: parts.dropFirst().joined().replacingOccurrences(of: "\r\n", with: "")).map { String(decoding: $0, as: UTF8.self) }
        let mail = parts[0] + "\n" + (try #require(body, "the body is not base64"))
        #expect(mail.contains("To: <khan.home@example.org>") && mail.contains("Amina") && mail.contains("TEN-0042"), "\(mail)")
        for secret in Self.yusufs + ["yusuf.k"] { #expect(!mail.contains(secret), "\(secret) in Amina's answer") }
        // The leak scanner, which knows them both (the same surname at the same address), finds one tenant in it.
        let scan = try cli.run(["scan", "--db", cli.db, second + "/" + messages[0]])
        #expect(scan.status == 0, "\(scan.stdout)\(scan.stderr)")
    }

    @Test(.enabled(if: AccessPackCLITests.weasyprint != nil, "needs WeasyPrint 70 from .ci/setup"))
    func oneJointTenantsAccessPackHoldsNothingOfTheOther() throws {
        let cli = try CLI.withUpdatesRegister(Self.register, grants: [("JT-2", ["email", "full-name"])])
        defer { cli.remove() }
        // An export of both, so each has disclosures of their own.
        let csv = cli.dir.appendingPathComponent("tenancy.csv").path
        #expect(try cli.run(["export", "--purpose", "tenancy-management", "--out", csv, "--db", cli.db]).status == 0)
        let pdf = cli.dir.appendingPathComponent("amina.pdf").path
        let made = try AccessPackCLITests().pack(cli, ["JT-1", "--out", pdf, "--language", "en"])
        #expect(made.status == 0, "\(made.stderr)")
        let text = try AccessPackCLITests().text(pdf)
        for expected in ["Amina Khan", "07700900111", "TEN-0042", "Joint tenancy"] { #expect(text.contains(expected), "missing \(expected)") }
        for secret in Self.yusufs { #expect(!text.contains(secret), "\(secret) in Amina's access pack") }
    }
}

import Foundation
import Testing
import TestSupport

/// `consent stats` (counts only, suppressed and rounded) and `consent return` (pseudonymised).
@Suite(.ownThreads) struct StatsAndReturnTests {
    func register(_ cli: CLI) throws {
        try cli.run(["init", "--db", cli.db])
        var csv = "Tenancy Ref,Name,Religion,Date of birth,Postcode,Disability,Ethnic origin\n"
        for i in 1...40 {
            let religion = i <= 22 ? "christian" : i <= 34 ? "muslim" : "none"
            csv += "R-\(i),Tenant \(i),\(religion),1980-0\(1 + i % 9)-1\(i % 10),LS1 4AB,\(i % 4 == 0 ? "Hearing loss" : ""),white-british\n"
        }
        let imported = try cli.run(["import", try cli.write("r.csv", Data(csv.utf8)), "--db", cli.db])
        #expect(imported.status == 0, "\(imported.stderr)")
        try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam", "--password-stdin", "--db", cli.db],
                    stdin: Data("correct horse battery\n".utf8))
    }

    @Test func statsCountOnlyWithSmallNumbersSuppressedAndObjectionsLeftOut() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try register(cli)
        for ref in ["R-1", "R-2"] {
            #expect(try cli.run(["record", "--password-stdin", ref, "object", "--attribute", "religion", "--purpose", "equality-monitoring",
                                 "--staff", "S100", "--db", cli.db], stdin: Data("correct horse battery\n".utf8)).status == 0)
        }
        let stats = try cli.run(["stats", "--purpose", "equality-monitoring", "--by", "religion", "--db", cli.db, "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let json = try #require(try stats.json() as? [String: Any])
        let table = try #require(json["table"] as? [String: Any])
        let cells = try #require(table["cells"] as? [[String: Any]])
        func count(_ category: String) -> Int? { cells.first { ($0["categories"] as? [String]) == [category] }?["count"] as? Int }
        #expect(count("christian") == 20, "22 christians, 2 objected: 20")
        #expect(count("muslim") == nil, "12 is published only if it cannot reveal the 6: it is the suppressed partner")
        #expect(count("none") == nil, "6 is under 10")
        #expect(table["total"] as? Int == 40, "38 counted, rounded to 40")
        #expect(!stats.stdout.contains("R-"), "no tenancy reference in statistics")
        let text = try cli.run(["stats", "--purpose", "equality-monitoring", "--by", "religion", "--db", cli.db])
        #expect(text.stdout.contains("christian\t20") && text.stdout.contains("none\t*"))
        let freeText = try cli.run(["stats", "--purpose", "tailoring-services", "--by", "health-needs", "--db", cli.db])
        #expect(freeText.status != 0 && freeText.stderr.contains("free text"))
        let undeclared = try cli.run(["stats", "--purpose", "service-updates-email", "--by", "religion", "--db", cli.db])
        #expect(undeclared.status != 0 && undeclared.stderr.contains("not an attribute of purpose"))
    }

    @Test func regulatorReturnIsPseudonymisedStableAndHoldsNoIdentifyingValue() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try register(cli)
        // The return is a legal obligation: it cannot be objected to, but a question can be declined.
        let objection = try cli.run(["record", "--password-stdin", "R-3", "object", "--attribute", "ethnic-origin", "--purpose", "regulator-returns",
                                     "--staff", "S100", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
        #expect(objection.status != 0 && objection.stderr.contains("cannot be switched off"), "\(objection.stderr)")
        let declined = try cli.run(["correct", "--password-stdin", "R-3", "--attribute", "ethnic-origin", "--prefer-not-to-say",
                                    "--staff", "S100", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
        #expect(declined.status == 0, "\(declined.stderr)")
        let first = cli.dir.appendingPathComponent("core-1.csv").path, second = cli.dir.appendingPathComponent("core-2.csv").path
        var summary = ""
        for out in [first, second] {
            let made = try cli.run(["return", "--out", out, "--db", cli.db])
            #expect(made.status == 0, "\(made.stderr)")
            summary = made.stdout
        }
        // Staff are told who declined what (the list stays here; the file carries pseudonyms only).
        #expect(summary.contains("1 tenant(s) declined a question") && summary.contains("R-3\tethnic-origin"), "\(summary)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first + ".manifest.json"))) as? [String: Any])
        #expect(manifest["refusals"] as? Int == 1)
        let rows = ExportTests().rows(try String(contentsOfFile: first, encoding: .utf8))
        #expect(rows.first == ["tenant_pseudonym", "age", "sex", "postcode_district", "preferred_language", "disability_or_health_need", "ethnic_group"])
        let body = rows.dropFirst()
        #expect(body.count == 40)
        let text = try String(contentsOfFile: first, encoding: .utf8)
        for secret in ["R-1", "Tenant", "Hearing loss", "LS1 4AB", "1980-"] { #expect(!text.contains(secret), "\(secret) in the return") }
        #expect(body.allSatisfy { $0[3] == "LS1" && (Int($0[1]) ?? 0) > 40 })
        #expect(body.filter { $0[5] == "yes" }.count == 10, "every fourth tenant has a need: yes, never its text")
        #expect(body.filter { $0[6] == "white-british" }.count == 39)
        #expect(body.filter { $0[6] == "tenant prefers not to say" }.count == 1, "the one who declined is sent as the form's own answer, not dropped")
        let again = ExportTests().rows(try String(contentsOfFile: second, encoding: .utf8)).dropFirst()
        #expect(Set(body.map { $0[0] }) == Set(again.map { $0[0] }), "the same tenants keep the same pseudonyms")
        #expect(Set(body.map { $0[0] }).count == 40)
        let key = cli.db + ".pseudonym-key"
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        chmod(key, 0o644)
        let open = try cli.run(["return", "--out", cli.dir.appendingPathComponent("core-3.csv").path, "--db", cli.db])
        #expect(open.status != 0 && open.stderr.contains("chmod 600"))
    }
}

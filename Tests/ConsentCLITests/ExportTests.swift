import Foundation
import Testing
import TestSupport

/// `consent export`: only what consent and the law allow leaves, per tenant and attribute.
@Suite(.ownThreads) struct ExportTests {
    func uses(_ cli: CLI, _ ref: String) throws -> (uses: [String: [String: Any]], disclosures: [[String: Any]]) {
        let show = try cli.run(["tenant", "show", ref, "--db", cli.db, "--json"])
        let json = try #require(try show.json() as? [String: Any])
        var out: [String: [String: Any]] = [:]
        for item in (json["report"] as? [String: Any])?["items"] as? [[String: Any]] ?? [] {
            for use in item["uses"] as? [[String: Any]] ?? [] { out["\(item["attribute"] ?? "")/\(use["purpose"] ?? "")"] = use }
        }
        return (out, json["disclosures"] as? [[String: Any]] ?? [])
    }

    /// Parses our CSV output (RFC 4180) into rows.
    func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        // A CSV reader drops the byte-order mark an export starts with (Python's utf-8-sig, Excel).
        var chars = Array(text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text))[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" { if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false } } else { field.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { row.append(field); field = "" } else if c == "\r\n" || c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(c) }
        }
        return rows
    }

    @Test func onlyConsentedCellsLeaveAndEachIncludedTenantSeesTheDisclosure() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["demo", "--tenants", "120", "--db", cli.db])
        let out = cli.dir.appendingPathComponent("emails.csv").path
        let export = try cli.run(["export", "--purpose", "service-updates-email", "--out", out, "--db", cli.db, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        let manifest = try #require(try export.json() as? [String: Any])
        let table = rows(try String(contentsOfFile: out, encoding: .utf8))
        #expect(table.first == ["tenancy_reference", "full-name", "preferred-name", "email", "preferred-language"])
        let body = table.dropFirst()
        #expect(body.count == manifest["rows"] as? Int)
        #expect((manifest["rows"] as? Int ?? 0) + (manifest["tenantsLeftOut"] as? Int ?? 0) == 120)
        #expect(body.count > 5 && body.count < 120)
        for row in body.prefix(15) {
            let (uses, disclosures) = try uses(cli, row[0])
            #expect(uses["email/service-updates-email"]?["usableNow"] as? Bool == true, "\(row[0]) exported without consent")
            #expect(row[3].contains("@"))
            #expect(disclosures.contains { $0["purpose"] as? String == "service-updates-email" })
        }
        // Someone left out had no usable consent for their email.
        let exported = Set(body.map { $0[0] })
        let everyone = (1...120).map { String(format: "T%07d", $0) }
        for ref in everyone.filter({ !exported.contains($0) }).prefix(10) {
            #expect(try uses(cli, ref).uses["email/service-updates-email"]?["usableNow"] as? Bool != true)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(FileManager.default.fileExists(atPath: out + ".manifest.json"))
        // Never over an existing file; unknown purposes refused; nothing half-written left behind.
        let again = try cli.run(["export", "--purpose", "service-updates-email", "--out", out, "--db", cli.db])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        let unknown = try cli.run(["export", "--purpose", "marketing", "--out", cli.dir.appendingPathComponent("m.csv").path, "--db", cli.db])
        #expect(unknown.status != 0 && unknown.stderr.contains("no purpose 'marketing'"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path).filter { $0.hasPrefix(".consent-export") || $0.hasPrefix("m.csv") }
        #expect(leftovers.isEmpty)
    }

    @Test func specialCategoriesOnlyWhereExplicitlyGrantedAndFormulasNeutralised() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["init", "--db", cli.db])
        let csv = "Tenancy Ref,Name,Email,Disability,Religion\n"
            + "AB-1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",a@example.org,Uses a wheelchair,Muslim\n"
            + "AB-2,@SUM(A1),b@example.org,Hearing loss,Christian\n"
        #expect(try cli.run(["import", try cli.write("r.csv", Data(csv.utf8)), "--db", cli.db]).status == 0)
        try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam", "--password-stdin", "--db", cli.db],
                    stdin: Data("correct horse battery\n".utf8))
        for ref in ["AB-1", "AB-2"] {
            #expect(try cli.run(["record", "--password-stdin", ref, "grant", "--attribute", "email", "--attribute", "full-name", "--purpose", "service-updates-email",
                                 "--staff", "S100", "--notice-version", "1", "--db", cli.db], stdin: Data("correct horse battery\n".utf8)).status == 0)
        }
        #expect(try cli.run(["record", "--password-stdin", "AB-1", "grant", "--attribute", "health-needs", "--attribute", "full-name", "--purpose", "tailoring-services",
                             "--staff", "S100", "--notice-version", "1", "--db", cli.db], stdin: Data("correct horse battery\n".utf8)).status == 0)
        // A special category's paper grant waits for a second person, who confirms it on the scanned form.
        try cli.run(["staff", "add", "P200", "--role", "supervisor", "--name", "Pat", "--password-stdin", "--db", cli.db],
                    stdin: Data("correct horse battery\n".utf8))
        let held = try #require((try cli.run(["staff", "held", "--db", cli.db, "--json"]).json() as? [[String: Any]])?.first?["event"] as? String)
        let confirmed = try cli.run(["staff", "confirm", "--password-stdin", "AB-1", held, "--staff", "P200", "--how", "evidence", "--evidence", "form scanned",
                                     "--reason", "desk-evidence", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        let emails = cli.dir.appendingPathComponent("e.csv").path
        #expect(try cli.run(["export", "--purpose", "service-updates-email", "--out", emails, "--db", cli.db]).status == 0)
        let table = rows(try String(contentsOfFile: emails, encoding: .utf8))
        #expect(table[1][1] == "'=HYPERLINK(\"http://x\",\"y\")")
        #expect(table[2][1] == "'@SUM(A1)")
        let tailoring = cli.dir.appendingPathComponent("t.csv").path
        #expect(try cli.run(["export", "--purpose", "tailoring-services", "--out", tailoring, "--db", cli.db]).status == 0)
        let text = try String(contentsOfFile: tailoring, encoding: .utf8)
        #expect(text.contains("Uses a wheelchair"))
        #expect(!text.contains("Hearing loss"), "AB-2 never granted tailoring: the purpose requires health needs, so AB-2 is left out")
        let equality = cli.dir.appendingPathComponent("q.csv").path
        #expect(try cli.run(["export", "--purpose", "equality-monitoring", "--out", equality, "--db", cli.db]).status == 0)
        let eq = try String(contentsOfFile: equality, encoding: .utf8)
        for secret in ["muslim", "christian", "Uses a wheelchair", "Hearing loss"] {
            #expect(!eq.contains(secret), "special category \(secret) in a row-level equality export")
        }
    }
}

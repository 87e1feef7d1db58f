import Foundation
import Testing
import TestSupport

/// Equality-monitoring rows leave with a keyed pseudonym and an age band, never the tenancy reference or the
/// date of birth (issue 22: "equality monitoring leaves identified rows only through keyed pseudonyms").
@Suite(.ownThreads) struct PseudonymisedExportCLITests {
    /// The file's rows as cells (a plain CSV: the demo holds no comma or quote in these columns).
    /// What a cell of a small group holds.
    static let suppressed = "suppressed (small group)"

    static func table(_ path: String) throws -> [[String]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data, as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func equalityRowsCarryAPseudonymAndAnAgeNeverTheReferenceOrTheDateOfBirth() throws {
        let cli = try CLI()
        defer { cli.remove() }
        // Enough tenants that T0000001's age band, sex and language are shared by five (small groups are suppressed).
        #expect(try cli.run(["demo", "--tenants", "300", "--db", cli.db]).status == 0)
        let out = cli.dir.appendingPathComponent("q.csv").path
        let export = try cli.run(["export", "--purpose", "equality-monitoring", "--out", out, "--db", cli.db, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        let rows = try Self.table(out)
        let scratch = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path).filter { $0.hasPrefix(".consent-export-") }
        #expect(scratch.isEmpty, "the rows held for pseudonym order left scratch files: \(scratch.prefix(3))")
        #expect(rows.first?.prefix(2) == ["tenant_pseudonym", "age-band"], "\(rows.first ?? [])")
        #expect(rows.count == 301, "one row per demo tenant: \(rows.count - 1)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.range(of: #"T[0-9]{7}"#, options: .regularExpression) == nil, "a tenancy reference left in an equality export")
        #expect(text.range(of: #"[0-9]{4}-[0-9]{2}-[0-9]{2}"#, options: .regularExpression) == nil, "a date left in an equality export")
        let manifest = try #require(try export.json() as? [String: Any])
        #expect((manifest["columns"] as? [String])?.prefix(2) == ["tenant_pseudonym", "age-band"])

        // Rows come in pseudonym order, not the register's (which would give away whose row is whose).
        let pseudonyms = rows.dropFirst().compactMap(\.first)
        #expect(pseudonyms == pseudonyms.sorted(), "rows in register order")
        // An independent oracle: HMAC-SHA-256 of the reference under the purpose's key (HKDF-SHA-256 of the key
        // file with the purpose's id), and the age from the demo's date of birth for T0000001 (30/08/2001), by python3.
        let keyPath = cli.db + ".pseudonym-key"
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "the pseudonym key is private: \(String(mode, radix: 8))")
        let oracle = try Subprocess.run("/usr/bin/python3", ["-c", """
            import base64, hmac, hashlib, datetime, sys
            lines = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
            root = base64.b64decode(lines[0])
            prk = hmac.new(b'\\x00' * 32, root, hashlib.sha256).digest()
            key = hmac.new(prk, b'tenantconsent pseudonym equality-monitoring\\x01', hashlib.sha256).digest()
            today = datetime.datetime.now(datetime.timezone.utc).date()
            age = today.year - 2001 - ((today.month, today.day) < (8, 30))
            band = 'under-16' if age < 16 else '16-24' if age < 25 else '85+' if age >= 85 else f'{25 + (age - 25) // 10 * 10}-{34 + (age - 25) // 10 * 10}'
            print('P' + hmac.new(key, b'T0000001', hashlib.sha256).hexdigest()[:32] + ',' + band)
            """, keyPath])
        let expected = oracle.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
        let first = try #require(rows.first { $0.first == expected.first }, "no row with T0000001's pseudonym \(expected)")
        #expect(first[1] == expected.last, "T0000001's age band: \(first[1]), expected \(expected.last ?? "")")

        // The same key gives every tenant the same pseudonym next time; the disclosure is still per tenant.
        let again = cli.dir.appendingPathComponent("q2.csv").path
        #expect(try cli.run(["export", "--purpose", "equality-monitoring", "--out", again, "--db", cli.db]).status == 0)
        #expect(try Self.table(again).map { $0.first } == rows.map { $0.first })
        // The regulator return uses the same key file, but no pseudonym of one file is found in the other.
        let returned = cli.dir.appendingPathComponent("r.csv").path
        let made = try cli.run(["return", "--out", returned, "--db", cli.db])
        #expect(made.status == 0, "\(made.stderr)")
        let theirs = Set(try Self.table(returned).dropFirst().compactMap(\.first))
        #expect(!theirs.isEmpty && theirs.isDisjoint(with: pseudonyms), "the return and the equality rows can be joined")
        // A tenant is disclosed when a cell of theirs left (counted from the file); each export records its own.
        let sent = rows.dropFirst().filter { $0.dropFirst().contains { !$0.isEmpty && $0 != Self.suppressed } }.count
        let disclosed = try Subprocess.run("/usr/bin/sqlite3", [cli.db, "SELECT group_concat(n) FROM (SELECT count(*) AS n FROM disclosure d JOIN export e ON e.no = d.export_no WHERE e.purpose_id = 'equality-monitoring' GROUP BY d.export_no)"])
        #expect(disclosed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(sent),\(sent)", "\(disclosed.stdout) against \(sent) in the file")
    }

    /// A tenant's own words (a gender write-in, health needs) can name them, so only whether they gave some leaves,
    /// even with an explicit grant for the equality team.
    @Test func aTenantsOwnWordsLeaveOnlyAsWhetherTheyGaveSome() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "20", "--db", cli.db]).status == 0)
        let password = Data("correct horse battery\n".utf8)
        for (id, role) in [("S100", "support"), ("S200", "supervisor")] {
            try cli.run(["staff", "add", id, "--role", role, "--name", id, "--password-stdin", "--db", cli.db], stdin: password)
        }
        let words = ["gender-identity-write-in": "Genderfluid since 2019", "health-needs": "Wheelchair user, MS, flat 4 ramp"]
        for (attribute, value) in [("gender-identity", "no")] + words.sorted(by: { $0.key < $1.key }) {
            let corrected = try cli.run(["correct", "T0000001", "--attribute", attribute, "--value", value, "--staff", "S100", "--password-stdin",
                                         "--db", cli.db], stdin: password)
            #expect(corrected.status == 0, "\(corrected.stderr)")
        }
        let grant = try cli.run(["record", "--password-stdin", "T0000001", "grant", "--purpose", "equality-monitoring", "--attribute", "gender-identity",
                                 "--attribute", "gender-identity-write-in", "--attribute", "health-needs", "--staff", "S100", "--notice-version", "5",
                                 "--db", cli.db], stdin: password)
        let held = try #require(grant.stdout.firstMatch(of: /held-grant (\S+#[0-9]+)/)?.1, "\(grant.stdout)\(grant.stderr)")
        let confirmed = try cli.run(["staff", "confirm", "T0000001", String(held), "--staff", "S200", "--how", "call-back", "--reason", "call-back",
                                     "--password-stdin", "--db", cli.db], stdin: password)
        #expect(confirmed.status == 0, "\(confirmed.stderr)")

        let out = cli.dir.appendingPathComponent("q.csv").path
        let export = try cli.run(["export", "--purpose", "equality-monitoring", "--out", out, "--db", cli.db])
        #expect(export.status == 0, "\(export.stderr)")
        let rows = try Self.table(out)
        let header = try #require(rows.first)
        #expect(!header.contains("health-needs") && !header.contains("gender-identity-write-in"), "\(header)")
        let given = ["gender-identity-write-in-given", "health-needs-given"].compactMap { header.firstIndex(of: $0) }
        #expect(given.count == 2, "\(header)")
        // The granted tenant's row (the only one whose gender identity left) says "yes" twice and none of their words.
        let identity = try #require(header.firstIndex(of: "gender-identity"))
        let granted = rows.dropFirst().filter { $0[identity] == "no" }
        #expect(granted.count == 1 && granted.first.map { row in given.map { row[$0] } } == ["yes", "yes"], "\(granted)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        for word in ["Genderfluid", "Wheelchair", "ramp"] { #expect(!text.contains(word), "the tenant's own words left: \(word)") }
    }
}

extension PseudonymisedExportCLITests {
    /// Recalls of a pseudonymised export name the pseudonyms its file carries, never tenancy references; without the
    /// key it was made with, nothing is printed.
    @Test func recallsOfAPseudonymisedExportNameItsPseudonymsNotReferences() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "40", "--db", cli.db]).status == 0)
        let password = Data("correct horse battery\n".utf8)
        #expect(try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam", "--password-stdin", "--db", cli.db], stdin: password).status == 0)
        let out = cli.dir.appendingPathComponent("q.csv").path
        #expect(try cli.run(["export", "--purpose", "equality-monitoring", "--out", out, "--db", cli.db]).status == 0)
        let pseudonyms = Set(try Self.table(out).dropFirst().compactMap(\.first))
        let objected = try cli.run(["record", "--password-stdin", "T0000001", "object", "--attribute", "sex", "--purpose", "equality-monitoring",
                                    "--staff", "S100", "--db", cli.db], stdin: password)
        #expect(objected.status == 0, "\(objected.stderr)")

        let recalls = try cli.run(["export", "recalls", out + ".manifest.json", "--db", cli.db, "--json"])
        #expect(recalls.status == 0, "\(recalls.stderr)")
        let list = try #require(try recalls.json() as? [[String: Any]])
        #expect(list.count == 1 && list.first?["change"] as? String == "objected", "\(list)")
        let named = try #require(list.first?["tenant"] as? String)
        #expect(pseudonyms.contains(named), "the recall names \(named), which the export's file does not carry")
        let text = try cli.run(["export", "recalls", out + ".manifest.json", "--db", cli.db])
        #expect(text.stdout.contains(named) && text.stdout.range(of: #"T[0-9]{7}"#, options: .regularExpression) == nil, "\(text.stdout)")

        // Without the key file, no new key is made (it would give other pseudonyms): a clear refusal.
        try FileManager.default.removeItem(atPath: cli.db + ".pseudonym-key")
        let keyless = try cli.run(["export", "recalls", out + ".manifest.json", "--db", cli.db])
        #expect(keyless.status != 0 && keyless.stderr.contains("give --pseudonym-key FILE"), "\(keyless.stderr)")
        #expect(keyless.stdout.isEmpty && !FileManager.default.fileExists(atPath: cli.db + ".pseudonym-key"))
    }
}

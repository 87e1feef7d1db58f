import ConsentStore
import Foundation
import Testing
import TestSupport

/// `export`, `export recalls`, `notify`, `stats` and `return` read a PostgreSQL centre (`--database`)
/// and give what they give from the SQLite centre it was migrated from.
@Suite(.serialized, .ownThreads) struct PostgresOutputsCLITests {
    /// A demo SQLite centre with an export, withdrawals after it and a marker, migrated to PostgreSQL.
    struct Migrated {
        let cli: CLI
        let central: String
        let url: String
        /// The PostgreSQL database the centre moved to.
        let database: String
        let manifest: String
        var key: String { KeyLocation.defaultPath(for: central) }

        init() throws {
            cli = try CLI()
            central = cli.dir.appendingPathComponent("central.sqlite").path
            #expect(try cli.run(["demo", "--centre", "--tenants", "60", "--db", central]).status == 0)
            for (id, role) in [("S1", "support"), ("S2", "supervisor")] {
                let add = try cli.run(["staff", "add", id, "--role", role, "--name", id, "--password-stdin", "--db", central],
                                      stdin: Data("correct horse battery\n".utf8))
                #expect(add.status == 0, "\(add.stderr)")
            }
            let out = cli.dir.appendingPathComponent("before.jsonl").path
            let export = try cli.run(["export", "--purpose", "service-updates-email", "--format", "jsonl", "--out", out, "--db", central])
            #expect(export.status == 0, "\(export.stderr)")
            manifest = out + ".manifest.json"
            let sent = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
                .filter { $0["email"] != nil }.compactMap { $0["tenancy_reference"] }
            #expect(sent.count >= 2, "the demo grants email updates to some tenants")
            for (ref, attribute) in zip(sent.prefix(2), ["email", "full-name"]) {
                let withdraw = try cli.run(["record", "--password-stdin", ref, "withdraw", "--attribute", attribute, "--purpose", "service-updates-email",
                                            "--staff", "S1", "--db", central], stdin: Data("correct horse battery\n".utf8))
                #expect(withdraw.status == 0, "\(withdraw.stderr)")
            }
            #expect(try cli.run(["staff", "mark", "--password-stdin", "T0000003", "vulnerable", "--staff", "S2", "--db", central], stdin: Data("correct horse battery\n".utf8)).status == 0)
            let postgres = try ThrowawayPostgres.shared()
            database = try postgres.createDatabase()
            url = postgres.url(database: database)
            let migrate = try cli.run(["migrate", "--from", central, "--to", url, "--json"])
            #expect((try? migrate.json() as? [String: Any])?["matches"] as? Bool == true, "\(migrate.stdout) \(migrate.stderr)")
        }

        /// The command from the SQLite centre and from PostgreSQL (with the organisation's key).
        func both(_ arguments: [String], outputs: (String, String)? = nil) throws -> (sqlite: CLI.Output, postgres: CLI.Output) {
            let fromSQLite = try cli.run(arguments + (outputs.map { ["--out", $0.0] } ?? []) + ["--db", central])
            let fromPostgres = try cli.run(arguments + (outputs.map { ["--out", $0.1] } ?? []) + ["--database", url, "--key-file", key])
            #expect(fromSQLite.status == 0, "\(fromSQLite.stderr)")
            #expect(fromPostgres.status == 0, "\(fromPostgres.stderr)")
            return (fromSQLite, fromPostgres)
        }

        func path(_ name: String) -> String { cli.dir.appendingPathComponent(name).path }
        func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
    }

    @Test func theAuditOpensEverySealedValueWithTheKeyAndNamesOneMovedToAnotherRow() throws {
        let m = try Migrated()
        defer { m.cli.remove() }
        let keyed = try m.cli.run(["audit", "verify", "--database", m.url, "--key-file", m.key, "--json"])
        let report = try keyed.json() as? [String: Any]
        #expect(keyed.status == 0 && report?["ok"] as? Bool == true, "\(keyed.stdout) \(keyed.stderr)")
        #expect(report?["sealedOpened"] as? Int ?? 0 > 20 && report?["sealedUnopened"] as? Int == 0, "the demo's special categories: \(keyed.stdout)")
        // Without the key the chains still check, and the report says what stayed sealed.
        let unkeyed = try m.cli.run(["audit", "verify", "--database", m.url, "--db", m.path("no-key-here.sqlite")])
        #expect(unkeyed.status == 0 && unkeyed.stdout.contains("special-category values were not opened") && unkeyed.stdout.contains("--key-file"),
                "\(unkeyed.stdout) \(unkeyed.stderr)")
        // Someone with the database copies one tenant's sealed value over another's of the same attribute.
        try ThrowawayPostgres.shared().execute("""
            WITH a AS (SELECT device_no, device_seq, attribute_id, sealed FROM sealed_value WHERE sealed IS NOT NULL
                       ORDER BY device_no, device_seq LIMIT 1),
                 b AS (SELECT s.device_no, s.device_seq, s.attribute_id FROM sealed_value s, a
                       WHERE s.sealed IS NOT NULL AND s.attribute_id = a.attribute_id AND s.tenant_id <> (
                           SELECT tenant_id FROM sealed_value x WHERE (x.device_no, x.device_seq, x.attribute_id) = (a.device_no, a.device_seq, a.attribute_id))
                       LIMIT 1)
            UPDATE sealed_value v SET sealed = a.sealed FROM a, b
            WHERE (v.device_no, v.device_seq, v.attribute_id) = (b.device_no, b.device_seq, b.attribute_id)
            """, database: m.database)
        let swapped = try m.cli.run(["audit", "verify", "--database", m.url, "--key-file", m.key])
        #expect(swapped.status == 1 && swapped.stdout.contains("does not open (changed, moved from another row"), "\(swapped.stdout)")
        let blind = try m.cli.run(["audit", "verify", "--database", m.url, "--db", m.path("no-key-here.sqlite")])
        #expect(blind.status == 0, "without the key a moved seal cannot be seen, which the note says: \(blind.stdout)")
    }

    @Test func everyOutputFromAMigratedCentreEqualsTheSQLiteCentres() throws {
        let m = try Migrated()
        defer { m.cli.remove() }

        let recalls = try m.both(["export", "recalls", m.manifest, "--json"])
        #expect(recalls.postgres.stdout == recalls.sqlite.stdout)
        #expect((try recalls.postgres.json() as? [Any])?.count == 2, "both withdrawals are recalls: \(recalls.postgres.stdout)")

        for by in ["ethnic-origin", "sex", "religion,sex"] {
            let stats = try m.both(["stats", "--purpose", "equality-monitoring", "--by", by, "--json"])
            #expect(stats.postgres.stdout == stats.sqlite.stdout, "stats by \(by)")
            #expect(stats.postgres.stdout.contains("\"total\""))
        }

        let pseudonyms = ["--pseudonym-key", m.path("pseudonym.key")]
        _ = try m.both(["return"] + pseudonyms, outputs: (m.path("r1.csv"), m.path("r2.csv")))
        #expect(try m.text("r1.csv") == m.text("r2.csv"))
        #expect(try m.text("r2.csv").split(whereSeparator: \.isNewline).count > 10, "the return has rows")

        // Equality rows leave in pseudonym order with small groups suppressed (60 tenants: most groups are small); each
        // store records the same tenants with the same columns, suppressed ones taken out.
        let equality = try m.both(["export", "--purpose", "equality-monitoring", "--json"] + pseudonyms, outputs: (m.path("eq-1.csv"), m.path("eq-2.csv")))
        #expect(try m.text("eq-1.csv") == m.text("eq-2.csv"))
        #expect(try m.text("eq-1.csv").contains(PseudonymisedExportCLITests.suppressed), "small groups were suppressed")
        let ids = try [equality.sqlite, equality.postgres].map { try #require((try $0.json() as? [String: Any])?["exportID"] as? String) }
        let recordedHere = try Subprocess.run("/usr/bin/sqlite3", [m.central, """
            SELECT t.ref || ':' || d.columns FROM disclosure d JOIN export e ON e.no = d.export_no JOIN tenant t ON t.id = d.tenant_id
            WHERE e.id = '\(ids[0])' ORDER BY t.ref
            """]).stdout.split(whereSeparator: \.isNewline)
        let recordedThere = try ThrowawayPostgres.shared().query("""
            SELECT t.ref || ':' || d.columns FROM disclosure d JOIN export e ON e.no = d.export_no JOIN tenant t ON t.id = d.tenant_id
            WHERE e.id = '\(ids[1])' ORDER BY t.ref
            """, database: m.database).split(whereSeparator: \.isNewline)
        #expect(recordedHere.count > 40 && recordedThere == recordedHere, "\(recordedThere) against \(recordedHere)")

        for purpose in ["tenancy-management", "service-updates-email", "tailoring-services", "emergency-contact"] {
            _ = try m.both(["export", "--purpose", purpose], outputs: (m.path("\(purpose)-1.csv"), m.path("\(purpose)-2.csv")))
            #expect(try m.text("\(purpose)-1.csv") == m.text("\(purpose)-2.csv"), "export of \(purpose)")
        }

        _ = try m.both(["notify", "--purpose", "service-updates-email", "--template", "service-update"], outputs: (m.path("mail-1"), m.path("mail-2")))
        let names = try FileManager.default.contentsOfDirectory(atPath: m.path("mail-1")).filter { $0.hasSuffix(".eml") }.sorted()
        let others = try FileManager.default.contentsOfDirectory(atPath: m.path("mail-2")).filter { $0.hasSuffix(".eml") }.sorted()
        #expect(names.count > 3 && names == others)
        // Messages differ only in their date and message id (a new mailing id each run).
        func stable(_ message: String) -> String {
            message.components(separatedBy: "\r\n").filter { !$0.hasPrefix("Date:") && !$0.hasPrefix("Message-ID:") }.joined(separator: "\n")
        }
        for name in names { #expect(try stable(m.text("mail-1/\(name)")) == stable(m.text("mail-2/\(name)")), "message \(name)") }

        let audit = try m.cli.run(["audit", "verify", "--database", m.url])
        #expect(audit.status == 0, "the migrated centre, markers included, verifies: \(audit.stdout) \(audit.stderr)")
    }

    @Test func withoutTheKeyOrThePseudonymKeyNothingIsWritten() throws {
        let m = try Migrated()
        defer { m.cli.remove() }
        let stats = try m.cli.run(["stats", "--purpose", "equality-monitoring", "--by", "ethnic-origin", "--database", m.url])
        #expect(stats.status != 0 && stats.stdout.isEmpty)
        #expect(stats.stderr.contains("sealed at the PostgreSQL centre") && stats.stderr.contains("--key-file"), "\(stats.stderr)")

        let other = m.path("other.sqlite")
        #expect(try m.cli.run(["init", "--db", other]).status == 0)
        let wrong = try m.cli.run(["return", "--pseudonym-key", m.path("p.key"), "--out", m.path("w.csv"), "--database", m.url,
                                   "--key-file", KeyLocation.defaultPath(for: other)])
        #expect(wrong.status != 0 && wrong.stderr.contains("does not open"), "\(wrong.stderr)")

        let noPseudonymKey = try m.cli.run(["return", "--out", m.path("r.csv"), "--database", m.url, "--key-file", m.key])
        #expect(noPseudonymKey.status != 0 && noPseudonymKey.stderr.contains("--pseudonym-key"), "\(noPseudonymKey.stderr)")

        let unreachable = try m.cli.run(["export", "--purpose", "service-updates-email", "--out", m.path("x.csv"),
                                         "--database", m.url.replacingOccurrences(of: "/t_", with: "/missing_t_")])
        #expect(unreachable.status != 0 && !unreachable.stderr.isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: m.cli.dir.path)
            .filter { ["w.csv", "r.csv", "x.csv"].contains($0) || $0.hasPrefix(".consent-") }
        #expect(left.isEmpty, "no partial output: \(left)")
    }
}

import CentralStorePostgres
import ConsentForms
import Foundation
import Testing
import TestSupport

/// The centre's administration commands on PostgreSQL: `consent device issue-code|list|revoke` and
/// `consent audit verify` with `--database`, against a centre a real kiosk synced with.
@Suite(.serialized, .ownThreads) struct PostgresAdminCLITests {
    @Test func devicesAreManagedAndATamperedLedgerRowIsNamed() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let postgres = try ThrowawayPostgres.shared()
        let name = try postgres.createDatabase()
        let url = postgres.url(database: name)

        let issued = try cli.run(["device", "issue-code", "--database", url, "--office", "Leeds"])
        #expect(issued.status == 0, "\(issued.stderr)")
        let code = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code.count == 14, "a code such as ABCD-EFGH-JKLM: \(code)")

        let server = try SyncCLITests.Server(store: ["--database", url])
        defer { server.stop() }
        let kiosk = cli.dir.appendingPathComponent("kiosk.sqlite").path
        #expect(try cli.run(["demo", "--tenants", "3", "--db", kiosk]).status == 0)
        try await SyncCentre.registerDemoStaff(at: url)
        let enrol = try cli.run(["device", "enrol", "--db", kiosk, "--server", server.url, "--code", code])
        #expect(enrol.status == 0, "\(enrol.stdout) \(enrol.stderr)")
        let sync = try cli.run(["sync", "--db", kiosk, "--json"])
        #expect(sync.status == 0, "\(sync.stderr)")
        let pushed = (try sync.json() as? [String: Any])?["pushed"] as? Int ?? 0
        #expect(pushed > 3, "the kiosk's register reaches PostgreSQL")

        let listed = try cli.run(["device", "list", "--database", url, "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let devices = try listed.json() as? [[String: Any]] ?? []
        #expect(devices.count == 1)
        let device = devices.first?["id"] as? String ?? "?"
        #expect(devices.first?["office"] as? String == "Leeds")
        #expect(devices.first?["kind"] as? String == "kiosk", "a code issued without --kind enrols a kiosk")
        #expect(devices.first?["lastSequence"] as? Int == pushed)

        let clean = try cli.run(["audit", "verify", "--database", url, "--json"])
        #expect(clean.status == 0, "\(clean.stdout) \(clean.stderr)")
        let report = try clean.json() as? [String: Any] ?? [:]
        #expect(report["events"] as? Int == pushed && report["signedHeadsChecked"] as? Bool == true)

        // Someone with the database's password edits one event in place.
        try postgres.execute("""
            ALTER TABLE ledger DISABLE TRIGGER ledger_append_only;
            UPDATE ledger SET effective_at = effective_at + 1000 WHERE device_seq = 2 AND device_no = (SELECT no FROM device WHERE id = '\(device)');
            ALTER TABLE ledger ENABLE TRIGGER ledger_append_only;
            """, database: name)
        let tampered = try cli.run(["audit", "verify", "--database", url])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.hasPrefix("NOT OK: event \(device)#2 "), "\(tampered.stdout)")
        #expect(tampered.stdout.contains("its content was changed after it was written"), "\(tampered.stdout)")

        #expect(try cli.run(["device", "revoke", "--database", url, device]).status == 0)
        let after = try cli.run(["device", "list", "--database", url])
        #expect(after.stdout.contains("\(device)\tLeeds\tkiosk\t") && after.stdout.contains("revoked"), "\(after.stdout)")
        #expect(try cli.run(["sync", "--db", kiosk]).status != 0, "a revoked kiosk is refused")
        let again = try cli.run(["device", "revoke", "--database", url, device])
        #expect(again.status != 0 && again.stderr.contains("no enrolled, unrevoked device"), "\(again.stderr)")
    }

    @Test func anExportReadsPostgresAndAWithdrawalPushedThereRemovesTheCell() async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let postgres = try ThrowawayPostgres.shared()
        let url = postgres.url(database: try postgres.createDatabase())
        let code = try cli.run(["device", "issue-code", "--database", url, "--office", "Leeds"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try SyncCLITests.Server(store: ["--database", url])
        defer { server.stop() }
        let kiosk = cli.dir.appendingPathComponent("kiosk.sqlite").path
        #expect(try cli.run(["demo", "--tenants", "8", "--db", kiosk]).status == 0)
        try await SyncCentre.registerDemoStaff(at: url)
        #expect(try cli.run(["device", "enrol", "--db", kiosk, "--server", server.url, "--code", code]).status == 0)
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0)
        let add = try cli.run(["staff", "add", "S1", "--role", "support", "--name", "Sam", "--password-stdin", "--db", kiosk],
                              stdin: Data("correct horse battery\n".utf8))
        #expect(add.status == 0, "\(add.stderr)")
        // The centre takes S1's changes once its registry knows S1 (no password is kept there).
        let known = try cli.run(["staff", "add", "S1", "--role", "support", "--name", "Sam", "--database", url])
        #expect(known.status == 0 && known.stdout.contains("registry"), "\(known.stdout) \(known.stderr)")

        func export(_ name: String, _ source: [String]) throws -> (rows: [[String: String]], manifest: [String: Any]) {
            let out = cli.dir.appendingPathComponent(name).path
            let run = try cli.run(["export", "--purpose", "service-updates-email", "--format", "jsonl", "--out", out, "--json"] + source)
            #expect(run.status == 0, "\(run.stderr)")
            let text = try String(contentsOfFile: out, encoding: .utf8)
            let rows = try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] ?? [:] }
            return (rows, try run.json() as? [String: Any] ?? [:])
        }
        let fromKiosk = try export("kiosk.jsonl", ["--db", kiosk])
        let fromCentre = try export("centre.jsonl", ["--database", url])
        #expect(!fromCentre.rows.isEmpty && fromCentre.rows == fromKiosk.rows, "PostgreSQL gives the rows the kiosk's own store gives: \(fromCentre.rows) / \(fromKiosk.rows)")
        let tenant = try #require(fromCentre.rows.first { $0["email"] != nil }?["tenancy_reference"])

        let catalogue = try Shipped.load().catalogue
        let store = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: catalogue)
        defer { store.shutdown() }
        let disclosed = try await store.disclosures(exportID: fromCentre.manifest["exportID"] as? String ?? "")
        #expect(disclosed.map(\.tenant.rawValue) == fromCentre.rows.compactMap { $0["tenancy_reference"] }, "each tenant sent is recorded at the centre")

        let withdraw = try cli.run(["record", "--password-stdin", tenant, "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                                    "--staff", "S1", "--db", kiosk], stdin: Data("correct horse battery\n".utf8))
        #expect(withdraw.status == 0, "\(withdraw.stderr)")
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0)
        let after = try export("after.jsonl", ["--database", url])
        #expect(after.rows.first { $0["tenancy_reference"] == tenant }?["email"] == nil, "the withdrawn email is not exported")
        #expect(after.rows.filter { $0["tenancy_reference"] != tenant } == fromCentre.rows.filter { $0["tenancy_reference"] != tenant })
        #expect((after.manifest["ledgerPosition"] as? Int ?? 0) > (fromCentre.manifest["ledgerPosition"] as? Int ?? 0))
        // The export made from the centre recorded its disclosures there, so its recalls are found there.
        let manifest = cli.dir.appendingPathComponent("centre.jsonl.manifest.json").path
        let recalls = try cli.run(["export", "recalls", manifest, "--database", url, "--json"])
        #expect(recalls.status == 0, "\(recalls.stderr)")
        let listed = try recalls.json() as? [[String: Any]] ?? []
        #expect(listed.count == 1 && listed.first?["tenant"] as? String == tenant && listed.first?["change"] as? String == "withdrawn"
                && listed.first?["attributes"] as? [String] == ["email"], "\(recalls.stdout)")
        let none = try cli.run(["export", "recalls", cli.dir.appendingPathComponent("after.jsonl.manifest.json").path, "--database", url])
        #expect(none.status == 0 && none.stdout.hasPrefix("No recalls"), "\(none.stdout) \(none.stderr)")

        let sealed = try cli.run(["export", "--purpose", "equality-monitoring", "--out", cli.dir.appendingPathComponent("eq.csv").path, "--database", url])
        #expect(sealed.status != 0 && sealed.stderr.contains("special categor"), "\(sealed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.dir.appendingPathComponent("eq.csv").path))
    }
}

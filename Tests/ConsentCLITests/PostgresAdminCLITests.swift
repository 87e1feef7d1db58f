import Foundation
import PostgresTestSupport
import Testing

/// The centre's administration commands on PostgreSQL: `consent device issue-code|list|revoke` and
/// `consent audit verify` with `--database`, against a centre a real kiosk synced with.
@Suite(.serialized) struct PostgresAdminCLITests {
    @Test func devicesAreManagedAndATamperedLedgerRowIsNamed() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let postgres = try ThrowawayPostgres.shared()
        let name = try postgres.createDatabase()
        let url = postgres.url(database: name)

        let issued = try cli.run(["device", "issue-code", "--database", url, "--office", "Leeds"])
        #expect(issued.status == 0, "\(issued.stderr)")
        let code = issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(code.count == 14, "a code such as ABCD-EFGH-JKLM: \(code)")

        let server = try PostgresCLITests.Server(database: url)
        defer { server.stop() }
        let kiosk = cli.dir.appendingPathComponent("kiosk.sqlite").path
        #expect(try cli.run(["demo", "--tenants", "3", "--db", kiosk]).status == 0)
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
        #expect(after.stdout.contains("\(device)\tLeeds") && after.stdout.contains("revoked"), "\(after.stdout)")
        #expect(try cli.run(["sync", "--db", kiosk]).status != 0, "a revoked kiosk is refused")
        let again = try cli.run(["device", "revoke", "--database", url, device])
        #expect(again.status != 0 && again.stderr.contains("no enrolled, unrevoked device"), "\(again.stderr)")
    }
}

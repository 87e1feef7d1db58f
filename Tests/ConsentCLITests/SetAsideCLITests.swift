import Foundation
import SyncTestSupport
import Testing
import TestSupport

/// An event the centre refuses for good (here: registering a tenant the centre already holds) stays at the head of the
/// device's outbox and holds back every later change of that device. The operator is told so at sync, sets it aside with
/// `consent sync set-aside` (kept, listed, audited), and the rest is sent; another device pulls those changes across the
/// gap. The real `consent` against a real `consent serve` on 127.0.0.1, both centres.
@Suite(.ownThreads) struct SetAsideCLITests {
    @Test(arguments: Backend.allCases) func aRefusedEventSetAsideLetsTheRestOfTheOutboxThrough(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 3)
        let server = try SyncCLITests.Server(store: centre.arguments)
        defer { server.stop() }
        let atCentre = { () throws -> String in
            let out = cli.dir.appendingPathComponent("names-\(UUID().uuidString).csv").path
            let made = try cli.run(["export", "--purpose", "tenancy-management", "--columns", "full-name,email", "--out", out, "--no-bom"] + centre.arguments)
            #expect(made.status == 0, "\(made.stderr)")
            return try String(contentsOfFile: out, encoding: .utf8)
        }

        // The kiosk's register overlaps the centre's (T0000002) and adds a new tenant after it.
        let kiosk = try SyncCLITests().enrolKiosk(cli, "kiosk-jam", server: server, centre: centre)
        let file = cli.dir.appendingPathComponent("overlap.csv")
        try """
            Tenancy Ref,First name,Surname,DOB,Email,Address
            T0000002,Mallory,Intruder,01/01/1970,mallory@example.org,1 Elsewhere Road
            T0000090,Nadia,Newcomer,02/02/1980,nadia@example.org,2 Mill Lane

            """.write(to: file, atomically: true, encoding: .utf8)
        #expect(try cli.run(["import", file.path, "--db", kiosk]).status == 0)

        let first = try cli.run(["sync", "--db", kiosk])
        let said = first.stdout + first.stderr
        #expect(said.contains("T0000002 is already registered at the centre"), "\(said)")
        #expect(said.contains("holds back every later change") && said.contains("consent sync set-aside"), "the operator is told what to do: \(said)")
        // Jammed: however often it syncs, the new tenant after the refused event never arrives.
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0)
        #expect(!(try atCentre()).contains("T0000090"), "\(backend): the later event got past the refused one without a set-aside")

        let setAside = try cli.run(["sync", "set-aside", "--db", kiosk, "--json"])
        #expect(setAside.status == 0, "\(setAside.stdout) \(setAside.stderr)")
        let moved = (try? setAside.json() as? [[String: Any]]) ?? []
        #expect(moved.count == 1 && moved.first?["tenant"] as? String == "T0000002" && moved.first?["kind"] as? String == "registration",
                "\(setAside.stdout)")
        // Only an event the centre refuses is set aside: the next one (which it takes) is not.
        let notRefused = try cli.run(["sync", "set-aside", "--db", kiosk])
        #expect(notRefused.status != 0 && (notRefused.stdout + notRefused.stderr).contains("is one the centre takes"),
                "\(notRefused.stdout) \(notRefused.stderr)")

        let second = try cli.run(["sync", "--db", kiosk])
        #expect(second.status == 0 && !(second.stdout + second.stderr).contains("Refused"), "\(second.stdout) \(second.stderr)")
        let after = try atCentre()
        #expect(after.contains("T0000090,") && after.contains("nadia@example.org"), "\(backend): the change after the set-aside event did not arrive: \(after)")
        #expect(!after.contains("Mallory"), "\(after)")

        // Kept, listed and audited on the device; its ledger still verifies, and so does the centre's (the chain goes over it).
        let list = try cli.run(["sync", "set-aside", "--list", "--db", kiosk, "--json"])
        let listed = ((try? list.json() as? [String: Any])?["events"] as? [[String: Any]]) ?? []
        #expect(listed.count == 1 && (listed.first?["reason"] as? String ?? "").contains("already registered"), "\(list.stdout)")
        let log = try cli.run(["audit", "log", "--db", kiosk])
        #expect(log.stdout.contains("set aside event") && log.stdout.contains("T0000002"), "\(log.stdout)")
        let show = try cli.run(["tenant", "history", "T0000002", "--db", kiosk])
        #expect(show.status == 0, "\(show.stderr)")
        // The centre's registration, pulled after the kiosk's own, merges with it value by value in the kiosk's
        // projection as in its ledger's fold.
        let verified = try cli.run(["ledger", "verify", "--db", kiosk])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let audit = try centre.auditVerify(cli)
        #expect(audit.ok, "\(backend): \(audit.output)")

        // Another device pulls the kiosk's later events across the event set aside (its hash named as the link).
        let other = try SyncCLITests().enrolKiosk(cli, "kiosk-other", server: server, centre: centre)
        let pulled = try cli.run(["sync", "--db", other])
        #expect(pulled.status == 0, "\(pulled.stdout) \(pulled.stderr)")
        let newcomer = try cli.run(["tenant", "show", "T0000090", "--db", other, "--json"])
        #expect(newcomer.status == 0 && newcomer.stdout.contains("Nadia"), "\(newcomer.stdout) \(newcomer.stderr)")
        #expect(try cli.run(["ledger", "verify", "--db", other]).status == 0)

        // A SQLite centre holding an event set aside moves to PostgreSQL whole: its chain goes over the event there too.
        guard backend == .sqlite else { return }
        let postgres = try ThrowawayPostgres.shared()
        let url = postgres.url(database: try postgres.createDatabase(prefix: "cli"))
        let migrated = try cli.run(["migrate", "--from", centre.sqlite, "--to", url, "--json"])
        #expect(migrated.status == 0 && (try? migrated.json() as? [String: Any])?["matches"] as? Bool == true,
                "\(migrated.stdout) \(migrated.stderr)")
        let movedAudit = try cli.run(["audit", "verify", "--json", "--database", url])
        #expect(movedAudit.status == 0, "\(movedAudit.stdout) \(movedAudit.stderr)")
    }
}

import Foundation
import SyncTestSupport
import Testing
import TestSupport

/// A kiosk that imports a reference the centre already holds (another office's tenant, or an overlapping register)
/// would, by registering them again, overwrite their name, date of birth and email at the centre and move them to its
/// own office. A real `consent serve` on 127.0.0.1 keeps the centre's tenant as they were and tells the device why
/// (review 3 G2). Both centres.
@Suite(.ownThreads) struct ReRegistrationCLITests {
    @Test(arguments: Backend.allCases) func aKioskImportingAReferenceTheCentreHoldsChangesNothingThere(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 3)
        let server = try SyncCLITests.Server(store: centre.arguments)
        defer { server.stop() }
        let names = { () throws -> String in
            let out = cli.dir.appendingPathComponent("names-\(UUID().uuidString).csv").path
            let made = try cli.run(["export", "--purpose", "tenancy-management", "--columns", "full-name,email", "--out", out, "--no-bom"] + centre.arguments)
            #expect(made.status == 0, "\(made.stderr)")
            return try String(contentsOfFile: out, encoding: .utf8)
        }
        let before = try names()
        #expect(before.contains("T0000002,"), "\(before)")

        let kiosk = try SyncCLITests().enrolKiosk(cli, "kiosk-import", server: server, centre: centre)
        let file = cli.dir.appendingPathComponent("imp.csv")
        let rows = "Tenancy Ref,First name,Surname,DOB,Email\nT0000002,Mallory,Intruder,01/01/1970,mallory@example.org\n"
        try rows.write(to: file, atomically: true, encoding: .utf8)
        let imported = try cli.run(["import", file.path, "--db", kiosk])
        #expect(imported.status == 0, "\(imported.stderr)")
        let sync = try cli.run(["sync", "--db", kiosk])
        let said = sync.stdout + sync.stderr
        #expect(said.contains("T0000002 is already registered at the centre"), "\(said)")

        let after = try names()
        #expect(!after.contains("Mallory") && !after.contains("mallory@example.org"), "\(after)")
        #expect(after.split(separator: "\n").dropFirst().sorted() == before.split(separator: "\n").dropFirst().sorted(), "\(before)\n---\n\(after)")
    }
}

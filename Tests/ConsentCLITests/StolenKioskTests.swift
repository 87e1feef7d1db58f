import ConsentCore
import ConsentStore
import Foundation
import Testing
import TestSupport

/// Issue 18: someone copies a kiosk's whole folder (database, vault, WAL, key files) after a sync in
/// which special-category values were recorded both on the kiosk and at the centre (a SQLite centre, or
/// a PostgreSQL one, which gives the same organisation key at enrolment). A device seals them
/// to the organisation's public key and holds no key that opens them, so nothing the program offers
/// (`tenant show`, exports, `ledger verify`) nor a search of the raw bytes finds one.
@Suite(.serialized, .ownThreads) struct StolenKioskTests {
    static let password = Data("correct horse battery\n".utf8)
    static let health = AttributeID("health-needs")
    static let atKiosk = "Kiosk-recorded: uses a wheelchair QKX4471"
    static let atCentre = "Centre-recorded: needs a hearing loop QCN8812"

    /// A kiosk in a folder of its own, enrolled with the centre as a kiosk is: it is given no copy of
    /// the organisation's key-encryption key (`consent init` writes it a key of its own).
    static func enrolKiosk(_ cli: CLI, in folder: URL, server: SyncCLITests.Server, centre: SyncCentre) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("kiosk.sqlite").path
        let made = try cli.run(["init", "--db", db, "--device", "kiosk-a"])
        #expect(made.status == 0, "\(made.stderr)")
        let code = try centre.issueCode(cli)
        let enrol = try cli.run(["device", "enrol", "--db", db, "--server", server.url, "--code", code])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        #expect(enrol.stdout.contains("sealed to the organisation's key"), "\(enrol.stdout)")
        return db
    }

    /// A tenant's own correction of a special-category value, as the kiosk records it.
    static func correct(_ ref: String, _ text: String, in db: ConsentDatabase) throws {
        try db.record(ChangeRequest(tenant: TenantRef(ref), payload: .correction(health, .value(text), pending: false), actor: .tenant, channel: .kiosk))
    }

    /// On SQLite and on PostgreSQL (there "at the centre" is the central office's desk, a device like the kiosk).
    @Test(arguments: Backend.allCases)
    func aCopyOfAKioskFolderAfterASyncHoldsNoSpecialValueByAnyMeansTheProgramHas(backend: Backend) async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let content = try #require(VaultCLITests.content)
        let centre = try SyncCentre.make(cli, backend, tenants: 20)
        let server = try SyncCLITests.Server(store: centre.arguments)
        let folder = cli.dir.appendingPathComponent("kiosk")
        let kiosk = try Self.enrolKiosk(cli, in: folder, server: server, centre: centre)
        let first = try cli.run(["sync", "--db", kiosk])
        #expect(first.status == 0, "\(first.stderr)")

        // Special values recorded on the kiosk (sealed there to the organisation's key) and at the centre.
        let device = try ConsentDatabase.open(at: kiosk, validator: content.validator)
        #expect(device.specialValuesSealedForCentre)
        try Self.correct("T0000001", Self.atKiosk, in: device)
        try device.record(ChangeRequest(tenant: TenantRef("T0000003"), payload: .correction(AttributeID("religion"), .preferNotToSay, pending: false),
                                        actor: .tenant, channel: .kiosk))
        try device.close()
        try centre.recordAtTheCentre(cli, server: server) { try Self.correct("T0000002", Self.atCentre, in: $0) }
        let second = try cli.run(["sync", "--db", kiosk, "--json"])
        #expect(second.status == 0, "\(second.stderr)")

        // The centre opens both: the kiosk's seal with the organisation's private key, and checks every seal.
        let (special, other) = try await centre.heldValues()
        #expect(special.contains(Self.atKiosk) && special.contains(Self.atCentre), "the centre reads every value")
        if let url = centre.url {
            let audit = try cli.run(["audit", "verify", "--json", "--database", url, "--key-file", KeyLocation.defaultPath(for: centre.sqlite)])
            let report = try audit.json() as? [String: Any]
            #expect(audit.status == 0 && report?["ok"] as? Bool == true, "\(audit.stdout) \(audit.stderr)")
            #expect(report?["sealedUnopened"] as? Int == 0 && (report?["sealedOpened"] as? Int ?? 0) >= 2,
                    "the centre opens and checks every seal: \(audit.stdout)")
        } else {
            let centreVerify = try cli.run(["ledger", "verify", "--db", centre.sqlite, "--json"])
            #expect(centreVerify.status == 0, "\(centreVerify.stdout)")
            #expect((try centreVerify.json() as? [String: Any])?["checkedAtCentre"] as? Int == 0, "the centre opens and checks every seal")
        }
        // The kiosk holds the centre's event (a value it cannot show).
        let held = try cli.run(["tenant", "show", "T0000002", "--json", "--db", kiosk])
        #expect(VaultCLITests.specialItems(held).contains("health-needs=unavailable:-"), "\(VaultCLITests.specialItems(held))")
        server.stop()

        // The thief's copy: every file of the folder, keys included.
        let stolen = cli.dir.appendingPathComponent("stolen")
        try FileManager.default.copyItem(at: folder, to: stolen)
        let copy = stolen.appendingPathComponent("kiosk.sqlite").path
        #expect(FileManager.default.fileExists(atPath: KeyLocation.defaultPath(for: copy)), "the kiosk's own key file is in the copy")
        // Choice ids that are also ordinary values cannot be told apart by a search; short ones would match by chance.
        let sought = special.subtracting(other).filter { $0.count >= 6 }
        #expect(sought.count >= 8, "too few distinct special values to make the search meaningful: \(sought.sorted())")
        func leaks(_ text: String) -> [String] { sought.filter { text.contains($0) }.sorted() }

        for i in 1...20 {
            let ref = String(format: "T%07d", i)
            for extra in [[], ["--reveal-special", "--reason", "test of a stolen kiosk"]] {
                let show = try cli.run(["tenant", "show", ref, "--json", "--db", copy] + extra)
                if extra.isEmpty {
                    #expect(show.status == 0, "\(show.stderr)")
                } else {
                    #expect(show.status != 0 && show.stderr.contains("do it at the centre"), "\(show.stderr)")
                }
                #expect(leaks(show.stdout + show.stderr).isEmpty, "tenant show \(ref) \(extra): \(leaks(show.stdout))")
            }
        }
        let reveal = try cli.run(["tenant", "reveal", "T0000001", "health-needs", "--staff", "S1", "--reason", "tenant-request",
                                  "--password-stdin", "--db", copy], stdin: Self.password)
        #expect(reveal.status != 0 && leaks(reveal.stdout).isEmpty)
        #expect(reveal.stderr.contains("do it at the centre"), "\(reveal.stderr)")
        let exports = stolen.appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true)
        for purpose in content.catalogue.purposes {
            let out = exports.appendingPathComponent("\(purpose.id.rawValue).csv").path
            let export = try cli.run(["export", "--purpose", purpose.id.rawValue, "--out", out, "--db", copy])
            #expect(leaks(export.stdout + export.stderr).isEmpty, "export \(purpose.id)")
            if export.status != 0 {
                #expect(export.stderr.contains("at the centre"), "export \(purpose.id) refused without saying where: \(export.stderr)")
            }
        }
        let verify = try cli.run(["ledger", "verify", "--db", copy])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("checked by `consent ledger verify` at the centre"), "\(verify.stdout)")
        #expect(leaks(verify.stdout + verify.stderr).isEmpty)

        // Every byte of every file, the program's outputs included.
        var files = 0
        let walker = FileManager.default.enumerator(at: stolen, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard let data = try? Data(contentsOf: url) else { continue }
            files += 1
            let found = sought.filter { data.range(of: Data($0.utf8)) != nil }
            #expect(found.isEmpty, "\(url.lastPathComponent) holds special-category values in plaintext: \(found.sorted())")
        }
        #expect(files >= 4, "the copy holds the database, the vault and their key files")
    }
}

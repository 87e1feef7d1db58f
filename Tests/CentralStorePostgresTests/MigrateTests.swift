import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import PostgresTestSupport
import SyncProtocol
import Testing

/// `consent migrate`: a SQLite centre moves to PostgreSQL with nothing lost.
@Suite struct MigrateTests {
    static let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("consent").path

    func migrate(_ from: String, _ to: String, in folder: URL) -> (status: Int32, output: String) {
        let log = folder.appendingPathComponent("migrate-\(UUID().uuidString).out").path
        let status = ThrowawayPostgres.runProgram([
            Self.binary, "migrate", "--from", from, "--to", to, "--json",
            "--forms", Repo.root.appendingPathComponent("Forms").path, "--localization", Repo.root.appendingPathComponent("Localization").path,
        ], output: log)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test func aSQLiteCentreMovesWithLedgerChainsSealedValuesAndDevices() async throws {
        let content = try ConsentForms.Content.load(forms: Repo.root.appendingPathComponent("Forms"), localization: Repo.root.appendingPathComponent("Localization"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("central.sqlite").path
        let database = try ConsentDatabase.create(at: path, validator: content.validator, device: DeviceID("centre"), key: .generate(), centre: true)
        for n in 1...5 {
            _ = try database.record(ChangeRequest(tenant: TenantRef(String(format: "T%07d", n)), payload: .registration(values: [
                AttributeID("full-name"): .value("Tenant \(n)"), AttributeID("email"): .value("t\(n)@example.org"),
                AttributeID("ethnic-origin"): .value("white-british"),
            ]), actor: .system("test"), channel: .importFile))
        }
        let sqlite = SQLiteCentralStore(database: database)
        let code = try await sqlite.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        let secret = try await sqlite.enrol(EnrolRequest(code: code, device: "kiosk-1")).secret
        var kiosk = TestDevice("kiosk-1")
        let pushed = [
            kiosk.decision("T0000001", "service-updates-email", ["email"], .granted),
            kiosk.decision("T0000002", "service-updates-email", ["email"], .withdrawn),
            kiosk.event("T0000003", .correction(AttributeID("email"), .value("new@example.org"), pending: false)),
            kiosk.event("T0000004", .erasure(AttributeID("email"))),
        ]
        let answers = try await sqlite.push(kiosk.push(pushed), from: "kiosk-1")
        #expect(answers.results.allSatisfy { $0.outcome != .rejected })

        let server = try ThrowawayPostgres.shared()
        let url = server.url(database: try server.createDatabase())
        let run = migrate(path, url, in: folder)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("\"matches\" : true"))

        let postgres = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: content.catalogue)
        defer { postgres.shutdown() }
        let before = try await sqlite.pull(after: 0, limit: 1000)
        let after = try await postgres.pull(after: 0, limit: 1000)
        #expect(after.events == before.events)
        #expect(after.events.count == 9)
        #expect(Set(after.dataKeys) == Set(before.dataKeys))
        #expect(after.events.contains { $0.values.contains { $0.sealed != nil } })
        // The device keeps working against the new centre: same credential, same chain.
        try await postgres.authenticate(device: "kiosk-1", secret: secret)
        let next = kiosk.decision("T0000001", "service-updates-email", ["email"], .withdrawn, causal: 6)
        #expect(try await postgres.push(kiosk.push([next]), from: "kiosk-1").results.map(\.central) == [10])
        #expect(try await postgres.push(kiosk.push(pushed), from: "kiosk-1").results == answers.results)

        // A second migration into a database that already holds a centre is refused.
        let again = migrate(path, url, in: folder)
        #expect(again.status != 0)
        #expect(again.output.contains("already holds a centre"))
    }
}

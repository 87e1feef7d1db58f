import CentralStore
@testable import CentralStorePostgres
import CentralStoreSQLite
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// `consent migrate`: a SQLite centre moves to PostgreSQL with nothing lost.
@Suite(.ownThreads) struct MigrateTests {
    static let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("consent").path

    func migrate(_ from: String, _ to: String, in folder: URL) -> (status: Int32, output: String) {
        let log = folder.appendingPathComponent("migrate-\(UUID().uuidString).out").path
        let status = ThrowawayPostgres.runProgram([
            Self.binary, "migrate", "--from", from, "--to", to, "--json",
        ], output: log)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    static let content = Result { try Shipped.load() }

    /// A SQLite centre `FILE.sqlite` in `folder`, with its own device id, and tenants `numbers`
    /// registered as `T000000N` with `values(N)`.
    static func sqliteCentre(_ file: String, device: String, in folder: URL, tenants numbers: ClosedRange<Int>,
                             values: (Int) -> [String: String]) throws -> (path: String, database: ConsentDatabase) {
        let path = folder.appendingPathComponent("\(file).sqlite").path
        let database = try ConsentDatabase.create(at: path, validator: try content.get().validator, device: DeviceID(device), key: .generate(), centre: true)
        for n in numbers {
            _ = try database.record(ChangeRequest(tenant: TenantRef(String(format: "T%07d", n)), payload: .registration(
                values: Dictionary(uniqueKeysWithValues: values(n).map { (AttributeID($0.key), AttributeValue.value($0.value)) })),
                actor: .system("test"), channel: .importFile))
        }
        return (path, database)
    }

    /// A temporary folder for one test.
    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func aSQLiteCentreMovesWithLedgerChainsSealedValuesAndDevices() async throws {
        let content = try Self.content.get()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, database) = try Self.sqliteCentre("central", device: "centre", in: folder, tenants: 1...5) { n in
            ["full-name": "Tenant \(n)", "email": "t\(n)@example.org", "ethnic-origin": "white-british"].merging(n == 5 ? ["date-of-birth": "1970-01-01"] : [:]) { a, _ in a }
        }
        let sqlite = SQLiteCentralStore(database: database)
        let code = try await sqlite.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        let secret = try await sqlite.enrol(TestDevice.enrolment(code, "kiosk-1")).secret
        var kiosk = TestDevice("kiosk-1")
        let pushed = [
            kiosk.decision("T0000001", "service-updates-email", ["email"], .granted),
            kiosk.decision("T0000002", "service-updates-email", ["email"], .withdrawn),
            kiosk.event("T0000003", .correction(AttributeID("email"), .value("new@example.org"), pending: false)),
            kiosk.event("T0000004", .erasure(AttributeID("email"))),
        ]
        let answers = try await sqlite.push(kiosk.push(pushed), from: "kiosk-1")
        #expect(answers.results.allSatisfy { $0.outcome != .rejected })
        // The kiosk was sent a tenant on demand: the record of it moves too, or the kiosk would keep them for good.
        _ = try await sqlite.fetchTenant(TenantFetchRequest(tenant: "T0000005", dateOfBirth: "1970-01-01"), from: "kiosk-1")
        // The centre's vault holds a PIN key (its first PIN or code makes one), which stays with the SQLite file: PINs do not move.
        #expect(try database.write { d in try database.keys.createPINKey(d, now: Date()) } != nil)

        let server = try ThrowawayPostgres.shared()
        let url = server.url(database: try server.createDatabase())
        let before = try await sqlite.pull(after: 0, limit: 1000)
        // A password in the URL (the throwaway server trusts its socket, so any will do) is never recorded.
        let withPassword = url.replacingOccurrences(of: "@localhost", with: ":s3cret@localhost")
        let run = migrate(path, withPassword, in: folder)
        #expect(run.status == 0, "\(run.output)")
        #expect(!run.output.contains("s3cret"))
        #expect(run.output.contains("\"matches\" : true"))
        #expect(run.output.contains("\"tenant_fetch\" : 1"), "\(run.output)")

        let postgres = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: content.catalogue)
        defer { postgres.shutdown() }
        let after = try await postgres.pull(after: 0, limit: 1000)
        #expect(after.events == before.events)
        #expect(after.events.count == 9)
        // Pulls carry no data keys, so the keys themselves are compared: every wrap the SQLite centre held
        // moved, and with its KEK opens every sealed value PostgreSQL now serves.
        #expect(before.dataKeys.isEmpty && after.dataKeys.isEmpty, "pulls carry no data keys")
        let kek = try #require(database.keys.kek)
        let wrapped = try await postgres.wrappedDataKeys()
        let opener = try SealedValueOpener(kek: kek, dataKeys: wrapped)
        #expect(wrapped.count == 2 && opener.brokenKeys.isEmpty, "\(wrapped.map(\.keyID))")
        #expect(!wrapped.contains { $0.keyID.hasPrefix("pin-") }, "the PIN key stayed with the SQLite file: \(wrapped.map(\.keyID))")
        #expect(opener.organisationKeyID != nil && opener.organisationKeyID == database.organisationKey?.id)
        let sealed = after.events.flatMap { event in event.values.compactMap { value in
            value.sealed.map { (event.record, value.attribute, $0, value.keyID ?? "") }
        } }
        #expect(sealed.count == 5)
        for (record, attribute, blob, keyID) in sealed {
            let opened = opener.open(blob, keyID: keyID, tenant: TenantRef(record.tenant), attribute: AttributeID(attribute),
                                     event: EventID(device: DeviceID(record.device), sequence: record.sequence))
            #expect(opened == .value("white-british"), "\(record.tenant) \(attribute) under \(keyID)")
        }
        #expect(after.events.contains { $0.values.contains { $0.sealed != nil } })
        // The device keeps working against the new centre: same credential, same chain.
        try await postgres.authenticate(device: "kiosk-1", secret: secret)
        let next = kiosk.decision("T0000001", "service-updates-email", ["email"], .withdrawn, causal: 6)
        #expect(try await postgres.push(kiosk.push([next]), from: "kiosk-1").results.map(\.central) == [10])
        #expect(try await postgres.push(kiosk.push(pushed), from: "kiosk-1").results == answers.results)

        // The SQLite centre records where it went (no password) and refuses the devices from now on.
        let moved = try #require(try database.movedTo())
        #expect(try PostgresLocation(url: moved) == PostgresLocation(url: url) && !moved.contains("s3cret"), "\(moved)")
        await #expect(throws: CentralStoreError.moved) { try await sqlite.pull(after: 0, limit: 10) }

        // Migrating it again is refused before PostgreSQL is touched, and changes nothing.
        let again = migrate(path, url, in: folder)
        #expect(again.status != 0)
        #expect(again.output.contains("already migrated") && again.output.contains("has moved to PostgreSQL"), "\(again.output)")
        #expect(try await postgres.pull(after: 0, limit: 1000).events.count == 10)

        // Another centre into a database that already holds one is refused; that centre still serves.
        let (other, otherDatabase) = try Self.sqliteCentre("other", device: "other", in: folder, tenants: 9...9) { n in ["full-name": "Tenant \(n)"] }
        let taken = migrate(other, url, in: folder)
        #expect(taken.status != 0)
        #expect(taken.output.contains("already holds a centre (10 events, 1 devices); nothing was changed"), "\(taken.output)")
        #expect(try otherDatabase.movedTo() == nil)
        #expect(try await SQLiteCentralStore(database: otherDatabase).pull(after: 0, limit: 10).events.count == 1)
        #expect(try await postgres.pull(after: 0, limit: 1000).events.count == 10)
    }

    @Test func aCentreWhoseChainFailsTheCheckIsNotMovedAndPostgreSQLStaysEmpty() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, database) = try Self.sqliteCentre("central", device: "centre", in: folder, tenants: 1...3) { n in ["full-name": "Tenant \(n)"] }
        // An event changed in place after it was written: its hash no longer follows from its content.
        let tamper = ThrowawayPostgres.runProgram(["/usr/bin/env", "sqlite3", path,
            "DROP TRIGGER IF EXISTS ledger_append_only_update; UPDATE ledger SET evidence = 'forged' WHERE device_seq = 2"],
            output: folder.appendingPathComponent("sqlite3.out").path)
        #expect(tamper == 0)
        let server = try ThrowawayPostgres.shared()
        let url = server.url(database: try server.createDatabase())
        let run = migrate(path, url, in: folder)
        #expect(run.status != 0)
        #expect(run.output.contains("the chain of device centre does not verify at event 2"), "\(run.output)")
        #expect(try database.movedTo() == nil, "the SQLite centre still serves")
        #expect(try await SQLiteCentralStore(database: database).pull(after: 0, limit: 10).events.count == 3)
        let postgres = try await PostgresCentralStore.open(PostgresLocation(url: url), catalogue: try Self.content.get().catalogue)
        defer { postgres.shutdown() }
        #expect(try await postgres.pull(after: 0, limit: 10).events.isEmpty, "PostgreSQL rolled back")
        #expect(try await postgres.devices().isEmpty)
    }
}

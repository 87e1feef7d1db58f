import CentralStore
@testable import CentralStorePostgres
import ConsentCore
@testable import ConsentStore
import Crypto
import Foundation
import GRDB
import SyncProtocol
import Testing
import TestSupport

/// The retention run at either centre: what no purpose may keep is erased by the centre's own events, which
/// reach the office's devices at their next sync, show in the tenant's history and verify everywhere. A
/// PostgreSQL centre records them under a chain of its own (`Retention.centreChain`), which no device may enrol as.
@Suite struct RetentionSyncTests {
    /// RT-1 left in 2012 (past every "after tenancy end" rule); RT-3 is a tenant.
    static let left: TenantRef = "RT-1", staying: TenantRef = "RT-3"

    static func run(_ net: Network, dryRun: Bool) async throws -> RetentionOutcome {
        let now = net.clocks[net.devices.count].read()
        if let sqlite = net.centre.sqlite { return try sqlite.retentionRun(now: now, dryRun: dryRun, by: "dpo") }
        return try await #require(net.centre.postgres).retentionRun(now: now, dryRun: dryRun, by: "dpo")
    }

    /// The projected status of each attribute of `ref` on a device.
    static func statuses(_ db: ConsentDatabase, _ ref: TenantRef) throws -> [String: String] {
        try db.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                SELECT c.attribute_id, c.status FROM current_value c JOIN tenant t ON t.id = c.tenant_id WHERE t.ref = ?
                """, arguments: [ref.rawValue]).map { ($0[0] as String, $0[1] as String) })
        }
    }

    @Test(arguments: Backend.allCases)
    func aRunAtTheCentreErasesWhatNoPurposeKeepsAndTheDevicesFollow(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: [], kinds: [.kiosk])
        try await net.centre.record([
            register(Self.left, ["full-name": "Amina Khan", "email": "amina@example.org", "postcode": "LS1 4AB", "office": "Leeds",
                                 "tenancy-end": "2012-03-01"]),
            register(Self.staying, ["full-name": "Piotr Nowak", "email": "piotr@example.org", "postcode": "M1 1AE", "office": "Leeds"]),
        ])
        let kiosk = net.devices[0]
        _ = try await net.client(0).syncOnce()
        #expect(try Self.statuses(kiosk, Self.left)["email"] == "value")
        let before = try await net.centre.events()

        let dry = try await Self.run(net, dryRun: true)
        let erased: Set<String> = ["full-name", "email", "postcode", "tenancy-end"]
        #expect(Set(dry.erasures.map(\.attribute.rawValue)) == erased && Set(dry.erasures.map(\.tenant)) == [Self.left], "\(dry.erasures)")
        #expect(try await net.centre.events() == before, "a dry run writes no event")

        let run = try await Self.run(net, dryRun: false)
        #expect(run.erasures == dry.erasures)
        let recorded = try await net.centre.events().dropFirst(before.count)
        #expect(recorded.count == erased.count && recorded.allSatisfy { $0.record.kind == "erasure" && $0.record.actorID == "retention" },
                "\(recorded.map(\.record))")
        if backend == .postgres {
            #expect(recorded.allSatisfy { $0.record.device == Retention.centreChain }, "the centre's own chain")
        }
        #expect(try await Self.run(net, dryRun: false).erasures.isEmpty, "a second run finds nothing")

        // The kiosk follows at its next sync: the values are erased there too, and the history says by whom.
        _ = try await net.client(0).syncOnce()
        let there = try Self.statuses(kiosk, Self.left)
        for attribute in erased { #expect(there[attribute] == "erased", "\(attribute) at the kiosk: \(there)") }
        #expect(there["office"] == "value")
        #expect(try Self.statuses(kiosk, Self.staying).values.allSatisfy { $0 == "value" })
        let history = try await net.centre.history(Self.left)
        #expect(history.filter { $0.actor == Retention.actor }.count == erased.count)
        #expect(try await net.problems().isEmpty, "the centre's checks and the kiosk's ledger verify")
        #expect(try await net.centre.audit().contains { $0.contains("retention run by dpo: 4 values and 0 markers of 1 tenants erased or cleared") })
    }

    /// Review: at a PostgreSQL centre one clock ran through a run's batch, so a tenant's event dated ahead by a fast
    /// device (up to a day is taken) carried every later tenant's erasure ahead with it, and a value or marker given
    /// again that day would have lost to it. Each erasure is clocked after its own tenant's events alone.
    @Test func eachTenantsErasureIsClockedFromThatTenantsEventsAlone() async throws {
        let net = try await Network.make(.postgres, devices: 1, tenants: [], kinds: [.kiosk])
        try await net.centre.record(["RT-1", "RT-2"].map { ref in
            register(TenantRef(ref), ["full-name": "Left \(ref)", "office": "Leeds", "tenancy-end": "2012-03-01"])
        })
        _ = try await net.client(0).syncOnce()
        // The kiosk's clock is 20 hours fast when the first tenant says no to email updates there.
        net.clocks[0].advance(by: 20 * 3_600)
        try net.devices[0].record(decide("RT-1", "service-updates-email", ["full-name"], .withdrawn))
        _ = try await net.client(0).syncOnce()
        let now = net.clocks[1].read()
        let run = try await #require(net.centre.postgres).retentionRun(now: now, dryRun: false, by: "dpo")
        #expect(Set(run.erasures.map(\.tenant)) == ["RT-1", "RT-2"])
        let erasures = try await net.centre.events().filter { $0.record.kind == "erasure" }
        let clock = { (ref: String) in erasures.filter { $0.record.tenant == ref }.map { HLCTimestamp(packed: $0.record.hlc).millis } }
        #expect(clock("RT-1").allSatisfy { $0 >= Millis.from(now) + 20 * 3_600_000 }, "after the fast event, to cover it")
        #expect(!clock("RT-2").isEmpty && clock("RT-2").allSatisfy { $0 < Millis.from(now) + 60_000 }, "RT-2's are not carried ahead: \(clock("RT-2"))")
        #expect(try await net.problems().isEmpty)
    }

    /// Review: the run reads the register, then writes; a tenant a change reached in between (a grant, a value given
    /// again) must not be erased by the older plan. Such a tenant is left for the next run, and said so.
    @Test(arguments: Backend.allCases)
    func aTenantChangedBetweenTheReadAndTheWriteIsLeftForTheNextRun(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: [])
        try await net.centre.record(["RT-1", "RT-2"].map { ref in
            register(TenantRef(ref), ["full-name": "Left \(ref)", "office": "Leeds", "tenancy-end": "2012-03-01"])
        })
        let now = net.clocks[0].read()
        let change = [decide("RT-2", "service-updates-email", ["full-name"], .withdrawn)]
        let run: RetentionOutcome
        if let sqlite = net.centre.sqlite {
            run = try sqlite.retentionRun(now: now, dryRun: false, by: "dpo", progress: { _, _ in }, afterReading: {
                do { _ = try sqlite.record(change) } catch { Issue.record("\(error)") }
            })
        } else {
            run = try await #require(net.centre.postgres).retentionRun(now: now, dryRun: false, by: "dpo", progress: { _, _ in }, afterReading: {
                do { try await net.centre.record(change) } catch { Issue.record("\(error)") }
            })
        }
        #expect(Set(run.erasures.map(\.tenant)) == ["RT-1"], "\(run.erasures)")
        #expect(run.changedDuringRun == ["RT-2"])
        let erased = try await net.centre.events().filter { $0.record.kind == "erasure" }
        #expect(Set(erased.map(\.record.tenant)) == ["RT-1"], "nothing of RT-2 was erased")
        #expect(try await net.centre.audit().contains { $0.contains("of 1 tenants erased or cleared") })
        let next = try await Self.run(net, dryRun: false)
        #expect(Set(next.erasures.map(\.tenant)) == ["RT-2"] && next.changedDuringRun.isEmpty, "the next run looks at RT-2 again")
        #expect(try await net.problems().isEmpty)
    }

    /// No device enrols under the name of the centre's retention records, nor under any name a chain is held by here
    /// with no enrolment (a SQLite centre's own chain, moved to PostgreSQL by `consent migrate`): it would push as that
    /// chain's continuation.
    @Test(arguments: Backend.allCases)
    func noDeviceEnrolsUnderTheNameOfAChainTheCentreHolds(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 0, tenants: [])
        // A chain of three events under "old-centre", as a migration leaves one.
        let sql = """
            INSERT INTO device (id) VALUES ('old-centre');
            INSERT INTO chain_head (device_no, seq, hash) SELECT no, 3, '\\x00' FROM device WHERE id = 'old-centre';
            """
        if let name = net.centre.databaseName {
            _ = try ThrowawayPostgres.shared().query(sql, database: name)
        } else {
            let file = try DatabaseQueue(path: net.folder.path("centre.sqlite"))
            try await file.write { try $0.execute(sql: sql.replacingOccurrences(of: "'\\x00'", with: "x'00'")) }
        }
        for (name, refusal) in [(Retention.centreChain, "the centre's own retention records"), ("old-centre", "already holds a chain of events")] {
            let code = try await net.centre.store.issueEnrolmentCode(office: "Leeds", lifetime: 600, kind: .staff)
            let key = Curve25519.Signing.PrivateKey()
            do {
                _ = try await net.centre.store.enrol(EnrolRequest(code: code, device: name, signingKey: key.publicKey.rawRepresentation))
                Issue.record("a device enrolled as \(name)")
            } catch {
                #expect(error.description.contains(refusal), "\(name): \(error.description)")
            }
        }
    }
}

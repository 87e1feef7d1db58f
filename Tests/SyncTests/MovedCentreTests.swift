import CentralStore
import CentralStoreSQLite
import ConsentCore
import ConsentStore
import Foundation
import GRDB
@testable import SyncEngine
import SyncProtocol
import Testing

/// A SQLite centre that `consent migrate` moved to PostgreSQL (`CentreMove`): it takes nothing more,
/// and a device keeps what it has not sent until the centre serves again from PostgreSQL.
@Suite struct MovedCentreTests {
    let destination = "postgres://consent@db.example:5432/central"

    @Test func aMovedCentreRefusesEveryRequestAndTheDeviceKeepsItsEvents() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: ["T1", "T2"])
        let centre = try #require(net.centre.sqlite)
        try net.devices[0].record(decide("T1", "service-updates-email", ["email"], .granted))
        try net.devices[0].record(decide("T2", "service-updates-email", ["email"], .withdrawn))
        let before = try centre.verify()
        let code = try centre.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        try CentreMove.begin(path: centre.path).finish(movedTo: destination)
        #expect(try centre.movedTo() == destination)

        await #expect(throws: SyncFailure.refused(.moved)) { try await net.client(0).syncOnce() }
        #expect(try net.devices[0].syncStatus().unsent == 2, "the device keeps both events, unsent")
        #expect(try net.devices[0].outbox().events.map(\.record.sequence) == [1, 2])
        #expect(SyncFailure.refused(.moved).description.contains("moved to PostgreSQL"))
        #expect(SyncFailure.refused(.moved).description.contains("changes stay here"))

        let store = net.centre.store
        await #expect(throws: CentralStoreError.moved) { try await store.pull(after: 0, limit: 10) }
        await #expect(throws: CentralStoreError.moved) { try await store.enrol(EnrolRequest(code: code, device: "kiosk-9", signingKey: Data(repeating: 1, count: 32))) }
        await #expect(throws: CentralStoreError.moved) { try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600) }
        await #expect(throws: CentralStoreError.moved) { try await store.revoke(device: "kiosk-0") }
        // Staff at the old centre cannot record there either: it would be left behind.
        #expect(throws: StoreError.centreMoved(path: centre.path, to: destination)) {
            try centre.record(decide("T1", "service-updates-email", ["email"], .withdrawn))
        }
        let after = try centre.verify()
        #expect(after.ok && after.events == before.events, "nothing was applied at the moved centre")
        // Moving twice is refused and changes nothing.
        #expect(throws: StoreError.centreMoved(path: centre.path, to: destination)) {
            try CentreMove.begin(path: centre.path).finish(movedTo: "postgres://other@elsewhere:5432/central")
        }
        #expect(try centre.movedTo() == destination)
    }

    @Test func aPushMeetingTheMigrationsLockIsToldTheCentreIsBusyThenThatItMoved() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: ["T1"])
        let centre = try #require(net.centre.sqlite)
        try net.devices[0].record(decide("T1", "service-updates-email", ["email"], .granted))
        let before = try centre.verify().events
        let move = try CentreMove.begin(path: centre.path)
        // While the migration holds the write lock the push cannot commit: however fast or slow the
        // machine, it is answered "busy" (a retry, not an error), and nothing is applied.
        await #expect(throws: SyncFailure.refused(.busy)) { try await net.client(0).syncOnce() }
        #expect(try net.devices[0].syncStatus().unsent == 1)
        try move.finish(movedTo: destination)
        await #expect(throws: SyncFailure.refused(.moved)) { try await net.client(0).syncOnce() }
        #expect(try centre.verify().events == before, "nothing was applied after the copy")
        #expect(try net.devices[0].syncStatus().unsent == 1)
        #expect(SyncLoop(database: net.devices[0], interval: 60) { () throws(SyncFailure) in net.client(0) }
            .nextDelay(after: .failure(.refused(.busy)), previous: 60) <= 120, "a busy centre is tried again soon")
    }

    @Test func aMigrationThatGivesUpChangesNothing() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: ["T1"])
        let centre = try #require(net.centre.sqlite)
        try net.devices[0].record(decide("T1", "service-updates-email", ["email"], .granted))
        try CentreMove.begin(path: centre.path).abandon()
        #expect(try centre.movedTo() == nil)
        let report = try await net.client(0).syncOnce()
        #expect(report.pushed == 1, "the centre serves as before")
    }
}

extension MovedCentreTests {
    /// An erasure the centre committed but had not yet applied to its vault (a crash in between) is
    /// applied under the migration's lock, so the copy never carries the sealed value.
    @Test func aSealedValueDueForErasureIsGoneBeforeTheCopy() async throws {
        let net = try await Network.make(.sqlite, devices: 0, tenants: ["T1"])
        let centre = try #require(net.centre.sqlite)
        let sealed = "SELECT count(*) FROM vault.value WHERE attribute_id = 'ethnic-origin' AND sealed IS NOT NULL"
        let queue = try DatabaseQueue(path: centre.path)
        try await queue.write { db in
            try db.execute(sql: "ATTACH DATABASE ? AS vault", arguments: [centre.vaultPath])
            #expect(try Int.fetchOne(db, sql: sealed) == 1)
            try db.execute(sql: "INSERT INTO vault_erasure_due (device_no, device_seq, attribute_id) SELECT device_no, device_seq, attribute_id FROM vault.value")
        }
        try queue.close()
        let move = try CentreMove.begin(path: centre.path)
        #expect(try move.read { db in try Int.fetchOne(db, sql: sealed) } == 0, "the copy reads no sealed value")
        #expect(try move.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_erasure_due") } == 0)
        move.abandon()
    }

    /// A centre file this version has not opened yet (the old binary still serving it) is refused before anything is
    /// copied: its tables would come out of key order and be sorted page by page while the centre's writes wait.
    @Test func aCentreNotYetUpgradedIsRefusedAndLeftAsItWas() async throws {
        let net = try await Network.make(.sqlite, devices: 0, tenants: ["T1"])
        let centre = try #require(net.centre.sqlite)
        let queue = try DatabaseQueue(path: centre.path)
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'decision-by-purpose-1'")
        }
        try queue.close()
        #expect {
            try CentreMove.begin(path: centre.path).abandon()
        } throws: { error in
            guard case StoreError.notUpgraded = error else { return false }
            return "\(error)".contains("restart `consent serve` with this version once")
        }
        #expect(try centre.movedTo() == nil)
    }

    /// A push that waits out the lock `consent migrate` holds is refused as "storage": the device's
    /// message words it once, not wrapped in the server's words again.
    @Test func aStorageRefusalReadsOnceOnTheDevice() {
        let refusal = CentralStoreError.storage("database error: SQLite error 5: database is locked")
        let sent = refusal.description
        #expect(ErrorBody(refusal).refusal.description == sent)
        let other = "the centre failed; nothing was applied, try again"
        #expect(ErrorBody(error: "internal", message: other).refusal == .storage(other), "a message in other words is kept whole")
        for refusal in [CentralStoreError.unauthenticated("kiosk-a"), .revoked("kiosk-a"), .invalid("no"), .gap(expected: 7), .moved, .busy] {
            #expect(ErrorBody(refusal).refusal == refusal, "\(refusal) reads on the device as the centre said it")
        }
    }
}

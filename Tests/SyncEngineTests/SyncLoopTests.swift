import ConsentCore
import ConsentStore
import Foundation
@testable import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// The sync loop's waits and what it leaves in the database, on a device with no centre to reach:
/// no server is needed to see how it backs off. (Rounds against a real centre: SyncTests.)
@Suite(.lightOwnThreads) struct SyncLoopTests {
    /// A device database in a folder of its own, removed by `remove()`.
    struct Device {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sync-loop-\(UUID().uuidString)")
        let database: ConsentDatabase

        init() throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            database = try ConsentDatabase.create(at: folder.appendingPathComponent("kiosk.sqlite").path, validator: Shipped.content.validator,
                                                  device: DeviceID("kiosk-a"), key: KeyEncryptionKey.generate())
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test func theWaitDoublesWhileRoundsFailButAMovedCentreIsTriedAgainWithinHalfAMinute() throws {
        let device = try Device()
        defer { device.remove() }
        let loop = SyncLoop(database: device.database, interval: 10) { () throws(SyncFailure) -> SyncClient in throw .unreachable("no network") }
        var delay = 10.0
        var waits: [Double] = []
        for _ in 0..<7 {
            delay = loop.nextDelay(after: .failure(.unreachable("no network")), previous: delay)
            waits.append(delay)
        }
        #expect(waits == [20, 40, 80, 160, 300, 300, 300], "an office without network backs off to five minutes")
        #expect(loop.nextDelay(after: .failure(.refused(.moved)), previous: 300) == 30, "a moved centre is back soon")
        #expect(loop.nextDelay(after: .failure(.refused(.busy)), previous: 300) == 30, "so is a busy one")
        #expect(loop.nextDelay(after: .failure(.refused(.moved)), previous: 10) == 20)
        #expect(loop.nextDelay(after: .success(SyncReport()), previous: 300) == 10)
    }

    @Test func roundsThatCannotConnectBackOffAndLeaveTheirReasonInTheDatabase() async throws {
        let device = try Device()
        defer { device.remove() }
        final class Waits: @unchecked Sendable {
            private let lock = NSLock()
            private var seen: [Double] = []
            func add(_ wait: Double) { lock.withLock { seen.append(wait) } }
            var all: [Double] { lock.withLock { seen } }
        }
        let waits = Waits()
        let loop = SyncLoop(database: device.database, interval: 0.001) { () throws(SyncFailure) -> SyncClient in throw .unreachable("no route to the centre") }
        let task = Task { await loop.run { _, next in waits.add(next) } }
        // A bound for a loop that never comes round, not a wait: the rounds take milliseconds, but a full
        // parallel test run can hold every thread of the pool for minutes before this task gets one.
        let deadline = Date().addingTimeInterval(600)
        while waits.all.count < 4 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        #expect(Array(waits.all.prefix(4)) == [0.002, 0.004, 0.008, 0.016], "\(waits.all)")
        #expect(try device.database.syncStatus().problem?.contains("no route to the centre") == true)
    }

    @Test func backgroundSyncWhoseCertificateAuthorityFileHasGoneRecordsWhy() async throws {
        let device = try Device()
        defer { device.remove() }
        let gone = device.folder.appendingPathComponent("office-ca.pem").path
        try device.database.saveSyncSettings(SyncSettings(server: "https://127.0.0.1:9", secret: "s", caFile: gone))
        let task = try #require(SyncLoop.background(device.database, every: 0.01), "an enrolled device syncs in the background")
        defer { task.cancel() }
        var problem: String?
        let deadline = Date().addingTimeInterval(600)
        while problem == nil && Date() < deadline {
            try await Task.sleep(for: .milliseconds(10))
            problem = try device.database.syncStatus().problem
        }
        #expect(problem?.contains(gone) == true && problem?.contains("cannot be read") == true, "\(problem ?? "nothing recorded")")
    }
}

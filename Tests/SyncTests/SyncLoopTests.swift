import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing

/// Sync rounds leave in the database why the last one failed, for the staff header and
/// `consent sync --status`, including background sync that cannot even set up its connection.
@Suite struct SyncLoopTests {
    final class Rounds: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [(failed: Bool, problem: String?)] = []
        func add(_ failed: Bool, _ problem: String?) { lock.lock(); seen.append((failed, problem)); lock.unlock() }
        var all: [(failed: Bool, problem: String?)] { lock.lock(); defer { lock.unlock() }; return seen }
    }

    @Test func aFailedRoundIsRecordedAndTheNextSuccessClearsIt() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: ["T1"])
        let db = net.devices[0]
        try db.record(decide("T1", "service-updates-email", ["email"], .withdrawn))
        let rounds = Rounds()
        let loop = SyncLoop(client: net.client(0, fault: .dropRequest), interval: 0.01)
        let task = Task {
            await loop.run { round, _ in
                if case .failure = round { rounds.add(true, try? db.syncStatus().problem) } else { rounds.add(false, try? db.syncStatus().problem) }
            }
        }
        for _ in 0..<500 where rounds.all.count < 2 { try await Task.sleep(nanoseconds: 10_000_000) }
        task.cancel()
        let seen = rounds.all
        #expect(seen.count >= 2)
        #expect(seen.first?.failed == true && seen.first?.problem?.contains("request lost") == true, "\(seen)")
        #expect(seen.dropFirst().first?.failed == false && seen.dropFirst().first?.problem == nil, "a success clears it: \(seen)")
        #expect(try db.syncStatus().unsent == 0)
    }

    @Test func backgroundSyncWithoutItsAuthorityFileSaysWhich() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: [])
        let db = net.devices[0]
        let gone = net.folder.path("office-ca.pem")
        try db.saveSyncSettings(SyncSettings(server: "https://127.0.0.1:9", secret: "s", caFile: gone))
        let task = try #require(SyncLoop.background(db, every: 0.01), "an enrolled device syncs in the background")
        defer { task.cancel() }
        var problem: String?
        for _ in 0..<500 where problem == nil {
            try await Task.sleep(nanoseconds: 10_000_000)
            problem = try db.syncStatus().problem
        }
        #expect(problem?.contains(gone) == true && problem?.contains("cannot be read") == true, "\(problem ?? "nothing recorded")")
    }

    @Test func theWaitDoublesWhileRoundsFailButAMovedCentreIsTriedAgainWithinHalfAMinute() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: [])
        let loop = SyncLoop(client: net.client(0), interval: 10)
        var delay = 10.0
        var waits: [Double] = []
        for _ in 0..<7 {
            delay = loop.nextDelay(after: .failure(.unreachable("no network")), previous: delay)
            waits.append(delay)
        }
        #expect(waits == [20, 40, 80, 160, 300, 300, 300], "an office without network backs off to five minutes")
        #expect(loop.nextDelay(after: .failure(.refused(.moved)), previous: 300) == 30, "a moved centre is back soon")
        #expect(loop.nextDelay(after: .failure(.refused(.moved)), previous: 10) == 20)
        #expect(loop.nextDelay(after: .success(SyncReport()), previous: 300) == 10)
    }
}

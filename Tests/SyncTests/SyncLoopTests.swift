import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// Sync rounds leave in the database why the last one failed, for the staff header and
/// `consent sync --status` (against a centre here; the loop's waits without one: SyncEngineTests).
@Suite(.lightOwnThreads) struct SyncLoopTests {
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
        // A bound for a loop that never comes round, not a wait: the rounds take milliseconds, but a busy run can
        // leave the loop's task without a thread of the cooperative pool for many seconds.
        let deadline = Date().addingTimeInterval(600)
        while rounds.all.count < 2 && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        task.cancel()
        let seen = rounds.all
        #expect(seen.count >= 2)
        #expect(seen.first?.failed == true && seen.first?.problem?.contains("request lost") == true, "\(seen)")
        #expect(seen.dropFirst().first?.failed == false && seen.dropFirst().first?.problem == nil, "a success clears it: \(seen)")
        #expect(try db.syncStatus().unsent == 0)
    }
}

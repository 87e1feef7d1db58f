import ConsentCore
import ConsentStore
import Dispatch
import Foundation
import HummingbirdTesting
@testable import KioskWeb
import Testing

/// A fetch from the centre blocks the kiosk while it waits for a request made on Swift's cooperative pool.
/// The web kiosk must block its own queue for that, never a pool thread: the pool has one thread per core,
/// so on a one-core kiosk nothing would be left to make the request and the kiosk would freeze.
@Suite struct WebKioskExecutorTests {
    /// A centre that answers as `CentreFetch` does (the work on the pool, the caller waiting on a semaphore)
    /// and notes where it was called from.
    final class PoolCentre: TenantFetching, @unchecked Sendable {
        private let lock = NSLock()
        private var calls: [Bool] = []
        /// For each fetch, whether it was called on the kiosk's own queue.
        var onKioskQueue: [Bool] { lock.withLock { calls } }

        func fetch(_ ref: TenantRef, dateOfBirth: String) -> TenantFetchOutcome {
            lock.withLock { calls.append(KioskQueueExecutor.isCurrent) }
            let done = DispatchSemaphore(value: 0)
            Task.detached { done.signal() }
            return done.wait(timeout: .now() + 60) == .success ? .notFound : .unreachable
        }
    }

    @Test func aSignInThatAsksTheCentreBlocksTheKiosksOwnQueueNotTheCooperativePool() async throws {
        let centre = PoolCentre()
        let fixture = try WebFixture(centre: centre)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.get(client)
            try await browser.press(client, "lang:en")
            try await browser.press(client, "sign-in", ["ref": "T0000999", "dob": "01/01/1960", "pin": "482916"])
            #expect(browser.page.contains("ask at the desk"), "a reference held nowhere: the desk message")
        }
        #expect(centre.onKioskQueue == [true], "the fetch ran on: \(centre.onKioskQueue.map { $0 ? "the kiosk's queue" : "the cooperative pool" })")
    }
}

import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol
import Testing

/// Issue 6 item 3: a pull must never skip an event whose central sequence became visible after a
/// later one.
@Suite struct CursorSafetyTests {
    /// The trap itself, on a plain `bigserial` table: a transaction that took a lower number commits
    /// after one that took a higher number, so a reader that moved its cursor past the higher number
    /// never sees the lower one. The store must not number events this way.
    @Test func aSequenceAloneWouldLetACursorSkipAnEvent() async throws {
        let centre = try await Centre.make()
        centre.store.shutdown()
        _ = try await Centre.rows("CREATE TABLE naive (seq bigserial PRIMARY KEY, what text)", at: centre.location)
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: (centre.location.socketFolder ?? "") + "/.s.PGSQL.5432", username: centre.location.user,
            password: nil, database: centre.location.database)
        let logger = Logger(label: "test")
        let slow = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        let fast = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
        try await slow.query("BEGIN", logger: logger)
        try await slow.query("INSERT INTO naive (what) VALUES ('slow')", logger: logger)
        try await fast.query("INSERT INTO naive (what) VALUES ('fast')", logger: logger)
        let seen = try await Centre.rows("SELECT seq::text FROM naive WHERE seq > 0 ORDER BY seq", at: centre.location)
        #expect(seen == [["2"]]) // a cursor now moves to 2 ...
        try await slow.query("COMMIT", logger: logger)
        let later = try await Centre.rows("SELECT seq::text FROM naive WHERE seq > 2 ORDER BY seq", at: centre.location)
        #expect(later.isEmpty) // ... and event 1 is never pulled.
        try await slow.close()
        try await fast.close()
    }

    /// Devices push at once through their own connections while a device pulls page after page:
    /// it receives every event exactly once, in central order, with no number missing.
    @Test func concurrentPushesNeverLetAPullSkip() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        let devices = ["kiosk-1", "kiosk-2", "phone-1", "phone-2"]
        for device in devices { try await centre.enrol(device) }
        // The tenants are registered first (events for a tenant the centre does not know are rejected).
        var registrar = TestDevice("registrar")
        try await centre.enrol("registrar")
        let registrations = (0..<40).map { registrar.event("T\($0)", registration(["email": "t\($0)@example.org"])) }
        _ = try await centre.store.push(registrar.push(registrations), from: "registrar")
        let batches = 12, perBatch = 25
        let total = registrations.count + devices.count * batches * perBatch
        let pushers = try await withThrowingTaskGroup(of: Int.self) { group in
            for (n, name) in devices.enumerated() {
                group.addTask {
                    // Each device its own store: its own pool of connections.
                    let store = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
                    defer { store.shutdown() }
                    var device = TestDevice(name)
                    var applied = 0
                    for batch in 0..<batches {
                        var events: [WireEvent] = []
                        for i in 0..<perBatch {
                            let tenant = "T\((batch * perBatch + i + n) % 40)"
                            events.append(i % 3 == 0
                                ? device.event(tenant, .correction(AttributeID("email"), .value("\(name)-\(batch)-\(i)@example.org"), pending: false))
                                : device.decision(tenant, "service-updates-email", ["email"], i % 2 == 0 ? .granted : .withdrawn))
                        }
                        applied += try await store.push(device.push(events), from: name).results.filter { $0.central != nil }.count
                    }
                    return applied
                }
            }
            group.addTask {
                var cursor: Int64 = 0, received: [Int64] = []
                while received.count < total {
                    let page = try await centre.store.pull(after: cursor, limit: 7)
                    received += page.events.compactMap(\.central)
                    cursor = page.cursor
                }
                #expect(received == Array(1...Int64(total)))
                return -1
            }
            var applied = 0
            for try await count in group where count >= 0 { applied += count }
            return applied
        }
        #expect(pushers + registrations.count == total)
        #expect(try await centre.rows("SELECT count(*)::text, max(central_seq)::text FROM ledger") == [["\(total)", "\(total)"]])
    }
}

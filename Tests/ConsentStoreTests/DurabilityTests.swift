import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import Testing

/// Every commit must survive a power cut: both files run in WAL mode with `synchronous = FULL`, on
/// the main connection and on the vault-only writer, for a new database and a reopened one.
@Suite struct DurabilityTests {
    /// `synchronous` as SQLite reports it: 2 is FULL (1, NORMAL, may lose the last commits at a power cut).
    static let full = 2

    func settings(_ db: ConsentDatabase) throws -> [String: String] {
        var found = try db.read { d in
            [
                "main.journal": try String.fetchOne(d, sql: "PRAGMA main.journal_mode") ?? "?",
                "main.synchronous": String(try Int.fetchOne(d, sql: "PRAGMA main.synchronous") ?? -1),
                "vault.journal": try String.fetchOne(d, sql: "PRAGMA vault.journal_mode") ?? "?",
                "vault.synchronous": String(try Int.fetchOne(d, sql: "PRAGMA vault.synchronous") ?? -1),
            ]
        }
        found["writer.synchronous"] = String(try db.vaultWriter.queue.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") ?? -1 })
        return found
    }

    @Test func bothFilesSyncEveryCommitWhenCreatedAndReopened() throws {
        let temp = try TempDatabase()
        let expected = ["main.journal": "wal", "main.synchronous": "\(Self.full)", "vault.journal": "wal",
                        "vault.synchronous": "\(Self.full)", "writer.synchronous": "\(Self.full)"]
        #expect(try settings(temp.db) == expected)
        let reopened = try temp.reopen(key: temp.key)
        #expect(try settings(reopened) == expected)
        try reopened.close()
    }
}

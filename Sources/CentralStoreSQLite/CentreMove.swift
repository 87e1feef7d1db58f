import CentralStore
import ConsentStore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// The SQLite side of `consent migrate`: holds the centre's write lock while its contents are
/// copied elsewhere, then records where the centre went, in the same transaction.
///
/// While the lock is held a running `consent serve --db` keeps answering pulls (from the state being
/// copied) and its pushes wait for the lock; once ``finish(movedTo:)`` commits, every push, pull and
/// enrolment it receives is refused with ``CentralStoreError/moved`` and nothing more is written to
/// the ledger there, so nothing can be left behind. ``abandon()`` rolls back: nothing changed.
///
/// ```swift
/// let move = try CentreMove.begin(path: "central.sqlite")
/// let events = try move.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger") }
/// try move.finish(movedTo: "postgres://consent@db/central")
/// ```
public final class CentreMove {
    /// The main file of the centre.
    public let path: String
    let queue: DatabaseQueue
    let lockedAt: Date
    private var active = true

    private init(path: String, queue: DatabaseQueue, lockedAt: Date) {
        self.path = path
        self.queue = queue
        self.lockedAt = lockedAt
    }

    /// Opens the centre (and its vault), waits up to `wait` seconds for its write lock (a push in
    /// progress finishes first), and refuses a device database or a centre that already moved.
    /// Erasures of sealed values the centre has committed but not yet applied to the vault are applied
    /// within the lock, so a copy never carries a value that should be gone.
    public static func begin(path: String, wait: TimeInterval = 60) throws(StoreError) -> CentreMove {
        guard try ConsentDatabase.metadata("role", at: path) == "centre" else { throw .notACentre(path: path) }
        let vault = ConsentDatabase.vaultPath(for: path)
        guard FileManager.default.fileExists(atPath: vault) else { throw .vaultMissing(path: vault) }
        var config = Configuration.durableWAL(attachingVault: vault)
        config.busyMode = .timeout(wait)
        // The transaction spans the copy's steps (each awaits the other database in between).
        config.allowsUnsafeTransactions = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            // IMMEDIATE takes the write lock of the main file and of the vault now.
            try queue.inDatabase { db in try db.beginTransaction(.immediate) }
            let move = CentreMove(path: path, queue: queue, lockedAt: Date())
            do {
                try queue.inDatabase { db in
                    if let to = try ConsentDatabase.movedTo(db) { throw StoreError.centreMoved(path: path, to: to) }
                    guard try ConsentDatabase.isUpgraded(db) else { throw StoreError.notUpgraded(path: path) }
                    try db.execute(sql: """
                        UPDATE vault.value SET sealed = NULL, key_id = NULL
                        WHERE (device_no, device_seq, attribute_id) IN (SELECT device_no, device_seq, attribute_id FROM vault_erasure_due)
                        """)
                    try db.execute(sql: "DELETE FROM vault_erasure_due")
                }
            } catch {
                move.abandon()
                throw error
            }
            return move
        } catch {
            throw ConsentDatabase.map(error)
        }
    }

    /// Reads within the locked transaction.
    public func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try queue.inDatabase(body) } catch { throw ConsentDatabase.map(error) }
    }

    /// Records `movedTo` (a URL without its password) as where the centre went, and commits: from
    /// now on the centre refuses every request. Returns how long writes were held.
    @discardableResult
    public func finish(movedTo: String) throws(StoreError) -> TimeInterval {
        do {
            try queue.inDatabase { db in
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [ConsentDatabase.movedKey, movedTo])
                try db.commit()
            }
            active = false
            try? queue.close()
            return Date().timeIntervalSince(lockedAt)
        } catch {
            abandon()
            throw ConsentDatabase.map(error)
        }
    }

    /// Rolls back and releases the lock; the centre is as it was.
    public func abandon() {
        guard active else { return }
        active = false
        try? queue.inDatabase { db in try db.rollback() }
        try? queue.close()
    }

    deinit { abandon() }
}

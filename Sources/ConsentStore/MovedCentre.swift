import ConsentVault
import Foundation
import GRDB

/// A SQLite centre that `consent migrate` moved to PostgreSQL records where it went in `meta`;
/// from then on it refuses every ledger write and every request served to a device.
extension ConsentDatabase {
    /// The `meta` key under which a moved centre records where it went.
    public static let movedKey = "moved_to"

    /// Where `consent migrate` moved this centre (a PostgreSQL URL without its password), or nil.
    public func movedTo() throws(StoreError) -> String? {
        try read { db in try Self.movedTo(db) }
    }

    /// Whether every upgrade this version knows has been applied to the file `db` reads (opening it with
    /// ``open(at:validator:clock:cacheMegabytes:key:keyProblem:upgrading:)`` applies them; `consent migrate` reads
    /// a centre's file without opening it that way).
    package static func isUpgraded(_ db: Database) throws -> Bool {
        try Schema.migrator.hasCompletedMigrations(db)
    }

    package static func movedTo(_ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [movedKey])
    }

    /// Throws ``StoreError/centreMoved(path:to:)`` at a centre that has moved: called inside every
    /// ledger write (`writeLedger`) and every request served to a device (enrol, authenticate, pull,
    /// issue-code, revoke), so a request that waited for `consent migrate`'s lock sees the move when it
    /// gets the lock. Other writes (the audit of refused requests among them) still go to the old file.
    package func refuseIfMoved(_ db: Database) throws {
        guard isCentre, let to = try Self.movedTo(db) else { return }
        throw StoreError.centreMoved(path: path, to: to)
    }
}

import Foundation

/// Where `consent migrate` copies a SQLite centre to: one open transaction at the other centre
/// (`PostgresImporter` in CentralStorePostgres), committed only if the check passes.
public protocol CentreImport: AnyObject {
    /// Copies rows into the target table `table` (fields in its column order).
    func copy(_ table: String, _ rows: [[CopyValue]]) async throws
    /// Sets the counters past the copied numbers.
    func setCounters() async throws
    /// The check's summary of what the transaction holds, before it commits.
    func summary() async throws -> CentreSummary
    /// Commits and closes.
    func commit() async throws
    /// Rolls back and closes.
    func abandon() async
}

/// A centre `consent migrate` can move a SQLite centre into (`PostgresLocation` in CentralStorePostgres).
public protocol CentreImportTarget {
    /// Where the centre went, as the moved SQLite centre records it and the report says (no password).
    var destination: String { get }
    /// Opens the one transaction the copy goes into; throws ``CentreMigration/Refusal`` for a centre
    /// that cannot take it (one that already holds a centre, one that cannot be reached).
    func beginImport() async throws -> any CentreImport
}

/// `consent migrate`: moves a SQLite centre into an empty centre elsewhere, then checks the copy (the move
/// itself, `run`, is in CentralStoreSQLite: it reads the SQLite centre).
///
/// The SQLite centre's write lock is held (`CentreMove` in CentralStoreSQLite) while every table is copied into one
/// transaction at the other centre (a ``CentreImport``); then both summaries are compared (counts, every
/// device's chain head, the digest of the ledger in central order). Only if they match does the other
/// centre commit and the SQLite centre record where it went; otherwise nothing changes on either side.
///
/// ```swift
/// let report = try await CentreMigration.run(from: "central.sqlite", to: PostgresLocation(url: url)) // CentralStoreSQLite, CentralStorePostgres
/// if !report.matches { print(report.differences) }
/// ```
public enum CentreMigration {
    /// What a migration did.
    public struct Report: Codable, Sendable {
        /// The SQLite centre.
        public var from: String
        /// The PostgreSQL database, without its password.
        public var to: String
        /// Events copied.
        public var events: Int64
        /// Device chains copied.
        public var devices: Int
        /// The digest of the ledger in central order.
        public var ledgerDigest: String
        /// Rows by table at PostgreSQL.
        public var counts: [String: Int64]
        /// Whether the check found both sides equal.
        public var matches: Bool
        /// What differs, one line each (empty when they match).
        public var differences: [String]
        /// The SQLite centre now refuses every request (it records where it went).
        public var moved: Bool
        /// How long the SQLite centre's writes (pushes, enrolments) waited for the copy and the check.
        public var writesHeldSeconds: Double

        /// A report of these fields.
        public init(from: String, to: String, events: Int64, devices: Int, ledgerDigest: String, counts: [String: Int64],
                    matches: Bool, differences: [String], moved: Bool, writesHeldSeconds: Double) {
            (self.from, self.to, self.events, self.devices, self.ledgerDigest) = (from, to, events, devices, ledgerDigest)
            (self.counts, self.matches, self.differences, self.moved, self.writesHeldSeconds) = (counts, matches, differences, moved, writesHeldSeconds)
        }
    }

    /// Why a migration did not start, or could not be finished; one or two lines for the user.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
        /// A refusal saying `description`.
        public init(description: String) { self.description = description }
    }
}

import ConsentStore
import ConsentVault
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

/// `consent migrate`: moves a SQLite centre into an empty centre elsewhere, then checks the copy.
///
/// The SQLite centre's write lock is held (``CentreMove``) while every table is copied into one
/// transaction at the other centre (a ``CentreImport``); then both summaries are compared (counts, every
/// device's chain head, the digest of the ledger in central order). Only if they match does the other
/// centre commit and the SQLite centre record where it went; otherwise nothing changes on either side.
///
/// ```swift
/// let report = try await CentreMigration.run(from: "central.sqlite", to: PostgresLocation(url: url)) // CentralStorePostgres
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
    }

    /// Why a migration did not start, or could not be finished; one or two lines for the user.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
        /// A refusal saying `description`.
        public init(description: String) { self.description = description }
    }

    /// Moves the centre at `path` into the transaction `begin` opens, recorded as moved to `destination`
    /// (a URL without its password). `progress` hears, per table, the rows copied so far of its total.
    /// Throws ``Refusal`` for a centre already moved or one that cannot be locked (and whatever `begin`
    /// refuses with, such as a database that already holds a centre); a failed check is not an error:
    /// the report says what differs and that nothing moved.
    public static func run(from path: String, to destination: String, begin: () async throws -> any CentreImport,
                           progress: (_ table: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }) async throws -> Report {
        // A centre that already moved is named before PostgreSQL is touched (the lock below checks again).
        let moved: String?
        do { moved = try ConsentDatabase.metadata(ConsentDatabase.movedKey, at: path) } catch { throw Refusal(description: error.description) }
        if let moved { throw Refusal(description: "already migrated: \(StoreError.centreMoved(path: path, to: moved))") }
        let importer = try await begin()
        // From here the SQLite centre's writes wait (a push in progress finishes first): nothing can be left behind.
        let source: CentreMove
        do { source = try CentreMove.begin(path: path) } catch {
            await importer.abandon()
            throw Refusal(description: error.description)
        }
        let started = Date()
        var expected: [String: Int64] = [:]
        let wanted: CentreSummary, got: CentreSummary
        do {
            for table in CentreMove.tables {
                let total = try source.count(table)
                expected[table.target] = total
                var offset: Int64 = 0
                let page: Int64 = 20_000
                while offset < total {
                    let rows = try source.rows(table, limit: page, offset: offset)
                    if rows.isEmpty { break }
                    try await importer.copy(table.target, rows)
                    offset += Int64(rows.count)
                    progress(table.target, Int(offset), Int(total))
                }
            }
            try await importer.setCounters()
            wanted = try source.summary(counts: expected)
            got = try await importer.summary()
        } catch {
            await importer.abandon()
            source.abandon()
            throw error
        }
        let differences = got.differences(from: wanted)
        var held = Date().timeIntervalSince(started)
        if differences.isEmpty {
            // The other centre first: if recording the move then failed, the SQLite centre would still serve
            // (nothing lost) and a second run would find PostgreSQL taken and say so.
            do { try await importer.commit() } catch {
                source.abandon()
                throw error
            }
            do { held = try source.finish(movedTo: destination) } catch {
                throw Refusal(description: """
                    the centre was copied to PostgreSQL but \(path) could not be marked as moved (\(error)); it still serves, so do not \
                    serve both: drop and create the PostgreSQL database again, then rerun consent migrate
                    """)
            }
        } else {
            await importer.abandon()
            source.abandon()
        }
        return Report(from: path, to: destination, events: got.counts["ledger"] ?? 0, devices: got.heads.count,
                      ledgerDigest: got.ledgerDigest, counts: got.counts, matches: differences.isEmpty, differences: differences,
                      moved: differences.isEmpty, writesHeldSeconds: (held * 1000).rounded() / 1000)
    }
}

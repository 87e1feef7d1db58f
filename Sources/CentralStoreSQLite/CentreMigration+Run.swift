import CentralStore
import ConsentStore
import Foundation

extension CentreMigration {
    /// Moves the SQLite centre at `path` into the centre `target` names (see ``CentreMigration``);
    /// `progress` hears, per table, the rows copied so far of its total.
    public static func run(from path: String, to target: some CentreImportTarget,
                           progress: (_ table: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }) async throws -> Report {
        try await run(from: path, to: target.destination, begin: { try await target.beginImport() }, progress: progress)
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

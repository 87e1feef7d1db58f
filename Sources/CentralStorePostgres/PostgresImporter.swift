import CentralStore
import ConsentCore
import Crypto
import Foundation
import PostgresNIO
import SyncProtocol

/// Moves a whole central store into an empty PostgreSQL centre in one transaction (`consent
/// migrate`): rows go in with their own numbers (devices, tenants, central sequences), by COPY,
/// then the counters are set past them. Nothing is visible to a server until it commits.
public final class PostgresImporter: CentreImport {
    /// The tables rows may be copied into, and their columns in the order rows give them.
    public static let tables: [String: [String]] = [
        "device": ["no", "id"],
        "chain_head": ["device_no", "seq", "hash"],
        "tenant": ["id", "ref"],
        "ledger": LedgerRow.columns,
        "value": ["device_no", "device_seq", "attribute_id", "tenant_id", "value", "prefer_not", "salt", "digest"],
        "sealed_value": ["device_no", "device_seq", "attribute_id", "tenant_id", "key_id", "sealed", "prefer_not", "digest"],
        "data_key": ["key_id", "kek_id", "wrapped", "created_at"],
        "organisation_key": ["public_key", "created_at"],
        "current_value": ["tenant_id", "attribute_id", "status", "source_device", "source_seq", "hlc", "writer"],
        "pending_value": ["tenant_id", "attribute_id", "source_device", "source_seq", "hlc", "prefer_not"],
        "decision": PostgresProjection.decisionTableColumns,
        "sync_device": ["id", "office", "secret_hash", "enrolled_at", "revoked_at", "public_key", "kind", "served"],
        "sync_head": ["device", "seq", "hash", "signature", "at"],
        "enrolment_code": ["code_hash", "office", "issued_at", "expires_at", "used_at", "kind"],
        "push_result": ["device_no", "device_seq", "outcome", "central_seq", "reason", "hash"],
        "sync_audit": ["at", "device", "what"],
        "tenant_marker": ["tenant_id", "marker", "active", "hlc", "writer"],
        "tenant_fetch": ["device", "tenant_id", "at"],
        "export": ["no", "id", "purpose_id", "recipient", "columns", "at", "origin", "operator"],
        "disclosure": ["tenant_id", "export_no", "columns"],
        "staff": ["id", "name", "role", "created_at", "disabled", "offered_by"],
    ]

    let connection: PostgresConnection
    let logger = Logger(label: "consent.migrate")

    private init(connection: PostgresConnection) { self.connection = connection }

    /// Opens the target, creates the schema and checks that it holds no centre yet, then starts the
    /// transaction. A database that already holds one is refused with ``ImportError/notEmpty(events:devices:)``.
    public static func begin(_ location: PostgresLocation) async throws -> PostgresImporter {
        let logger = Logger(label: "consent.migrate")
        let connection = try await location.connect(logger: logger)
        let importer = PostgresImporter(connection: connection)
        do {
            try await PostgresSchema.migrate(connection, logger: logger)
            try await connection.query("BEGIN", logger: logger)
            // Two migrations into one database at once: the second waits here, then finds the first's centre.
            try await connection.query("LOCK TABLE ledger IN EXCLUSIVE MODE", logger: logger)
            var events: Int64 = 0
            for try await n in try await connection.query("SELECT count(*) FROM ledger", logger: logger).decode(Int64.self) { events = n }
            var devices: Int64 = 0
            for try await n in try await connection.query("SELECT count(*) FROM sync_device", logger: logger).decode(Int64.self) { devices = n }
            guard events == 0, devices == 0 else { throw ImportError.notEmpty(events: events, devices: devices) }
            return importer
        } catch {
            await importer.abandon()
            throw error
        }
    }

    /// Why a migration was refused before anything was copied.
    public enum ImportError: Error, Equatable, CustomStringConvertible {
        /// The target already holds a centre (this one moved earlier, or another).
        case notEmpty(events: Int64, devices: Int64)

        public var description: String {
            switch self {
            case let .notEmpty(events, devices):
                "the PostgreSQL database already holds a centre (\(events) events, \(devices) devices); nothing was changed. "
                    + "Migrate into a new, empty database"
            }
        }
    }

    /// Copies rows into one of ``tables`` (fields in its column order).
    public func copy(_ table: String, _ rows: [[CopyValue]]) async throws {
        guard let columns = Self.tables[table] else { throw CentralStoreError.invalid("no table \(table) to migrate into") }
        var out = CopyRows()
        for row in rows {
            guard row.count == columns.count else { throw CentralStoreError.invalid("a row for \(table) has \(row.count) fields, not \(columns.count)") }
            for field in row {
                switch field {
                case .null: out.null()
                case .int(let n): out.int(n)
                case .text(let t): out.text(t)
                case .bytes(let b): out.bytes(b)
                case .bool(let b): out.bool(b)
                }
            }
            out.endRow()
        }
        try await out.copy(into: table, columns: columns, on: connection, logger: logger)
    }

    /// Sets the counters past the copied numbers and fills what the copied rows imply (the restrictions in
    /// force), still inside the transaction.
    public func setCounters() async throws {
        try await PostgresCentralStore.refreshRestrictions(on: connection, logger: logger)
        try await connection.query("UPDATE central_counter SET last = (SELECT COALESCE(max(central_seq), 0) FROM ledger)", logger: logger)
        try await connection.query("SELECT setval(pg_get_serial_sequence('device', 'no'), (SELECT COALESCE(max(no), 0) + 1 FROM device), false)", logger: logger)
        try await connection.query("SELECT setval(pg_get_serial_sequence('tenant', 'id'), (SELECT COALESCE(max(id), 0) + 1 FROM tenant), false)", logger: logger)
        try await connection.query("SELECT setval(pg_get_serial_sequence('export', 'no'), (SELECT COALESCE(max(no), 0) + 1 FROM export), false)", logger: logger)
    }

    /// The check's summary of what the transaction holds, before it commits (every chain is walked).
    public func summary() async throws -> CentreSummary {
        try await PostgresCentralStore.summary(on: connection, logger: logger)
    }

    /// Commits and closes.
    public func commit() async throws {
        try await connection.query("COMMIT", logger: logger)
        try await connection.close()
    }

    /// Rolls back and closes.
    public func abandon() async {
        _ = try? await connection.query("ROLLBACK", logger: logger)
        try? await connection.close()
    }
}

extension PostgresCentralStore {
    /// Counts, chain heads (recomputed from the stored events: every chain is walked and must verify)
    /// and a digest of the ledger, for `consent migrate`'s check.
    public func summary() async throws -> CentreSummary {
        try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            return try await Self.summary(on: connection, logger: self.logger)
        }
    }

    /// ``summary()`` read on `connection`, in the caller's transaction.
    static func summary(on connection: PostgresConnection, logger: Logger) async throws -> CentreSummary {
        var counts: [String: Int64] = [:]
        for table in CentreSummary.comparedTables {
            for try await n in try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger).decode(Int64.self) {
                counts[table] = n
            }
        }
        var heads: [String: CentreSummary.ChainHead] = [:]
        var ledger = LedgerDigest()
        var cursor: Int64 = 0
        var chains: [String: (sequence: Int64, hash: Data)] = [:]
        // A chain goes over the events its device set aside (refused, never stored), as `verify()` walks it.
        let setAside = try await setAsideHashes(on: connection, logger: logger)
        while true {
            let page = try await Self.page(after: cursor, limit: 10_000, on: connection, logger: logger)
            for event in page.events {
                let r = event.record
                let (seq, previous) = overSetAside(chains[r.device] ?? (0, ValueDigest.empty), setAside[r.device] ?? [:])
                guard r.sequence == seq + 1, r.hash(after: previous) == event.hash else {
                    throw CentralStoreError.invalid("the chain of device \(r.device) does not verify at event \(r.sequence)")
                }
                chains[r.device] = (r.sequence, event.hash)
                ledger.add(central: event.central ?? 0, hash: event.hash)
            }
            cursor = page.cursor
            if !page.more { break }
        }
        for device in Set(chains.keys).union(setAside.keys) {
            let head = overSetAside(chains[device] ?? (0, ValueDigest.empty), setAside[device] ?? [:])
            if head.sequence > 0 { heads[device] = .init(sequence: head.sequence, hash: head.hash.lowercaseHex) }
        }
        return CentreSummary(counts: counts, heads: heads, ledgerDigest: ledger.hex)
    }
}

extension PostgresLocation: CentreImportTarget {
    /// The database without its password, as the moved SQLite centre records it.
    public var destination: String { redactedURL }

    /// Opens the import into this database (`consent migrate`, ``CentreMigration``); a database that
    /// already holds a centre is refused with a ``CentreMigration/Refusal``.
    public func beginImport() async throws -> any CentreImport {
        do { return try await PostgresImporter.begin(self) } catch let error as PostgresImporter.ImportError {
            throw CentreMigration.Refusal(description: error.description)
        }
    }
}

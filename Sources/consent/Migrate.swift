import ArgumentParser
import CentralStorePostgres
import ConsentStore
import Foundation
import GRDB

/// `consent migrate --from central.sqlite --to postgres://...`: moves a SQLite centre to PostgreSQL.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a SQLite central store to PostgreSQL, then check that the ledgers and hash chains match.",
        discussion: """
            Copies, from one snapshot of the SQLite centre (and its .special.sqlite vault file): devices and their chain
            heads, tenants, the ledger with its central sequences, values, sealed special-category values (still sealed:
            neither side opens them) and wrapped data keys, the projections, and the sync state (enrolled devices and
            their credentials and signing keys, signed chain heads, enrolment codes, push results, the audit log), staff markers, and the exports made with the tenants
            each was disclosed to (so `export recalls` works there). Everything goes into an empty PostgreSQL
            database in one transaction. Then every device's chain is walked on PostgreSQL and its head compared with
            the SQLite centre's, with the row counts and a digest of the whole ledger in central order; any difference
            is an error (exit 1). Stop `consent serve` first: pushes after the snapshot would stay behind.
            """)

    @Option(help: ArgumentHelp("The SQLite central store.", valueName: "path"))
    var from: String

    @Option(help: ArgumentHelp("The PostgreSQL database, as postgres://USER@HOST[:PORT]/DATABASE (?host=/socket/dir for a unix socket).", valueName: "url"))
    var to: String

    @OptionGroup var content: ContentOptions

    @Flag(help: "Print JSON for scripts.")
    var json = false

    /// The tables copied: target, the query giving its rows in column order, and how to count them.
    static let steps: [(table: String, select: String, count: String)] = [
        ("device", "SELECT no, id FROM device ORDER BY no", "device"),
        ("chain_head", "SELECT device_no, seq, hash FROM chain_head ORDER BY device_no", "chain_head"),
        ("tenant", "SELECT id, ref FROM tenant ORDER BY id", "tenant"),
        ("ledger", """
            SELECT COALESCE(central_seq, position), device_no, device_seq, tenant_id, kind, attribute_id, purpose_id, state, pending,
                   notice_version, language, valid_until, target_device, target_seq, values_digest, hlc, effective_at, actor, actor_id,
                   verification, reason, channel, causal_seq, evidence, hash FROM ledger ORDER BY position
            """, "ledger"),
        ("value", "SELECT device_no, device_seq, attribute_id, tenant_id, value, prefer_not, salt, digest FROM value ORDER BY device_no, device_seq, attribute_id", "value"),
        ("sealed_value", "SELECT device_no, device_seq, attribute_id, tenant_id, key_id, sealed, prefer_not, digest FROM vault.value ORDER BY device_no, device_seq, attribute_id", "vault.value"),
        ("data_key", "SELECT key_id, kek_id, wrapped, created_at FROM vault.data_key ORDER BY key_id, kek_id", "vault.data_key"),
        ("current_value", "SELECT tenant_id, attribute_id, status, source_device, source_seq, hlc, writer FROM current_value ORDER BY tenant_id, attribute_id", "current_value"),
        ("pending_value", """
            SELECT p.tenant_id, p.attribute_id, p.source_device, p.source_seq, p.hlc, COALESCE(v.prefer_not, s.prefer_not, 0) FROM pending_value p
            LEFT JOIN value v ON v.device_no = p.source_device AND v.device_seq = p.source_seq AND v.attribute_id = p.attribute_id
            LEFT JOIN vault.value s ON s.device_no = p.source_device AND s.device_seq = p.source_seq AND s.attribute_id = p.attribute_id
            ORDER BY p.tenant_id, p.attribute_id, p.source_device, p.source_seq
            """, "pending_value"),
        ("decision", """
            SELECT tenant_id, attribute_id, purpose_id, state, event_device, event_seq, central_seq, effective_at, notice_version, language,
                   valid_until, actor, actor_id, verification, reason, channel, reconfirm_device, reconfirm_seq, blocking
            FROM decision ORDER BY tenant_id, attribute_id, purpose_id
            """, "decision"),
        ("sync_device", "SELECT id, office, secret_hash, enrolled_at, revoked_at, public_key FROM sync_device ORDER BY id", "sync_device"),
        ("sync_head", "SELECT device, seq, hash, signature, at FROM sync_head ORDER BY device", "sync_head"),
        ("enrolment_code", "SELECT code_hash, office, 0, expires_at, used_at FROM sync_code ORDER BY code_hash", "sync_code"),
        ("push_result", """
            SELECT r.device_no, r.device_seq, r.outcome, r.central, r.reason, l.hash FROM sync_result r
            JOIN ledger l ON l.device_no = r.device_no AND l.device_seq = r.device_seq ORDER BY r.device_no, r.device_seq
            """, "sync_result r JOIN ledger l ON l.device_no = r.device_no AND l.device_seq = r.device_seq"),
        ("sync_audit", "SELECT at, device, what FROM sync_audit ORDER BY id", "sync_audit"),
        ("tenant_marker", "SELECT tenant_id, marker, active, hlc, writer FROM tenant_marker ORDER BY tenant_id, marker", "tenant_marker"),
        ("export", "SELECT no, id, purpose_id, recipient, columns, at FROM export ORDER BY no", "export"),
        ("disclosure", "SELECT tenant_id, export_no, columns FROM disclosure ORDER BY export_no, tenant_id", "disclosure"),
    ]

    func run() async throws {
        let catalogue = try content.load().catalogue
        let location: PostgresLocation
        do { location = try PostgresLocation(url: to) } catch { throw ValidationError(error.description) }
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no SQLite centre at \(from)") }
        let source = try openSource()
        // One snapshot: a read transaction held across the whole copy.
        try source.inDatabase { db in try db.beginTransaction(.deferred) }
        defer { try? source.inDatabase { db in try db.rollback() } }
        guard try source.inDatabase({ db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'role'") }) == "centre" else {
            throw ValidationError("\(from) is a device database, not a central store")
        }

        let importer = try await PostgresImporter.begin(location)
        var expected: [String: Int64] = [:]
        do {
            for step in Self.steps {
                let total = try source.inDatabase { db in try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(step.count)") ?? 0 }
                expected[step.table] = total
                var progress = Progress("copying \(step.table)", quiet: json)
                var offset: Int64 = 0
                let page: Int64 = 20_000
                while offset < total {
                    let rows = try source.inDatabase { db in
                        try Row.fetchAll(db, sql: step.select + " LIMIT ? OFFSET ?", arguments: [page, offset]).map(Self.values)
                    }
                    if rows.isEmpty { break }
                    try await importer.copy(step.table, rows)
                    offset += Int64(rows.count)
                    progress.update(Int(offset), of: Int(total))
                }
                progress.finish()
            }
            try await importer.commit()
        } catch {
            await importer.abandon()
            throw error
        }

        let wanted = try sourceSummary(source, counts: expected)
        let store = try await PostgresCentralStore.open(location, catalogue: catalogue)
        defer { store.shutdown() }
        let got = try await store.summary()
        let differences = Self.differences(wanted, got)
        if json {
            try printJSON(Report(from: from, to: "\(location.host)/\(location.database)", events: got.counts["ledger"] ?? 0,
                                 devices: got.heads.count, ledgerDigest: got.ledgerDigest, counts: got.counts, matches: differences.isEmpty,
                                 differences: differences))
        } else {
            print("copied \(got.counts["ledger"] ?? 0) events of \(got.heads.count) device chain(s), \(got.counts["tenant"] ?? 0) tenants, "
                  + "\(got.counts["sealed_value"] ?? 0) sealed values, \(got.counts["sync_device"] ?? 0) enrolled devices")
            print(differences.isEmpty
                  ? "check: every chain verifies on PostgreSQL and its head, the counts and the ledger digest match the SQLite centre"
                  : "check FAILED:\n  " + differences.joined(separator: "\n  "))
        }
        if !differences.isEmpty { throw ExitCode.failure }
    }

    private func openSource() throws -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        // The snapshot's read transaction spans the copy's steps (each one awaits PostgreSQL in between).
        config.allowsUnsafeTransactions = true
        let queue = try DatabaseQueue(path: from, configuration: config)
        let vault = ConsentDatabase.vaultPath(for: from)
        guard FileManager.default.fileExists(atPath: vault) else {
            throw ValidationError("the vault file \(vault) is missing; it holds the sealed special-category values and data keys")
        }
        try queue.inDatabase { db in try db.execute(sql: "ATTACH DATABASE ? AS vault", arguments: [vault]) }
        return queue
    }

    static func values(_ row: Row) -> [CopyValue] {
        row.databaseValues.map { value in
            switch value.storage {
            case .null: .null
            case .int64(let n): .int(n)
            case .double(let d): .int(Int64(d))
            case .string(let s): .text(s)
            case .blob(let b): .bytes(b)
            }
        }
    }

    /// The same summary as `PostgresCentralStore.summary`, from the SQLite snapshot.
    private func sourceSummary(_ source: DatabaseQueue, counts: [String: Int64]) throws -> CentreSummary {
        try source.inDatabase { db in
            var heads: [String: CentreSummary.ChainHead] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT d.id, h.seq, h.hash FROM chain_head h JOIN device d ON d.no = h.device_no WHERE h.seq > 0") {
                heads[row[0]] = .init(sequence: row[1], hash: (row[2] as Data).hex)
            }
            var digest = LedgerDigest()
            let cursor = try Row.fetchCursor(db, sql: "SELECT COALESCE(central_seq, position), hash FROM ledger ORDER BY COALESCE(central_seq, position)")
            while let row = try cursor.next() { digest.add(central: row[0], hash: row[1]) }
            let compared = ["ledger", "value", "sealed_value", "data_key", "tenant", "decision", "current_value", "sync_device", "push_result", "tenant_marker", "disclosure"]
            return CentreSummary(counts: counts.filter { compared.contains($0.key) }, heads: heads, ledgerDigest: digest.hex)
        }
    }

    static func differences(_ wanted: CentreSummary, _ got: CentreSummary) -> [String] {
        var out: [String] = []
        for (table, n) in wanted.counts.sorted(by: { $0.key < $1.key }) where got.counts[table] != n {
            out.append("\(table): \(n) rows in SQLite, \(got.counts[table] ?? 0) in PostgreSQL")
        }
        for (device, head) in wanted.heads.sorted(by: { $0.key < $1.key }) where got.heads[device] != head {
            out.append("device \(device): chain head \(head.sequence) \(head.hash.prefix(16)) in SQLite, "
                       + (got.heads[device].map { "\($0.sequence) \($0.hash.prefix(16))" } ?? "none") + " in PostgreSQL")
        }
        for device in got.heads.keys.sorted() where wanted.heads[device] == nil { out.append("device \(device) only in PostgreSQL") }
        if wanted.ledgerDigest != got.ledgerDigest { out.append("the ledgers differ (digest over central order)") }
        return out
    }

    struct Report: Encodable {
        var from: String
        var to: String
        var events: Int64
        var devices: Int
        var ledgerDigest: String
        var counts: [String: Int64]
        var matches: Bool
        var differences: [String]
    }
}

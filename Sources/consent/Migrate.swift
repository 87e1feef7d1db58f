import ArgumentParser
import CentralStore
import CentralStorePostgres
import ConsentCommandLine
import ConsentStore
import Foundation
import GRDB

/// `consent migrate --from central.sqlite --to postgres://...`: moves a SQLite centre to PostgreSQL.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a SQLite central store to PostgreSQL, then check that the ledgers and hash chains match.",
        discussion: """
            The SQLite centre may keep running (`consent serve --db`): migrate takes its write lock, so pushes and \
            enrolments wait (or are refused with "storage" after 10 s; devices keep their events and retry) while it \
            copies, into an empty PostgreSQL database in one transaction: devices and their chain heads, tenants, the \
            ledger with its central sequences (so device cursors stay valid), values, sealed special-category values \
            (still sealed: neither side opens them) and wrapped data keys (from the .special.sqlite vault file), the \
            projections, the sync state (enrolled devices with their credentials and signing keys, signed chain heads, \
            enrolment codes, push results, the audit log), staff markers, and the exports made with the tenants each was \
            disclosed to. Then every device's chain is walked on PostgreSQL and its head compared with the SQLite \
            centre's, with the row counts and a digest of the whole ledger in central order. Only if all match does \
            PostgreSQL commit and the SQLite centre record that it moved; otherwise nothing changes on either side (exit \
            1).

            A moved SQLite centre refuses every push, pull and enrolment (HTTP 503, "moved": devices keep their unsent \
            events) and `consent serve --db` on it will not start: restart the server with --database URL at the same \
            address and devices resend what they hold. A centre that has moved, or a PostgreSQL database that already \
            holds a centre, is refused and nothing is changed.
            """)

    @Option(help: ArgumentHelp("The SQLite central store.", valueName: "path"))
    var from: String

    @Option(help: ArgumentHelp("The PostgreSQL database, as postgres://USER@HOST[:PORT]/DATABASE (?host=/socket/dir for a unix socket).", valueName: "url"))
    var to: String

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
        // The staff registry without passwords: at a PostgreSQL centre staff are only known, not signed in.
        ("staff", "SELECT id, name, role, created_at, disabled FROM staff ORDER BY id", "staff"),
    ]

    func run() async throws {
        let location: PostgresLocation
        do { location = try PostgresLocation(url: to) } catch { throw ValidationError(error.description) }
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no SQLite centre at \(from)") }
        // A centre that already moved is named before PostgreSQL is touched (the lock below checks again).
        let moved: String?
        do { moved = try ConsentDatabase.metadata(ConsentDatabase.movedKey, at: from) } catch { throw CLIError(error.description) }
        if let moved { throw CLIError("already migrated: \(StoreError.centreMoved(path: from, to: moved))") }
        let importer: PostgresImporter
        do { importer = try await PostgresImporter.begin(location) } catch let error as PostgresImporter.ImportError {
            throw CLIError(error.description)
        }
        // From here the SQLite centre's writes wait (a push in progress finishes first): nothing can be left behind.
        let source: CentreMove
        do { source = try CentreMove.begin(path: from) } catch {
            await importer.abandon()
            throw CLIError(error.description)
        }
        let started = Date()
        var expected: [String: Int64] = [:]
        let wanted: CentreSummary, got: CentreSummary
        do {
            for step in Self.steps {
                let total = try source.read { db in try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(step.count)") ?? 0 }
                expected[step.table] = total
                var progress = ProgressLine("copying \(step.table)", quiet: json)
                var offset: Int64 = 0
                let page: Int64 = 20_000
                while offset < total {
                    let rows = try source.read { db in
                        try Row.fetchAll(db, sql: step.select + " LIMIT ? OFFSET ?", arguments: [page, offset]).map(Self.values)
                    }
                    if rows.isEmpty { break }
                    try await importer.copy(step.table, rows)
                    offset += Int64(rows.count)
                    progress.update(Int(offset), of: Int(total))
                }
                progress.finish()
            }
            try await importer.setCounters()
            wanted = try sourceSummary(source, counts: expected)
            got = try await importer.summary()
        } catch {
            await importer.abandon()
            source.abandon()
            throw error
        }
        let differences = Self.differences(wanted, got)
        var held = Date().timeIntervalSince(started)
        if differences.isEmpty {
            // PostgreSQL first: if recording the move then failed, the SQLite centre would still serve
            // (nothing lost) and a second run would find PostgreSQL taken and say so.
            do { try await importer.commit() } catch {
                source.abandon()
                throw error
            }
            do { held = try source.finish(movedTo: location.redactedURL) } catch {
                throw CLIError("""
                    the centre was copied to PostgreSQL but \(from) could not be marked as moved (\(error)); it still serves, so do not \
                    serve both: drop and create the PostgreSQL database again, then rerun consent migrate
                    """)
            }
        } else {
            await importer.abandon()
            source.abandon()
        }
        let report = Report(from: from, to: location.redactedURL, events: got.counts["ledger"] ?? 0, devices: got.heads.count,
                            ledgerDigest: got.ledgerDigest, counts: got.counts, matches: differences.isEmpty, differences: differences,
                            moved: differences.isEmpty, writesHeldSeconds: (held * 1000).rounded() / 1000)
        if json {
            try printJSON(report)
        } else {
            print("copied \(got.counts["ledger"] ?? 0) events of \(got.heads.count) device chain(s), \(got.counts["tenant"] ?? 0) tenants, "
                  + "\(got.counts["sealed_value"] ?? 0) sealed values, \(got.counts["sync_device"] ?? 0) enrolled devices")
            if differences.isEmpty {
                print("check: every chain verifies on PostgreSQL and its head, the counts and the ledger digest match the SQLite centre")
                print("moved: \(from) now refuses every request (its writes waited \(String(format: "%.1f", held)) s); "
                      + "restart the server as `consent serve --database \(location.redactedURL)` at the same address and devices resend what they hold")
            } else {
                print("check FAILED, nothing was changed on either side:\n  " + differences.joined(separator: "\n  "))
            }
        }
        if !differences.isEmpty { throw ExitCode.failure }
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
    private func sourceSummary(_ source: CentreMove, counts: [String: Int64]) throws -> CentreSummary {
        try source.read { db in
            var heads: [String: CentreSummary.ChainHead] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT d.id, h.seq, h.hash FROM chain_head h JOIN device d ON d.no = h.device_no WHERE h.seq > 0") {
                heads[row[0]] = .init(sequence: row[1], hash: (row[2] as Data).hex)
            }
            var digest = LedgerDigest()
            let cursor = try Row.fetchCursor(db, sql: "SELECT COALESCE(central_seq, position), hash FROM ledger ORDER BY COALESCE(central_seq, position)")
            while let row = try cursor.next() { digest.add(central: row[0], hash: row[1]) }
            return CentreSummary(counts: counts.filter { CentreSummary.comparedTables.contains($0.key) }, heads: heads, ledgerDigest: digest.hex)
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
        /// The SQLite centre now refuses every request (it records where it went).
        var moved: Bool
        /// How long the SQLite centre's writes (pushes, enrolments) waited for the copy and the check.
        var writesHeldSeconds: Double
    }
}

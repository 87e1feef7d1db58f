import CentralStore
import ConsentCore
import ConsentStore
import ConsentVault
import Foundation
import GRDB

extension CentreMove {
    /// A table of the SQLite centre as `consent migrate` copies it: the target table at the other centre,
    /// the query giving its rows in the target's column order, and what to count to know how many there are.
    public struct Table: Sendable {
        /// The table the rows go into at the other centre.
        public var target: String
        /// The rows, in the target's column order (paged with `LIMIT ? OFFSET ?`).
        public var select: String
        /// What `SELECT count(*) FROM` counts.
        public var count: String
    }

    /// Every table copied, in an order that keeps references valid.
    public static let tables: [Table] = [
        Table(target: "device", select: "SELECT no, id FROM device ORDER BY no", count: "device"),
        Table(target: "chain_head", select: "SELECT device_no, seq, hash FROM chain_head ORDER BY device_no", count: "chain_head"),
        Table(target: "tenant", select: "SELECT id, ref FROM tenant ORDER BY id", count: "tenant"),
        Table(target: "ledger", select: """
            SELECT COALESCE(central_seq, position), device_no, device_seq, tenant_id, kind, attribute_id, purpose_id, state, pending,
                   notice_version, language, valid_until, target_device, target_seq, values_digest, hlc, effective_at, actor, actor_id,
                   verification, reason, channel, causal_seq, evidence, hash FROM ledger ORDER BY position
            """, count: "ledger"),
        Table(target: "value", select: """
            SELECT device_no, device_seq, attribute_id, tenant_id, value, prefer_not, salt, \(StoredValueDigest.sql()) FROM value
            ORDER BY device_no, device_seq, attribute_id
            """, count: "value"),
        Table(target: "sealed_value", select: """
            SELECT device_no, device_seq, attribute_id, tenant_id, key_id, sealed, prefer_not, digest FROM vault.value
            ORDER BY device_no, device_seq, attribute_id
            """, count: "vault.value"),
        // Not the PIN key: PINs stay with the SQLite file (no credential moves), and PostgreSQL would take it for a data key.
        Table(target: "data_key", select: """
            SELECT key_id, kek_id, wrapped, created_at FROM vault.data_key WHERE key_id NOT LIKE '\(PINKey.likePattern)' ORDER BY key_id, kek_id
            """, count: "vault.data_key WHERE key_id NOT LIKE '\(PINKey.likePattern)'"),
        // The public half of the organisation's key pair (its private half is among the data keys above).
        Table(target: "organisation_key", select: """
            SELECT m.value, COALESCE((SELECT max(created_at) FROM vault.data_key WHERE key_id LIKE 'org-%'), 0)
            FROM meta m WHERE m.key = 'org_public_key'
            """, count: "meta WHERE key = 'org_public_key'"),
        Table(target: "current_value", select: """
            SELECT c.tenant_id, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, d.id FROM current_value c
            CROSS JOIN device d ON d.no = c.writer_device ORDER BY c.tenant_id, c.attribute_id
            """, count: "current_value"),
        Table(target: "pending_value", select: """
            SELECT p.tenant_id, p.attribute_id, p.source_device, p.source_seq, p.hlc, COALESCE(v.prefer_not, s.prefer_not, 0) FROM pending_value p
            LEFT JOIN value v ON v.device_no = p.source_device AND v.device_seq = p.source_seq AND v.attribute_id = p.attribute_id
            LEFT JOIN vault.value s ON s.device_no = p.source_device AND s.device_seq = p.source_seq AND s.attribute_id = p.attribute_id
            ORDER BY p.tenant_id, p.attribute_id, p.source_device, p.source_seq
            """, count: "pending_value"),
        Table(target: "decision", select: """
            SELECT d.tenant_id, d.attribute_id, d.purpose_id, d.state, d.event_device, d.event_seq, d.central_seq, d.effective_at,
                   e.notice_version, e.language, d.valid_until, e.actor, e.actor_id, e.verification, e.reason, e.channel,
                   d.reconfirm_device, d.reconfirm_seq, d.blocking
            FROM decision d \(LeanDecision.eventJoin) ORDER BY d.purpose_id, d.tenant_id, d.attribute_id
            """, count: "decision"),
        Table(target: "sync_device", select: "SELECT id, office, secret_hash, enrolled_at, revoked_at, public_key, kind, served FROM sync_device ORDER BY id",
              count: "sync_device"),
        Table(target: "sync_head", select: "SELECT device, seq, hash, signature, at FROM sync_head ORDER BY device", count: "sync_head"),
        Table(target: "enrolment_code", select: "SELECT code_hash, office, 0, expires_at, used_at, kind FROM sync_code ORDER BY code_hash", count: "sync_code"),
        // Results of stored events, and of events set aside (never stored: their hash is the link the next event of
        // their device names, kept in chain_link), which the other centre's chain walk goes over.
        Table(target: "push_result", select: "SELECT r.device_no, r.device_seq, r.outcome, r.central, r.reason, COALESCE(l.hash, k.prev_hash) FROM \(CentreMove.pushResults) "
              + "ORDER BY r.device_no, r.device_seq", count: CentreMove.pushResults),
        Table(target: "sync_audit", select: "SELECT at, device, what FROM sync_audit ORDER BY id", count: "sync_audit"),
        // Which tenants devices were sent on demand, and when: without it a kiosk would keep them for good.
        Table(target: "tenant_fetch", select: "SELECT device, tenant_id, at FROM tenant_fetch ORDER BY device, tenant_id", count: "tenant_fetch"),
        Table(target: "tenant_marker", select: "SELECT tenant_id, marker, active, hlc, writer FROM tenant_marker ORDER BY tenant_id, marker",
              count: "tenant_marker"),
        Table(target: "export", select: "SELECT no, id, purpose_id, recipient, columns, at, origin, operator FROM export ORDER BY no", count: "export"),
        Table(target: "disclosure", select: "SELECT tenant_id, export_no, columns FROM disclosure ORDER BY export_no, tenant_id", count: "disclosure"),
        // The staff registry without passwords: at a PostgreSQL centre staff are only known, not signed in.
        Table(target: "staff", select: "SELECT id, name, role, created_at, disabled, offered_by FROM staff ORDER BY id", count: "staff"),
    ]

    /// The sync results `consent migrate` copies: those of stored events and of events set aside.
    static let pushResults = """
        sync_result r LEFT JOIN ledger l ON l.device_no = r.device_no AND l.device_seq = r.device_seq
        LEFT JOIN chain_link k ON l.hash IS NULL AND r.central IS NULL AND k.device_no = r.device_no AND k.device_seq = r.device_seq + 1
        WHERE l.hash IS NOT NULL OR k.prev_hash IS NOT NULL
        """

    /// How many rows `table` has.
    public func count(_ table: Table) throws(StoreError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(table.count)") ?? 0 }
    }

    /// A page of `table`'s rows, in its target's column order.
    public func rows(_ table: Table, limit: Int64, offset: Int64) throws(StoreError) -> [[CopyValue]] {
        try read { db in
            try Row.fetchAll(db, sql: table.select + " LIMIT ? OFFSET ?", arguments: [limit, offset]).map(Self.values)
        }
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

    /// The summary the migration's check compares with the copy's: `counts` (of the compared tables, by
    /// target name), the chain heads and the digest of the ledger in central order, all from the locked snapshot.
    public func summary(counts: [String: Int64]) throws(StoreError) -> CentreSummary {
        try read { db in
            var heads: [String: CentreSummary.ChainHead] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT d.id, h.seq, h.hash FROM chain_head h JOIN device d ON d.no = h.device_no WHERE h.seq > 0") {
                heads[row[0]] = .init(sequence: row[1], hash: (row[2] as Data).lowercaseHex)
            }
            var digest = LedgerDigest()
            let cursor = try Row.fetchCursor(db, sql: "SELECT COALESCE(central_seq, position), hash FROM ledger ORDER BY COALESCE(central_seq, position)")
            while let row = try cursor.next() { digest.add(central: row[0], hash: row[1]) }
            return CentreSummary(counts: counts.filter { CentreSummary.comparedTables.contains($0.key) }, heads: heads, ledgerDigest: digest.hex)
        }
    }
}

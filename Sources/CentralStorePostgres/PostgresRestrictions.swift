import ConsentCore
import PostgresNIO

extension PostgresCentralStore {
    /// The attributes each tenant's restrictions in force (UK GDPR Art. 18) keep out of every export,
    /// read in the caller's snapshot: the request events of the tenants who ever asked for a
    /// restriction, with the verifications and erasures that decide them, folded by ``RequestFold``
    /// (the rule a SQLite store applies). Few tenants ask, so this is small.
    static func restrictions(on connection: PostgresConnection, logger: Logger) async throws -> [String: Set<AttributeID>] {
        let kinds = RequestKind.eventKinds + ["verification", "erasure"]
        var events: [String: [Event]] = [:]
        for try await row in try await connection.query("""
            SELECT \(unescaped: ledgerColumns)
            FROM ledger l JOIN device d ON d.no = l.device_no JOIN tenant t ON t.id = l.tenant_id
            WHERE l.tenant_id IN (\(unescaped: Self.restrictedTenantsQuery))
              AND l.kind = ANY(\(kinds))
            ORDER BY l.tenant_id, l.central_seq
            """, logger: logger) {
            let c = row.makeRandomAccess()
            let event = try record(c).event(centralSequence: try c[0].decode(Int64.self), answers: [:])
            events[event.tenant.rawValue, default: []].append(event)
        }
        return events.mapValues { RequestFold.restricted(RequestFold.requests($0)) }.filter { !$0.value.isEmpty }
    }

    /// The restriction request's kind as an SQL literal (a constant, never input): written into the statement so the
    /// planner can prove it falls under the partial index `ledger_requests` (schema version 13).
    static let restrictionKind = "'\(RequestKind.restriction.eventKind)'"

    /// The restrictions read's first step, which scanned the whole ledger before `ledger_requests` (for `EXPLAIN`).
    static let restrictedTenantsQuery = "SELECT tenant_id FROM ledger WHERE kind = \(restrictionKind)"
}

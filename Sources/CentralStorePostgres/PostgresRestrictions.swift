import ConsentCore
import PostgresNIO

extension PostgresCentralStore {
    /// The attributes each tenant's restrictions in force (UK GDPR Art. 18) keep out of every export,
    /// read in the caller's snapshot: the request events of the tenants who ever asked for a
    /// restriction, with the verifications and erasures that decide them, folded by ``RequestFold``
    /// (the rule a SQLite store applies). Few tenants ask, so this is small. `tenants` (their numbers) narrows
    /// the read to those.
    static func restrictions(on connection: PostgresConnection, logger: Logger, tenants: [Int64]? = nil) async throws -> [String: Set<AttributeID>] {
        var events: [String: [Event]] = [:]
        for try await row in try await connection.query("""
            SELECT \(unescaped: ledgerColumns)
            FROM ledger l JOIN device d ON d.no = l.device_no JOIN tenant t ON t.id = l.tenant_id
            WHERE l.tenant_id IN (\(unescaped: Self.restrictedTenantsQuery))
              AND l.kind = ANY(\(Self.restrictionKinds)) AND (\(tenants == nil) OR l.tenant_id = ANY(\(tenants ?? [])))
            ORDER BY l.tenant_id, l.central_seq
            """, logger: logger) {
            let c = row.makeRandomAccess()
            let event = try record(c).event(centralSequence: try c[0].decode(Int64.self), answers: [:])
            events[event.tenant.rawValue, default: []].append(event)
        }
        return events.mapValues { RequestFold.restricted(RequestFold.requests($0)) }.filter { !$0.value.isEmpty }
    }

    /// The kinds of event that decide a restriction: requests, and the verifications and erasures that carry them
    /// out, refuse or lift them.
    static let restrictionKinds = RequestKind.eventKinds + ["verification", "erasure"]

    /// Writes `restricted_attribute` (schema version 15), the restrictions in force as a table the purpose views
    /// read (`PurposeViews`), for `tenants` (their numbers; nil: every tenant), from the same fold an export uses. Run
    /// in the transaction that stores the events deciding them (a push, a migration), so a view never shows a cell
    /// a restriction in force holds back.
    static func refreshRestrictions(on connection: PostgresConnection, logger: Logger, tenants: [Int64]? = nil) async throws {
        let restricted = try await restrictions(on: connection, logger: logger, tenants: tenants)
        try await connection.query("""
            DELETE FROM restricted_attribute WHERE \(tenants == nil) OR tenant_id = ANY(\(tenants ?? []))
            """, logger: logger)
        let pairs = restricted.sorted { $0.key < $1.key }.flatMap { ref, attributes in attributes.map { (ref, $0.rawValue) } }
        guard !pairs.isEmpty else { return }
        try await connection.query("""
            INSERT INTO restricted_attribute (tenant_id, attribute_id)
            SELECT t.id, x.a FROM unnest(\(pairs.map(\.0)), \(pairs.map(\.1))) AS x(r, a) JOIN tenant t ON t.ref = x.r
            """, logger: logger)
    }

    /// The restriction request's kind as an SQL literal (a constant, never input): written into the statement so the
    /// planner can prove it falls under the partial index `ledger_requests` (schema version 13).
    static let restrictionKind = "'\(RequestKind.restriction.eventKind)'"

    /// The restrictions read's first step, which scanned the whole ledger before `ledger_requests` (for `EXPLAIN`).
    static let restrictedTenantsQuery = "SELECT tenant_id FROM ledger WHERE kind = \(restrictionKind)"
}

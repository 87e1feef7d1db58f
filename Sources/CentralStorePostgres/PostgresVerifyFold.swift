import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// One page of tenants as `PostgresCentralStore.verify()` checks them: each tenant's fold of their
/// events in central order (values as empty text or "prefer not to say": the projection keeps no
/// text, only which event a value came from), and the values no longer in their rows, which an
/// erasure event must explain. The same two checks `ledger verify` makes at a SQLite store.
struct FoldCheck {
    /// A value row as the fold needs it: which attribute, whether "prefer not to say", whether gone.
    struct StoredValue {
        var attribute: String
        var preferNot: Bool
        var gone: Bool
    }

    /// Each tenant's state folded from their events so far, by reference.
    var folded: [String: TenantState] = [:]
    /// Values gone from their rows: where, whose, which attribute, and the recording event's clock.
    private var gone: [(at: String, tenant: String, attribute: String, hlc: Int64)] = []
    /// The latest erasure clock per (tenant, attribute).
    private var erased: [String: Int64] = [:]

    /// Adds the tenant's next event in central order.
    mutating func add(_ r: EventRecord, central: Int64, values: [StoredValue]) {
        var answers: [AttributeID: AttributeValue] = [:]
        for value in values {
            answers[AttributeID(value.attribute)] = value.preferNot ? .preferNotToSay : .value("")
            if value.gone { gone.append(("event \(r.device)#\(r.sequence) (central \(central))", r.tenant, value.attribute, r.hlc)) }
        }
        if r.kind == "erasure", let attribute = r.attribute {
            erased[r.tenant + "\u{0}" + attribute] = max(erased[r.tenant + "\u{0}" + attribute] ?? .min, r.hlc)
        }
        folded[r.tenant, default: TenantState(ref: TenantRef(r.tenant))].apply(r.event(centralSequence: central, answers: answers))
    }

    /// A value may leave its row only by an erasure of it recorded at or after the value's clock.
    func checkErasures(into report: inout PostgresVerification) {
        for value in gone where (erased[value.tenant + "\u{0}" + value.attribute] ?? .min) < value.hlc {
            report.problem("\(value.at): the value of \(value.attribute) is gone but no erasure was recorded")
        }
    }
}

extension PostgresCentralStore {
    /// Tenant by tenant, in pages of 1,000 by number (memory holds one page): folds each tenant's
    /// events, checks that their values gone from their rows were erased, and compares the
    /// projections (values, pending corrections, decisions, markers, restrictions in force) with the fold,
    /// naming the tenant and what differs.
    func verifyTenants(on connection: PostgresConnection, into report: inout PostgresVerification) async throws {
        let projection = try await PostgresProjection(connection: connection, logger: logger)
        var after: Int64 = 0
        while true {
            var refs: [(id: Int64, ref: String)] = []
            for try await (id, ref) in try await connection.query("SELECT id, ref FROM tenant WHERE id > \(after) ORDER BY id LIMIT 1000",
                                                                  logger: logger).decode((Int64, String).self) {
                refs.append((id, ref))
            }
            guard let first = refs.first?.id, let last = refs.last?.id else { return }
            // Each event with its value rows (attribute, prefer-not, gone), gathered per event by index
            // lookups: a join would scan every value row for each page.
            var check = FoldCheck()
            for try await row in try await connection.query("""
                SELECT \(unescaped: Self.ledgerColumns), x.a, x.p, x.g
                FROM ledger l JOIN device d ON d.no = l.device_no JOIN tenant t ON t.id = l.tenant_id
                LEFT JOIN LATERAL (SELECT array_agg(y.attribute_id) AS a, array_agg(y.prefer_not) AS p, array_agg(y.gone) AS g FROM (
                    SELECT v.attribute_id, v.prefer_not, v.salt IS NULL AS gone FROM value v
                    WHERE v.device_no = l.device_no AND v.device_seq = l.device_seq
                    UNION ALL
                    SELECT s.attribute_id, s.prefer_not, s.sealed IS NULL FROM sealed_value s
                    WHERE s.device_no = l.device_no AND s.device_seq = l.device_seq) y) x ON true
                WHERE l.tenant_id BETWEEN \(first) AND \(last) ORDER BY l.tenant_id, l.central_seq
                """, logger: logger) {
                let c = row.makeRandomAccess()
                let (attributes, preferNot, gone) = (try c[25].decode([String]?.self) ?? [], try c[26].decode([Bool]?.self) ?? [],
                                                     try c[27].decode([Bool]?.self) ?? [])
                let values = attributes.indices.map { FoldCheck.StoredValue(attribute: attributes[$0], preferNot: preferNot[$0], gone: gone[$0]) }
                check.add(try Self.record(c), central: try c[0].decode(Int64.self), values: values)
            }
            check.checkErasures(into: &report)
            let stored = try await projectedStates(first...last, projection, on: connection)
            for (id, ref) in refs {
                let folded = check.folded[ref] ?? TenantState(ref: TenantRef(ref))
                if let difference = (stored[id] ?? TenantState(ref: TenantRef(ref))).difference(from: folded) {
                    report.problem("tenant \(ref): \(difference)")
                }
            }
            try await verifyRestrictions(refs, on: connection, into: &report)
            after = last
        }
    }

    /// The restrictions in force the views read (`restricted_attribute`) against those the ledger's requests give.
    private func verifyRestrictions(_ refs: [(id: Int64, ref: String)], on connection: PostgresConnection,
                                    into report: inout PostgresVerification) async throws {
        guard let first = refs.first?.id, let last = refs.last?.id else { return }
        let folded = try await Self.restrictions(on: connection, logger: logger, tenants: refs.map(\.id))
        var stored: [Int64: Set<AttributeID>] = [:]
        for try await (tenant, attribute) in try await connection.query("""
            SELECT tenant_id, attribute_id FROM restricted_attribute WHERE tenant_id BETWEEN \(first) AND \(last)
            """, logger: logger).decode((Int64, String).self) {
            stored[tenant, default: []].insert(AttributeID(attribute))
        }
        for (id, ref) in refs where (stored[id] ?? []) != (folded[ref] ?? []) {
            let names = { (set: Set<AttributeID>?) in set.map { $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? "none" }
            report.problem("tenant \(ref): the restrictions the views apply (\(names(stored[id]))) differ from the ledger's (\(names(folded[ref])))")
        }
    }

    /// The projection rows of the tenants numbered in `range` (values with empty text), by tenant number.
    private func projectedStates(_ range: ClosedRange<Int64>, _ projection: PostgresProjection,
                                 on connection: PostgresConnection) async throws -> [Int64: TenantState] {
        var stored: [Int64: TenantState] = [:]
        let (first, last) = (range.lowerBound, range.upperBound)
        for try await (tenant, attribute, status, device, seq, hlc, writer) in try await connection.query("""
            SELECT tenant_id, attribute_id, status, source_device, source_seq, hlc, writer FROM current_value WHERE tenant_id BETWEEN \(first) AND \(last)
            """, logger: logger).decode((Int64, String, String, Int64, Int64, Int64, String).self) {
            let source = EventID(device: projection.id(device), sequence: seq)
            let value = StoredValueStatus.decode(status, source: source, held: .held(.value(""), source: source))
            stored[tenant, default: TenantState(ref: TenantRef(""))].values[AttributeID(attribute)] =
                ValueRecord(state: value, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
        }
        for try await (tenant, attribute, device, seq, hlc, preferNot) in try await connection.query("""
            SELECT tenant_id, attribute_id, source_device, source_seq, hlc, prefer_not FROM pending_value WHERE tenant_id BETWEEN \(first) AND \(last)
            """, logger: logger).decode((Int64, String, Int64, Int64, Int64, Bool).self) {
            stored[tenant, default: TenantState(ref: TenantRef(""))].pending[AttributeID(attribute), default: []].append(PendingCorrection(
                event: EventID(device: projection.id(device), sequence: seq), value: preferNot ? .preferNotToSay : .value(""), hlc: HLCTimestamp(packed: hlc)))
        }
        for try await row in try await connection.query("""
            SELECT tenant_id, attribute_id, purpose_id, \(unescaped: PostgresProjection.decisionColumns) FROM decision WHERE tenant_id BETWEEN \(first) AND \(last)
            """, logger: logger) {
            var cells = CellReader(row)
            let tenant = try cells.int64()
            let key = DecisionKey(AttributeID(try cells.string()), PurposeID(try cells.string()))
            stored[tenant, default: TenantState(ref: TenantRef(""))].decisions[key] = try projection.decisionRecord(&cells)
        }
        for try await (tenant, marker, active, hlc, writer) in try await connection.query("""
            SELECT tenant_id, marker, active, hlc, writer FROM tenant_marker WHERE tenant_id BETWEEN \(first) AND \(last)
            """, logger: logger).decode((Int64, String, Bool, Int64, String).self) {
            stored[tenant, default: TenantState(ref: TenantRef(""))].markers[marker] = MarkerRecord(set: active, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
        }
        return stored
    }
}

import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// One consistent read of a PostgreSQL centre's register for an export: every tenant in reference
/// order (tenant numbers here follow the order pushes arrived in, not the register's), with the current values of the policy's attributes and (when asked) its decisions for the
/// purpose, and the ledger position it reflects.
public struct PostgresExportSnapshot: Sendable {
    /// Tenants in reference order.
    public var tenants: [(ref: TenantRef, state: TenantState)]
    /// The highest central sequence the snapshot includes.
    public var position: Int64
}

extension PostgresCentralStore {
    /// Reads what an export of `policy` needs, in one snapshot. Special categories stay sealed at the
    /// centre (it holds no key), so a policy naming any is refused: export those from a device
    /// database that has the key. Memory grows with the register (one partial state per tenant).
    public func exportSnapshot(_ policy: PurposePolicy, readingDecisions: Bool) async throws(CentralStoreError) -> PostgresExportSnapshot {
        let sealed = zip(policy.attributes, policy.isSpecial).filter(\.1).map(\.0.rawValue)
        guard sealed.isEmpty else {
            throw .invalid("""
                \(sealed.joined(separator: ", ")) \(sealed.count == 1 ? "is a special category" : "are special categories"), sealed at the \
                PostgreSQL centre, which holds no key; leave \(sealed.count == 1 ? "it" : "them") out with --columns, or export from a device database with its key
                """)
        }
        let attributes = policy.attributes.map(\.rawValue)
        let purpose = policy.purpose.id.rawValue
        return try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var order: [Int64] = []
            var states: [Int64: TenantState] = [:]
            for try await (id, ref) in try await connection.query("SELECT id, ref FROM tenant ORDER BY ref", logger: self.logger)
                .decode((Int64, String).self) {
                order.append(id)
                states[id] = TenantState(ref: TenantRef(ref))
            }
            let projection = try await PostgresProjection(connection: connection, logger: self.logger)
            for try await (tenant, attribute, status, device, seq, hlc, writer, text, preferNot) in try await connection.query("""
                SELECT c.tenant_id, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, c.writer, v.value, v.prefer_not
                FROM current_value c LEFT JOIN value v
                  ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
                WHERE c.attribute_id = ANY(\(attributes))
                """, logger: self.logger).decode((Int64, String, String, Int64, Int64, Int64, String, String?, Bool?).self) {
                let source = EventID(device: projection.id(device), sequence: seq)
                let state: ValueState = switch status {
                case "erased": .erased(by: source)
                case "prefer-not-to-say": .held(.preferNotToSay, source: source)
                default: preferNot == true ? .held(.preferNotToSay, source: source) : text.map { .held(.value($0), source: source) } ?? .unavailable(source: source)
                }
                states[tenant]?.values[AttributeID(attribute)] = ValueRecord(state: state, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
            }
            if readingDecisions {
                for try await row in try await connection.query("""
                    SELECT tenant_id, attribute_id, \(unescaped: PostgresProjection.decisionColumns) FROM decision
                    WHERE purpose_id = \(purpose) AND attribute_id = ANY(\(attributes))
                    """, logger: self.logger) {
                    let r = row.makeRandomAccess()
                    let key = DecisionKey(AttributeID(try r[1].decode(String.self)), policy.purpose.id)
                    states[try r[0].decode(Int64.self)]?.decisions[key] = try projection.decisionRecord(r, from: 2)
                }
            }
            var position: Int64 = 0
            for try await value in try await connection.query("SELECT COALESCE(max(central_seq), 0) FROM ledger", logger: self.logger).decode(Int64.self) {
                position = value
            }
            return PostgresExportSnapshot(tenants: order.compactMap { id in states[id].map { ($0.ref, $0) } }, position: position)
        }
    }

    /// Records an export and which of its columns each tenant was sent (bit `i` of a mask for column `i`).
    public func recordDisclosures(exportID: String, purpose: String, recipient: String, columns: [String],
                                  _ entries: [(tenant: TenantRef, mask: UInt64)]) async throws(CentralStoreError) {
        try await transaction { connection in
            var number: Int64 = 0
            for try await no in try await connection.query("""
                INSERT INTO export (id, purpose_id, recipient, columns, at)
                VALUES (\(exportID), \(purpose), \(recipient), \(columns.joined(separator: ",")), \(Self.now())) RETURNING no
                """, logger: self.logger).decode(Int64.self) {
                number = no
            }
            try await connection.query("""
                INSERT INTO disclosure (tenant_id, export_no, columns)
                SELECT t.id, \(number), x.m FROM unnest(\(entries.map(\.tenant.rawValue)), \(entries.map { Int64(bitPattern: $0.mask) })) AS x(r, m)
                JOIN tenant t ON t.ref = x.r
                """, logger: self.logger)
        }
    }

    /// The tenants an export was disclosed to, with their column masks (for tests and audits).
    public func disclosures(exportID: String) async throws(CentralStoreError) -> [(tenant: TenantRef, mask: UInt64)] {
        try await transaction { connection in
            var out: [(tenant: TenantRef, mask: UInt64)] = []
            for try await (ref, mask) in try await connection.query("""
                SELECT t.ref, d.columns FROM disclosure d JOIN export e ON e.no = d.export_no JOIN tenant t ON t.id = d.tenant_id
                WHERE e.id = \(exportID) ORDER BY t.ref
                """, logger: self.logger).decode((String, Int64).self) {
                out.append((TenantRef(ref), UInt64(bitPattern: mask)))
            }
            return out
        }
    }
}

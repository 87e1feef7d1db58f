import ConsentCore
import ConsentVault
import Foundation
import PostgresNIO
import SyncProtocol

/// Reads one page of tenants (by tenant number) with a slice's values and decisions, inside the
/// caller's snapshot transaction: three queries per page, each bounded by the page's tenant numbers.
struct TenantPageReader {
    let connection: PostgresConnection
    let logger: Logger
    let slice: TenantSlice
    let opener: SealedValueOpener?
    let projection: PostgresProjection
    /// The slice's ordinary attributes, matched in cells by their bytes.
    private let ordinaryNames: AttributeNames
    private let sealed: [String]

    init(connection: PostgresConnection, logger: Logger, slice: TenantSlice, opener: SealedValueOpener?) async throws {
        self.connection = connection
        self.logger = logger
        self.slice = slice
        self.opener = opener
        projection = try await PostgresProjection(connection: connection, logger: logger)
        ordinaryNames = AttributeNames(slice.attributes.filter { !slice.special.contains($0) })
        sealed = slice.attributes.filter(slice.special.contains).map(\.rawValue)
    }

    /// Up to `limit` tenants numbered after `after`, in number order, with their partial states.
    func page(after: Int64, limit: Int) async throws -> [(id: Int64, state: TenantState)] {
        var ids: [Int64] = []
        var states: [Int64: TenantState] = [:]
        for try await (id, ref) in try await connection.query("""
            SELECT id, ref FROM tenant WHERE id > \(after) ORDER BY id LIMIT \(Int64(limit))
            """, logger: logger).decode((Int64, String).self) {
            ids.append(id)
            states[id] = TenantState(ref: TenantRef(ref))
        }
        guard let first = ids.first, let last = ids.last else { return [] }
        // Decisions first: the values of a tenant the slice passes over (no grant a row needs) are not asked for.
        if slice.readsDecisions {
            for try await row in try await connection.query("""
                SELECT tenant_id, attribute_id, \(unescaped: StoredDecisionInForce.columns) FROM decision
                WHERE tenant_id BETWEEN \(first) AND \(last) AND purpose_id = \(slice.purpose.rawValue)
                  AND attribute_id = ANY(\(slice.attributes.map(\.rawValue)))
                """, logger: logger) {
                var cells = CellReader(row)
                let tenant = try cells.int64()
                let key = DecisionKey(AttributeID(try cells.string()), slice.purpose)
                states[tenant]?.decisions[key] = StoredDecisionInForce.record(state: try cells.string(), effectiveAt: try cells.int64(),
                                                                              validUntil: try cells.optionalInt64())
            }
        }
        // Values are read for the page's range, or only for the tenants not passed over (a consent purpose's export
        // then moves about a quarter of the register's cells instead of all of them); nil: nobody's.
        let reading: Reading?
        if slice.grantsNeeded.isEmpty {
            reading = .range(first, last)
        } else {
            let wanted = ids.filter { states[$0].map { !slice.passesOver($0) } ?? false }
            reading = wanted.isEmpty ? nil : .only(wanted)
        }
        if let reading, !ordinaryNames.ids.isEmpty {
            // One text a tenant (`ValueCells`), kept in `tenant_values` (schema 19): PostgresNIO's work is per cell,
            // and this sends one cell a tenant instead of nine a value; the reader keeps the slice's attributes.
            var decoder = ValueCells.Decoder(deviceID: projection.id)
            for try await row in try await connection.query(reading.query("SELECT tenant_id, cells FROM tenant_values WHERE tenant_id"),
                                                            logger: logger) {
                var cells = CellReader(row)
                let tenant = try cells.int64()
                guard var state = states[tenant] else { continue }
                let readable = try cells.withBytes { decoder.read($0, keeping: ordinaryNames, into: &state.values) }
                guard readable == true else { throw StoreError.damagedProjection(state.ref) }
                states[tenant] = state
            }
        }
        if let reading, !sealed.isEmpty {
            var query = reading.query("""
                SELECT c.tenant_id, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, c.writer, s.key_id, s.sealed
                FROM current_value c LEFT JOIN sealed_value s
                  ON s.device_no = c.source_device AND s.device_seq = c.source_seq AND s.attribute_id = c.attribute_id
                WHERE c.tenant_id
                """)
            query.binds.append(sealed)
            query.sql += " AND c.attribute_id = ANY($\(query.binds.count))"
            for try await row in try await connection.query(query, logger: logger) {
                var cells = CellReader(row)
                let (tenant, attribute, status) = (try cells.int64(), try cells.string(), try cells.string())
                let source = EventID(device: projection.id(try cells.int64()), sequence: try cells.int64())
                let (hlc, writer, keyID, blob) = (try cells.int64(), try cells.string(), try cells.optionalString(), try cells.optionalData())
                var held = ValueState.unavailable(source: source)
                if let opener, let keyID, let blob, let ref = states[tenant]?.ref,
                   let answer = opener.open(blob, keyID: keyID, tenant: ref, attribute: AttributeID(attribute), event: source) {
                    held = .held(answer, source: source)
                }
                put(&states, tenant, attribute, status, source, held, hlc: hlc, writer: writer)
            }
        }
        return ids.compactMap { id in states[id].map { (id, $0) } }
    }

    /// Which of a page's tenants have their values read.
    private enum Reading {
        /// Every tenant numbered from the first to the last.
        case range(Int64, Int64)
        /// Only these.
        case only([Int64])

        /// `head` (ending in a tenant number column) followed by the condition choosing these tenants.
        func query(_ head: String) -> PostgresQuery {
            var query = PostgresQuery(unsafeSQL: head)
            switch self {
            case .range(let first, let last):
                query.binds.append(first)
                query.binds.append(last)
                query.sql += " BETWEEN $1 AND $2"
            case .only(let ids):
                query.binds.append(ids)
                query.sql += " = ANY($1)"
            }
            return query
        }
    }

    /// Stores a projected value: erased and "prefer not to say" by their status, else `held`.
    private func put(_ states: inout [Int64: TenantState], _ tenant: Int64, _ attribute: String, _ status: String,
                     _ source: EventID, _ held: ValueState, hlc: Int64, writer: String) {
        let state = StoredValueStatus.decode(status, source: source, held: held)
        states[tenant]?.values[AttributeID(attribute)] = ValueRecord(state: state, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
    }
}


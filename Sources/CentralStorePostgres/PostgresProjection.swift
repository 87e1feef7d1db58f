import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// The projection rows a batch of events touches, loaded as partial `TenantState`s so the centre
/// merges with the very same `TenantState.apply` as every device, then written back (only what
/// changed). One query per table each way, whatever the batch size.
struct PostgresProjection {
    let connection: PostgresConnection
    let logger: Logger
    /// Device numbers both ways (the device table is small: one row per enrolled device).
    var numbers: [String: Int64] = [:]
    var ids: [Int64: String] = [:]

    init(connection: PostgresConnection, logger: Logger) async throws {
        self.connection = connection
        self.logger = logger
        for try await (no, id) in try await connection.query("SELECT no, id FROM device", logger: logger).decode((Int64, String).self) {
            numbers[id] = no
            ids[no] = id
        }
    }

    func number(_ device: DeviceID) throws -> Int64 {
        guard let no = numbers[device.rawValue] else { throw ProjectionError.unknownDevice(device.rawValue) }
        return no
    }

    func id(_ no: Int64) -> DeviceID { DeviceID(ids[no] ?? "?\(no)") }

    enum ProjectionError: Error { case unknownDevice(String) }

    /// The keys an event's projection update reads and writes.
    struct Touched {
        var decisions: Set<Key3> = []
        var values: Set<Key2> = []
        /// (tenant, marker id): the markers a batch sets or clears.
        var markers: Set<Key2> = []
    }
    struct Key2: Hashable { var tenant: Int64; var attribute: String }
    struct Key3: Hashable { var tenant: Int64; var attribute: String; var purpose: String }

    static func touched(by event: Event, tenant: Int64, into touched: inout Touched) {
        switch event.payload {
        // A held grant changes no decision until confirmed (the decisions a confirmation sets are
        // added by `loadHeldGrants`); a read or a request changes nothing.
        case .credentialChange, .heldGrant, .access, .request: break
        case .marker(let id, _):
            touched.markers.insert(Key2(tenant: tenant, attribute: id))
        case .registration(let values):
            for attribute in values.keys { touched.values.insert(Key2(tenant: tenant, attribute: attribute.rawValue)) }
        case let .decision(purpose, attributes, _, _, _):
            for attribute in attributes {
                touched.decisions.insert(Key3(tenant: tenant, attribute: attribute.rawValue, purpose: purpose.rawValue))
            }
        case let .correction(attribute, _, _), let .verification(_, attribute, _), let .erasure(attribute):
            touched.values.insert(Key2(tenant: tenant, attribute: attribute.rawValue))
        }
    }

    /// Loads the touched rows into `states` (one partial state per tenant id).
    func load(_ touched: Touched, into states: inout [Int64: TenantState]) async throws {
        if !touched.markers.isEmpty {
            let keys = Array(touched.markers)
            for try await (tenant, marker, active, hlc, writer) in try await connection.query("""
                SELECT tenant_id, marker, active, hlc, writer FROM tenant_marker
                WHERE (tenant_id, marker) IN (SELECT * FROM unnest(\(keys.map(\.tenant)), \(keys.map(\.attribute))))
                """, logger: logger).decode((Int64, String, Bool, Int64, String).self) {
                states[tenant]?.markers[marker] = MarkerRecord(set: active, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
            }
        }
        if !touched.decisions.isEmpty {
            let keys = Array(touched.decisions)
            let rows = try await connection.query("""
                SELECT tenant_id, attribute_id, purpose_id, \(unescaped: Self.decisionColumns) FROM decision
                WHERE (tenant_id, attribute_id, purpose_id) IN (SELECT * FROM unnest(\(keys.map(\.tenant)), \(keys.map(\.attribute)), \(keys.map(\.purpose))))
                """, logger: logger)
            for try await row in rows {
                var cells = CellReader(row)
                let tenant = try cells.int64()
                let key = DecisionKey(AttributeID(try cells.string()), PurposeID(try cells.string()))
                states[tenant]?.decisions[key] = try decisionRecord(&cells)
            }
        }
        if !touched.values.isEmpty {
            let keys = Array(touched.values)
            let filter: PostgresQuery = "(tenant_id, attribute_id) IN (SELECT * FROM unnest(\(keys.map(\.tenant)), \(keys.map(\.attribute))))"
            var current = PostgresQuery(unsafeSQL: "SELECT tenant_id, attribute_id, status, source_device, source_seq, hlc, writer FROM current_value WHERE ")
            current.sql += filter.sql
            current.binds = filter.binds
            for try await (tenant, attribute, status, device, seq, hlc, writer) in try await connection.query(current, logger: logger)
                .decode((Int64, String, String, Int64, Int64, Int64, String).self) {
                let source = EventID(device: id(device), sequence: seq)
                let state = StoredValueStatus.decode(status, source: source, held: .held(.value(""), source: source))
                states[tenant]?.values[AttributeID(attribute)] = ValueRecord(state: state, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
            }
            var pending = PostgresQuery(unsafeSQL: "SELECT tenant_id, attribute_id, source_device, source_seq, hlc, prefer_not FROM pending_value WHERE ")
            pending.sql += filter.sql + " ORDER BY hlc, source_device, source_seq"
            pending.binds = filter.binds
            for try await (tenant, attribute, device, seq, hlc, preferNot) in try await connection.query(pending, logger: logger)
                .decode((Int64, String, Int64, Int64, Int64, Bool).self) {
                let correction = PendingCorrection(event: EventID(device: id(device), sequence: seq),
                                                   value: preferNot ? .preferNotToSay : .value(""), hlc: HLCTimestamp(packed: hlc))
                states[tenant]?.pending[AttributeID(attribute), default: []].append(correction)
            }
        }
    }

    /// The decision columns after the key, in the order ``decisionRecord(_:from:)`` reads them.
    static let decisionColumns = """
        state, event_device, event_seq, central_seq, effective_at, notice_version, language, valid_until, actor, actor_id,
        verification, reason, channel, reconfirm_device, reconfirm_seq, blocking
        """

    /// The decision read from `cells`, at the first of ``decisionColumns``.
    func decisionRecord(_ cells: inout CellReader) throws -> DecisionRecord {
        let state = try cells.string()
        let event = EventID(device: id(try cells.int64()), sequence: try cells.int64())
        let central = try cells.optionalInt64(), effective = try cells.int64()
        let noticeVersion = try cells.optionalInt64(), language = try cells.optionalString()
        let validUntil = try cells.optionalInt64()
        let actor = Actor(Actor.Columns(kind: try cells.string(), id: try cells.optionalString(),
                                        verification: try cells.optionalString(), reason: try cells.optionalString()))
        let channel = try cells.string()
        let reconfirmDevice = try cells.optionalInt64(), reconfirmSeq = try cells.optionalInt64()
        let blocking = try cells.optionalString()
        return DecisionRecord(
            state: DecisionState(rawValue: state) ?? .notAsked, event: event, centralSequence: central,
            effectiveAt: Millis.date(effective),
            notice: noticeVersion.map { NoticeShown(version: Int($0), language: language ?? "") },
            validUntil: validUntil.map(Millis.date), actor: actor, channel: Channel(rawValue: channel) ?? .system,
            needsReconfirmation: reconfirmSeq.map { EventID(device: id(reconfirmDevice ?? 0), sequence: $0) },
            blocking: blocking.map(StoredBlocking.decode))
    }

    static let decisionTableColumns = ["tenant_id", "attribute_id", "purpose_id"]
        + decisionColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
}

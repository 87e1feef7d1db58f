import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresCentralStore {
    /// Events after `cursor` in central order. Safe against the sequence trap: pushes take central
    /// numbers under the counter's row lock and hold it until commit, so whenever an event is
    /// visible every lower number is visible too, and a cursor never passes an event that becomes
    /// visible later.
    public func pull(after cursor: Int64, limit: Int) async throws(CentralStoreError) -> PullResponse {
        let limit = max(1, min(limit, SyncWire.maxSnapshotEvents))
        return try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            return try await self.page(after: cursor, limit: limit, on: connection)
        }
    }

    /// A ledger row's columns as ``record(_:)`` reads them (the ledger as `l`, its device as `d`, its tenant as `t`).
    static let ledgerColumns = """
        l.central_seq, d.id, l.device_seq, t.ref, l.kind, l.attribute_id, l.purpose_id, l.state, l.pending,
        l.notice_version, l.language, l.valid_until, l.target_device, l.target_seq, l.values_digest, l.hlc,
        l.effective_at, l.actor, l.actor_id, l.verification, l.reason, l.channel, l.causal_seq, l.evidence, l.hash
        """

    /// The event record of a row selected with ``ledgerColumns``.
    static func record(_ c: PostgresRandomAccessRow) throws -> EventRecord {
        EventRecord(
            device: try c[1].decode(String.self), sequence: try c[2].decode(Int64.self), tenant: try c[3].decode(String.self),
            kind: try c[4].decode(String.self), attribute: try c[5].decode(String?.self), purpose: try c[6].decode(String?.self),
            state: try c[7].decode(String?.self), pending: try c[8].decode(Bool?.self), noticeVersion: try c[9].decode(Int64?.self),
            language: try c[10].decode(String?.self), validUntil: try c[11].decode(Int64?.self),
            targetDevice: try c[12].decode(String?.self), targetSequence: try c[13].decode(Int64?.self),
            valuesDigest: try c[14].decode(Data?.self), hlc: try c[15].decode(Int64.self), effectiveAt: try c[16].decode(Int64.self),
            actor: try c[17].decode(String.self), actorID: try c[18].decode(String?.self), verification: try c[19].decode(String?.self),
            reason: try c[20].decode(String?.self), channel: try c[21].decode(String.self), causal: try c[22].decode(Int64?.self),
            evidence: try c[23].decode(String?.self))
    }

    func page(after cursor: Int64, limit: Int, on connection: PostgresConnection) async throws -> PullResponse {
        try await Self.page(after: cursor, limit: limit, on: connection, logger: logger)
    }

    /// A page of events after `cursor` read on `connection` (in the caller's transaction).
    static func page(after cursor: Int64, limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> PullResponse {
        var events: [WireEvent] = []
        events.reserveCapacity(limit)
        let rows = try await connection.query("""
            SELECT \(unescaped: Self.ledgerColumns)
            FROM ledger l JOIN device d ON d.no = l.device_no JOIN tenant t ON t.id = l.tenant_id
            WHERE l.central_seq > \(cursor) ORDER BY l.central_seq LIMIT \(Int64(limit + 1))
            """, logger: logger)
        var more = false
        for try await row in rows {
            if events.count == limit {
                more = true
                continue
            }
            let c = row.makeRandomAccess()
            let record = try Self.record(c)
            events.append(WireEvent(record: record, hash: try c[24].decode(Data.self), central: try c[0].decode(Int64.self)))
        }
        guard let last = events.last?.central else { return PullResponse(events: [], cursor: cursor, more: false) }
        try await attachValues(&events, on: connection, logger: logger)
        // No data keys go to devices, as from a SQLite centre: a device opens no special-category value.
        return PullResponse(events: events, cursor: last, more: more, dataKeys: [])
    }

    /// Adds each event's values, plain and sealed, read by the events' central numbers.
    static func attachValues(_ events: inout [WireEvent], on connection: PostgresConnection, logger: Logger) async throws {
        var index: [Int64: Int] = [:]
        for (i, event) in events.enumerated() { if let central = event.central { index[central] = i } }
        guard !index.isEmpty else { return }
        let centrals = Array(index.keys)
        for try await row in try await connection.query("""
            SELECT l.central_seq, v.attribute_id, v.value, v.prefer_not, v.salt, v.digest, NULL::text, NULL::bytea
            FROM value v JOIN ledger l ON l.device_no = v.device_no AND l.device_seq = v.device_seq
            WHERE l.central_seq = ANY(\(centrals))
            UNION ALL
            SELECT l.central_seq, s.attribute_id, NULL::text, s.prefer_not, NULL::bytea, s.digest, s.key_id, s.sealed
            FROM sealed_value s JOIN ledger l ON l.device_no = s.device_no AND l.device_seq = s.device_seq
            WHERE l.central_seq = ANY(\(centrals))
            ORDER BY 1, 2
            """, logger: logger) {
            let c = row.makeRandomAccess()
            guard let i = index[try c[0].decode(Int64.self)] else { continue }
            events[i].values.append(WireValue(
                attribute: try c[1].decode(String.self), text: try c[2].decode(String?.self), preferNot: try c[3].decode(Bool.self),
                salt: try c[4].decode(Data?.self), digest: try c[5].decode(Data.self), keyID: try c[6].decode(String?.self),
                sealed: try c[7].decode(Data?.self)))
        }
    }
}

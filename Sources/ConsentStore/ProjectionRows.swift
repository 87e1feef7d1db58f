import ConsentCore
import Foundation
import GRDB

/// Reads and writes the projection rows of one tenant as a ``TenantState``, so the ledger's
/// projection update runs the very same `TenantState.apply` as the fold that verifies it.
struct ProjectionRows {
    let db: Database
    var devices: DeviceNumbers

    private static let valueJoin = """
        LEFT JOIN value v ON v.device_no = x.source_device AND v.device_seq = x.source_seq AND v.attribute_id = x.attribute_id
        LEFT JOIN vault.value s ON s.device_no = x.source_device AND s.device_seq = x.source_seq AND s.attribute_id = x.attribute_id
        """

    /// The projection rows an event touches, as a partial state the event can be applied to.
    func load(_ tenantID: Int64, _ ref: TenantRef, touching payload: EventPayload) throws -> TenantState {
        var state = TenantState(ref: ref)
        switch payload {
        case .registration, .credentialChange:
            break
        case let .decision(purpose, attributes, _, _, _):
            for attribute in attributes {
                let key = DecisionKey(attribute, purpose)
                state.decisions[key] = try decision(tenantID, key)
            }
        case let .correction(attribute, _, _), let .verification(_, attribute, _), let .erasure(attribute):
            try loadValues(tenantID, into: &state, attribute: attribute)
        }
        return state
    }

    /// The whole projected state of a tenant.
    func loadAll(_ tenantID: Int64, _ ref: TenantRef) throws -> TenantState {
        var state = TenantState(ref: ref)
        try loadValues(tenantID, into: &state, attribute: nil)
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM decision WHERE tenant_id = ?", arguments: [tenantID])
        while let row = try rows.next() {
            let key = DecisionKey(AttributeID(row["attribute_id"] as String), PurposeID(row["purpose_id"] as String))
            state.decisions[key] = decisionRecord(row)
        }
        return state
    }

    private func loadValues(_ tenantID: Int64, into state: inout TenantState, attribute: AttributeID?) throws {
        let filter = attribute == nil ? "" : " AND x.attribute_id = ?"
        var arguments: StatementArguments = [tenantID]
        if let attribute { arguments += [attribute.rawValue] }
        let current = try db.cachedStatement(sql: """
            SELECT x.attribute_id, x.status, x.source_device, x.source_seq, x.hlc, x.writer,
                   COALESCE(v.value, s.value) AS value FROM current_value x \(Self.valueJoin)
            WHERE x.tenant_id = ?\(filter)
            """)
        for row in try Row.fetchAll(current, arguments: arguments) {
            let id = AttributeID(row["attribute_id"] as String)
            let source = EventID(device: devices.id(row["source_device"]), sequence: row["source_seq"])
            let valueState: ValueState
            switch row["status"] as String {
            case "erased": valueState = .erased(by: source)
            case "prefer-not-to-say": valueState = .held(.preferNotToSay, source: source)
            default: valueState = .held(.value(row["value"] ?? ""), source: source)
            }
            state.values[id] = ValueRecord(state: valueState, hlc: HLCTimestamp(packed: row["hlc"]), device: DeviceID(row["writer"] as String))
        }
        let pending = try db.cachedStatement(sql: """
            SELECT x.attribute_id, x.source_device, x.source_seq, x.hlc,
                   COALESCE(v.value, s.value) AS value, COALESCE(v.prefer_not, s.prefer_not) AS prefer_not
            FROM pending_value x \(Self.valueJoin)
            WHERE x.tenant_id = ?\(filter) ORDER BY x.hlc, x.source_device, x.source_seq
            """)
        for row in try Row.fetchAll(pending, arguments: arguments) {
            let id = AttributeID(row["attribute_id"] as String)
            let value: AttributeValue = (row["prefer_not"] as Int? ?? 0) != 0 ? .preferNotToSay : .value(row["value"] ?? "")
            state.pending[id, default: []].append(PendingCorrection(
                event: EventID(device: devices.id(row["source_device"]), sequence: row["source_seq"]),
                value: value, hlc: HLCTimestamp(packed: row["hlc"])))
        }
    }

    private func decision(_ tenantID: Int64, _ key: DecisionKey) throws -> DecisionRecord? {
        let statement = try db.cachedStatement(sql: """
            SELECT * FROM decision WHERE tenant_id = ? AND attribute_id = ? AND purpose_id = ?
            """)
        return try Row.fetchOne(statement, arguments: [tenantID, key.attribute.rawValue, key.purpose.rawValue]).map(decisionRecord)
    }

    private func decisionRecord(_ row: Row) -> DecisionRecord {
        let actor: Actor
        switch row["actor"] as String {
        case "tenant": actor = .tenant
        case "staff": actor = .staff(StaffID(row["actor_id"] ?? ""), verification: row["verification"], reason: row["reason"])
        default: actor = .system(row["actor_id"] ?? "")
        }
        let notice = (row["notice_version"] as Int?).map { NoticeShown(version: $0, language: row["language"] ?? "") }
        let reconfirm = (row["reconfirm_seq"] as Int64?).map {
            EventID(device: devices.id(row["reconfirm_device"]), sequence: $0)
        }
        return DecisionRecord(
            state: DecisionState(rawValue: row["state"]) ?? .notAsked,
            event: EventID(device: devices.id(row["event_device"]), sequence: row["event_seq"]),
            centralSequence: row["central_seq"], effectiveAt: Millis.date(row["effective_at"]), notice: notice,
            validUntil: (row["valid_until"] as Int64?).map(Millis.date), actor: actor,
            channel: Channel(rawValue: row["channel"]) ?? .system, needsReconfirmation: reconfirm,
            blocking: Self.decodeBlocking(row["blocking"]))
    }

    /// `blocking` as stored: one stop per line, `device<TAB>sequence<TAB>central<TAB>effective-millis`.
    static func encodeBlocking(_ stops: [StopRef]) -> String? {
        guard !stops.isEmpty else { return nil }
        return stops.map { s in
            [s.event.device.rawValue, String(s.event.sequence), s.centralSequence.map(String.init) ?? "",
             String(Millis.from(s.effectiveAt))].joined(separator: "\t")
        }.joined(separator: "\n")
    }

    static func decodeBlocking(_ text: String?) -> [StopRef] {
        guard let text else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 4, let seq = Int64(f[1]), let effective = Int64(f[3]) else { return nil }
            return StopRef(event: EventID(device: DeviceID(String(f[0])), sequence: seq), centralSequence: Int64(f[2]),
                           effectiveAt: Millis.date(effective))
        }
    }

    /// Writes what changed between `before` and `after` for the rows an event touches.
    mutating func save(_ tenantID: Int64, before: TenantState, after: TenantState, touching payload: EventPayload) throws {
        var devices = self.devices
        defer { self.devices = devices }
        switch payload {
        case .credentialChange:
            break
        case .registration(let values):
            for attribute in values.keys { try saveValue(tenantID, attribute, after.values[attribute], &devices) }
        case let .decision(purpose, attributes, _, _, _):
            for attribute in attributes {
                let key = DecisionKey(attribute, purpose)
                if after.decisions[key] != before.decisions[key], let record = after.decisions[key] {
                    try saveDecision(tenantID, key, record, &devices)
                }
            }
        case let .correction(attribute, _, _), let .verification(_, attribute, _), let .erasure(attribute):
            if after.values[attribute] != before.values[attribute] {
                try saveValue(tenantID, attribute, after.values[attribute], &devices)
            }
            if after.pending[attribute] != before.pending[attribute] {
                try db.execute(sql: "DELETE FROM pending_value WHERE tenant_id = ? AND attribute_id = ?",
                               arguments: [tenantID, attribute.rawValue])
                for p in after.pending[attribute] ?? [] {
                    try db.execute(sql: """
                        INSERT INTO pending_value (tenant_id, attribute_id, source_device, source_seq, hlc) VALUES (?, ?, ?, ?, ?)
                        """, arguments: [tenantID, attribute.rawValue, try devices.number(p.event.device, in: db), p.event.sequence, p.hlc.packed])
                }
            }
        }
    }

    private func saveValue(_ tenantID: Int64, _ attribute: AttributeID, _ record: ValueRecord?, _ devices: inout DeviceNumbers) throws {
        guard let record else {
            try db.execute(sql: "DELETE FROM current_value WHERE tenant_id = ? AND attribute_id = ?", arguments: [tenantID, attribute.rawValue])
            return
        }
        let (status, source): (String, EventID)
        switch record.state {
        case .notHeld:
            try db.execute(sql: "DELETE FROM current_value WHERE tenant_id = ? AND attribute_id = ?", arguments: [tenantID, attribute.rawValue])
            return
        case let .held(.value, source: s): (status, source) = ("value", s)
        case let .held(.preferNotToSay, source: s): (status, source) = ("prefer-not-to-say", s)
        case let .erased(by: s): (status, source) = ("erased", s)
        }
        let statement = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO current_value (tenant_id, attribute_id, status, source_device, source_seq, hlc, writer)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            tenantID, attribute.rawValue, status, try devices.number(source.device, in: db), source.sequence,
            record.hlc.packed, record.device.rawValue,
        ])
    }

    private func saveDecision(_ tenantID: Int64, _ key: DecisionKey, _ r: DecisionRecord, _ devices: inout DeviceNumbers) throws {
        var actor = "tenant", actorID: String?, verification: String?, reason: String?
        switch r.actor {
        case .tenant: break
        case let .staff(id, v, why): (actor, actorID, verification, reason) = ("staff", id.rawValue, v, why)
        case .system(let name): (actor, actorID) = ("system", name)
        }
        let statement = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO decision (tenant_id, attribute_id, purpose_id, state, event_device, event_seq, central_seq,
                effective_at, notice_version, language, valid_until, actor, actor_id, verification, reason, channel,
                reconfirm_device, reconfirm_seq, blocking)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let reconfirmDevice = try r.needsReconfirmation.map { try devices.number($0.device, in: db) }
        var arguments: StatementArguments = [
            tenantID, key.attribute.rawValue, key.purpose.rawValue, r.state.rawValue,
            try devices.number(r.event.device, in: db), r.event.sequence, r.centralSequence, Millis.from(r.effectiveAt),
        ]
        arguments += [
            r.notice?.version, r.notice?.language, r.validUntil.map(Millis.from), actor, actorID, verification, reason,
            r.channel.rawValue, reconfirmDevice, r.needsReconfirmation?.sequence, Self.encodeBlocking(r.blocking),
        ]
        try statement.execute(arguments: arguments)
    }
}

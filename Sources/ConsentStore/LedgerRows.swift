import ConsentCore
import Foundation
import GRDB

/// Turns ledger rows back into events (and their chain fields).
struct LedgerRows {
    let devices: DeviceNumbers

    /// The columns `event(_:values:)` and `fields(_:)` need, selected from `ledger l JOIN tenant t`.
    static let columns = "l.*, t.ref AS tenant_ref"

    /// The chain fields of a ledger row, exactly as they were hashed.
    func fields(_ row: Row) -> LedgerFields {
        LedgerFields(
            device: devices.id(row["device_no"]).rawValue, sequence: row["device_seq"], tenant: row["tenant_ref"] ?? "",
            kind: row["kind"], attribute: row["attribute_id"], purpose: row["purpose_id"], state: row["state"],
            pending: (row["pending"] as Int64?).map { $0 != 0 }, noticeVersion: row["notice_version"],
            language: row["language"], validUntil: row["valid_until"], targetDevice: row["target_device"],
            targetSequence: row["target_seq"], valuesDigest: row["values_digest"], hlc: row["hlc"],
            effectiveAt: row["effective_at"], actor: row["actor"], actorID: row["actor_id"],
            verification: row["verification"], reason: row["reason"], channel: row["channel"], causal: row["causal_seq"],
            evidence: row["evidence"])
    }

    /// The event of a ledger row; `values` are the value rows of that event.
    func event(_ row: Row, values: [Row]) -> StoredEvent {
        let f = fields(row)
        let actor: Actor
        switch f.actor {
        case "tenant": actor = .tenant
        case "staff": actor = .staff(StaffID(f.actorID ?? ""), verification: f.verification, reason: f.reason)
        default: actor = .system(f.actorID ?? "")
        }
        var erased: Set<AttributeID> = []
        var answers: [AttributeID: AttributeValue] = [:]
        for value in values {
            let id = AttributeID(value["attribute_id"] as String)
            if (value["prefer_not"] as Int64) != 0 {
                answers[id] = .preferNotToSay
            } else {
                answers[id] = .value(value["value"] ?? "")
            }
            if (value["salt"] as Data?) == nil { erased.insert(id) }
        }
        let attribute = AttributeID(f.attribute ?? "")
        let payload: EventPayload
        switch f.kind {
        case "registration":
            payload = .registration(values: answers)
        case "decision":
            payload = .decision(
                PurposeID(f.purpose ?? ""), (f.attribute ?? "").split(separator: ",").map { AttributeID(String($0)) },
                DecisionState(rawValue: f.state ?? "") ?? .notAsked,
                notice: f.noticeVersion.map { NoticeShown(version: Int($0), language: f.language ?? "") },
                validUntil: f.validUntil.map(Millis.date))
        case "correction":
            payload = .correction(attribute, answers[attribute] ?? .value(""), pending: f.pending ?? false)
        case "verification":
            payload = .verification(
                of: EventID(device: DeviceID(f.targetDevice ?? ""), sequence: f.targetSequence ?? 0),
                attribute: attribute, approved: f.state == "approved")
        case "erasure":
            payload = .erasure(attribute)
        default:
            payload = .credentialChange(f.state ?? "")
        }
        let event = Event(
            id: EventID(device: DeviceID(f.device), sequence: f.sequence), tenant: TenantRef(f.tenant),
            hlc: HLCTimestamp(packed: f.hlc), effectiveAt: Millis.date(f.effectiveAt), actor: actor,
            channel: Channel(rawValue: f.channel) ?? .system, causalContext: f.causal,
            centralSequence: row["central_seq"], payload: payload, evidence: f.evidence)
        return StoredEvent(position: row["position"], event: event, erasedValues: erased)
    }

    /// Every event of one tenant, in ledger order.
    func events(_ db: Database, tenantID: Int64) throws -> [StoredEvent] {
        var values: [Int64: [Row]] = [:]
        for table in ["value", "vault.value"] {
            let statement = try db.cachedStatement(sql: """
                SELECT l.position, v.attribute_id, v.value, v.prefer_not, v.salt FROM ledger l
                JOIN \(table) v ON v.device_no = l.device_no AND v.device_seq = l.device_seq
                WHERE l.tenant_id = ?
                """)
            for row in try Row.fetchAll(statement, arguments: [tenantID]) { values[row["position"], default: []].append(row) }
        }
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE l.tenant_id = ? ORDER BY l.position
            """)
        return try Row.fetchAll(statement, arguments: [tenantID]).map { event($0, values: values[$0["position"]] ?? []) }
    }
}

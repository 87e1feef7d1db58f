import ConsentCore
import Foundation
import GRDB

/// Turns ledger rows back into events (and their chain fields).
struct LedgerRows {
    let devices: DeviceNumbers
    /// Opens sealed special-category values.
    let keys: VaultKeyring?

    /// A value an event recorded, as stored now: its answer, or nil once erased; `unavailable` when
    /// it is a sealed value this process cannot open (its answer is then a placeholder).
    struct StoredValue {
        var attribute: AttributeID
        var answer: AttributeValue?
        var unavailable = false
    }

    /// The columns `event(_:values:)` and `fields(_:)` need, selected from `ledger l JOIN tenant t`.
    static let columns = "l.*, t.ref AS tenant_ref"

    /// The chain fields of a ledger row, exactly as they were hashed.
    func fields(_ row: Row) -> LedgerFields {
        LedgerFields(
            device: devices.id(row.integer("device_no") ?? 0).rawValue, sequence: row.integer("device_seq") ?? 0,
            tenant: row.text("tenant_ref") ?? "", kind: row.text("kind") ?? "", attribute: row.text("attribute_id"),
            purpose: row.text("purpose_id"), state: row.text("state"), pending: row.integer("pending").map { $0 != 0 },
            noticeVersion: row.integer("notice_version"), language: row.text("language"), validUntil: row.integer("valid_until"),
            targetDevice: row.text("target_device"), targetSequence: row.integer("target_seq"), valuesDigest: row.blob("values_digest"),
            hlc: row.integer("hlc") ?? 0, effectiveAt: row.integer("effective_at") ?? 0, actor: row.text("actor") ?? "",
            actorID: row.text("actor_id"), verification: row.text("verification"), reason: row.text("reason"),
            channel: row.text("channel") ?? "", causal: row.integer("causal_seq"), evidence: row.text("evidence"))
    }

    /// The event of a ledger row; `values` are the values of that event.
    func event(_ row: Row, values: [StoredValue]) -> StoredEvent {
        let f = fields(row)
        let actor: Actor
        switch f.actor {
        case "tenant": actor = .tenant
        case "staff": actor = .staff(StaffID(f.actorID ?? ""), verification: f.verification, reason: f.reason)
        default: actor = .system(f.actorID ?? "")
        }
        var erased: Set<AttributeID> = [], unavailable: Set<AttributeID> = []
        var answers: [AttributeID: AttributeValue] = [:]
        for value in values {
            answers[value.attribute] = value.answer ?? .value("")
            if value.answer == nil { erased.insert(value.attribute) }
            if value.unavailable { unavailable.insert(value.attribute) }
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
        case "held-grant":
            payload = .heldGrant(
                PurposeID(f.purpose ?? ""), (f.attribute ?? "").split(separator: ",").map { AttributeID(String($0)) },
                notice: f.noticeVersion.map { NoticeShown(version: Int($0), language: f.language ?? "") },
                validUntil: f.validUntil.map(Millis.date))
        case "access":
            payload = .access(attribute)
        default:
            payload = .credentialChange(f.state ?? "")
        }
        let event = Event(
            id: EventID(device: DeviceID(f.device), sequence: f.sequence), tenant: TenantRef(f.tenant),
            hlc: HLCTimestamp(packed: f.hlc), effectiveAt: Millis.date(f.effectiveAt), actor: actor,
            channel: Channel(rawValue: f.channel) ?? .system, causalContext: f.causal,
            centralSequence: row.integer("central_seq"), payload: payload, evidence: f.evidence)
        return StoredEvent(position: row.integer("position") ?? 0, event: event, erasedValues: erased, unavailableValues: unavailable)
    }

    /// Every event of one tenant, in ledger order.
    func events(_ db: Database, tenantID: Int64) throws -> [StoredEvent] {
        var values: [Int64: [StoredValue]] = [:]
        let plain = try db.cachedStatement(sql: """
            SELECT l.position, v.attribute_id, v.value, v.prefer_not, v.salt FROM ledger l
            JOIN value v ON v.device_no = l.device_no AND v.device_seq = l.device_seq
            WHERE l.tenant_id = ?
            """)
        for row in try Row.fetchAll(plain, arguments: [tenantID]) {
            let answer: AttributeValue = (row.integer("prefer_not") ?? 0) != 0 ? .preferNotToSay : .value(row.text("value") ?? "")
            values[row.integer("position") ?? 0, default: []].append(
                StoredValue(attribute: AttributeID(row.text("attribute_id") ?? ""), answer: row.blob("salt") == nil ? nil : answer))
        }
        let sealed = try db.cachedStatement(sql: """
            SELECT l.position, l.device_no, l.device_seq, t.ref, v.attribute_id, v.prefer_not, v.key_id, v.sealed FROM ledger l
            JOIN tenant t ON t.id = l.tenant_id
            JOIN vault.value v ON v.device_no = l.device_no AND v.device_seq = l.device_seq
            WHERE l.tenant_id = ?
            """)
        for row in try Row.fetchAll(sealed, arguments: [tenantID]) {
            values[row.integer("position") ?? 0, default: []].append(open(row))
        }
        let statement = try db.cachedStatement(sql: """
            SELECT \(Self.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE l.tenant_id = ? ORDER BY l.position
            """)
        return try Row.fetchAll(statement, arguments: [tenantID]).map { event($0, values: values[$0.integer("position") ?? 0] ?? []) }
    }

    /// A vault row (with the ledger's `device_no`, `device_seq` and the tenant's `ref`) as a stored value.
    func open(_ row: Row) -> StoredValue {
        let attribute = AttributeID(row.text("attribute_id") ?? "")
        guard let sealed = row.blob("sealed") else { return StoredValue(attribute: attribute, answer: nil) }
        let event = EventID(device: devices.id(row.integer("device_no") ?? 0), sequence: row.integer("device_seq") ?? 0)
        if let opened = keys?.open(sealed, keyID: row.text("key_id") ?? "", tenant: TenantRef(row.text("ref") ?? ""), attribute: attribute, event: event) {
            return StoredValue(attribute: attribute, answer: opened.value)
        }
        let placeholder: AttributeValue = (row.integer("prefer_not") ?? 0) != 0 ? .preferNotToSay : .value("")
        return StoredValue(attribute: attribute, answer: placeholder, unavailable: true)
    }
}

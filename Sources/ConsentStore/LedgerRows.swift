import ConsentCore
import Foundation
import GRDB
import SyncProtocol

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
    static let columns = """
        l.position, l.device_no, l.device_seq, l.central_seq, l.tenant_id, l.kind, l.attribute_id, l.purpose_id, l.state,
        l.pending, l.notice_version, l.language, l.valid_until, l.target_device, l.target_seq, l.values_digest, l.hlc,
        l.effective_at, l.actor, l.actor_id, l.verification, l.reason, l.channel, l.causal_seq, l.evidence, l.hash, l.pushed,
        t.ref AS tenant_ref
        """

    /// The index of each of `columns`, read by index on the hot paths (pull, push, verify).
    enum Column: Int {
        case position, deviceNo, deviceSeq, centralSeq, tenantID, kind, attribute, purpose, state, pending, noticeVersion
        case language, validUntil, targetDevice, targetSeq, valuesDigest, hlc, effectiveAt, actor, actorID, verification
        case reason, channel, causal, evidence, hash, pushed, tenantRef
    }
    /// The order every replica folds a ledger in: central order, then this device's unsent events.
    /// At the centre it is the ledger's own order; on a device it is the order the centre applied.
    static let canonicalOrder = "l.central_seq IS NULL, l.central_seq, l.position"

    /// The chain fields of a ledger row, exactly as they were hashed.
    func fields(_ row: Row) -> EventRecord {
        func text(_ c: Column) -> String? { row.text(at: c.rawValue) }
        func integer(_ c: Column) -> Int64? { row.integer(at: c.rawValue) }
        return EventRecord(
            device: devices.id(integer(.deviceNo) ?? 0).rawValue, sequence: integer(.deviceSeq) ?? 0,
            tenant: text(.tenantRef) ?? "", kind: text(.kind) ?? "", attribute: text(.attribute),
            purpose: text(.purpose), state: text(.state), pending: integer(.pending).map { $0 != 0 },
            noticeVersion: integer(.noticeVersion), language: text(.language), validUntil: integer(.validUntil),
            targetDevice: text(.targetDevice), targetSequence: integer(.targetSeq), valuesDigest: row.blob(at: Column.valuesDigest.rawValue),
            hlc: integer(.hlc) ?? 0, effectiveAt: integer(.effectiveAt) ?? 0, actor: text(.actor) ?? "",
            actorID: text(.actorID), verification: text(.verification), reason: text(.reason),
            channel: text(.channel) ?? "", causal: integer(.causal), evidence: text(.evidence))
    }

    /// The event of a ledger row; `values` are the values of that event.
    func event(_ row: Row, values: [StoredValue]) -> StoredEvent {
        let f = fields(row)
        var erased: Set<AttributeID> = [], unavailable: Set<AttributeID> = []
        var answers: [AttributeID: AttributeValue] = [:]
        for value in values {
            answers[value.attribute] = value.answer ?? .value("")
            if value.answer == nil { erased.insert(value.attribute) }
            if value.unavailable { unavailable.insert(value.attribute) }
        }
        let event = f.event(centralSequence: row.integer(at: Column.centralSeq.rawValue), answers: answers)
        return StoredEvent(position: row.integer(at: Column.position.rawValue) ?? 0, event: event, erasedValues: erased, unavailableValues: unavailable)
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
            let answer = AttributeValue(storedText: row.text("value"), preferNotToSay: (row.integer("prefer_not") ?? 0) != 0)
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
            SELECT \(Self.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE l.tenant_id = ? ORDER BY \(Self.canonicalOrder)
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

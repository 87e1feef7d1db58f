import ConsentCore
import ConsentVault
import Foundation
import GRDB

/// Tenants' requests (erasure, rectification, restriction, access) as the queue, the kiosk and the export gate
/// read them: the request events and the events that decide them, folded by ``RequestFold`` (one rule, in Core).
extension ConsentDatabase {
    /// SQL listing the ledger's request kinds, for `kind IN (...)`.
    static let requestKinds = RequestKind.eventKinds.map { "'\($0)'" }.joined(separator: ", ")

    /// `ref`'s requests, oldest first, each with its outcome (the reason the tenant is shown for a refusal).
    ///
    /// ```swift
    /// for request in try db.requests(of: "T0000001") where request.isOpen { print(request.kind, request.deadline) }
    /// ```
    public func requests(of ref: TenantRef) throws(StoreError) -> [TenantRequest] {
        try read { db in
            try Self.requestEvents(db, where: "t.ref = ?", [ref.rawValue], keys: keys)
        }
    }

    /// Every tenant's requests, oldest first: the data-protection lead's queue (`open` only, or all of them).
    public func requestQueue(openOnly: Bool = true) throws(StoreError) -> [TenantRequest] {
        let all = try read { db in
            try Self.requestEvents(db, where: "l.tenant_id IN (SELECT tenant_id FROM ledger INDEXED BY ledger_requests WHERE kind IN (\(Self.requestKinds)))", [],
                                   keys: keys)
        }
        return openOnly ? all.filter(\.isOpen) : all
    }

    /// The attributes `ref` has asked staff to erase and staff have not yet decided: the kiosk says such a
    /// request is already with staff instead of sending another.
    ///
    /// ```swift
    /// if try db.openErasureRequests("T0000001").contains(AttributeID("date-of-birth")) { /* already asked */ }
    /// ```
    public func openErasureRequests(_ ref: TenantRef) throws(StoreError) -> Set<AttributeID> {
        Set(try requests(of: ref).filter { $0.isOpen && $0.kind == .erasure }.compactMap(\.attribute))
    }

    /// The requests among the ledger rows of the tenants `condition` selects: their request events and the
    /// verifications and erasures that may decide them. A rectification's proposed value is read with `keys`
    /// (opened when sealed and the key is here); one that cannot be read is marked withheld, never guessed.
    static func requestEvents(_ db: Database, where condition: String, _ arguments: StatementArguments,
                              keys: VaultKeyring? = nil) throws -> [TenantRequest] {
        let decoder = LedgerRows(devices: try DeviceNumbers(db), keys: keys)
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(LedgerRows.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id
            WHERE \(condition) AND l.kind IN (\(requestKinds), 'verification', 'erasure')
            """, arguments: arguments)
        var withheld = Set<EventID>()
        let events = try rows.map { row -> Event in
            let kind = row.text(at: LedgerRows.Column.kind.rawValue)
            guard kind == RequestKind.rectification.eventKind, row.blob(at: LedgerRows.Column.valuesDigest.rawValue) != nil else {
                return decoder.event(row, values: []).event
            }
            let stored = decoder.event(row, values: try proposedValues(db, row, decoder))
            if !stored.erasedValues.isEmpty || !stored.unavailableValues.isEmpty { withheld.insert(stored.event.id) }
            return stored.event
        }
        return RequestFold.requests(events).map { request in
            guard withheld.contains(request.event) else { return request }
            var request = request
            (request.proposed, request.proposalWithheld) = (nil, true)
            return request
        }
    }

    /// The value a rectification request's ledger row recorded (plain, or sealed in the vault), as stored now.
    private static func proposedValues(_ db: Database, _ row: Row, _ decoder: LedgerRows) throws -> [LedgerRows.StoredValue] {
        let (deviceNo, sequence) = (row.integer(at: LedgerRows.Column.deviceNo.rawValue) ?? 0, row.integer(at: LedgerRows.Column.deviceSeq.rawValue) ?? 0)
        var values: [LedgerRows.StoredValue] = []
        for value in try Row.fetchAll(db, sql: "SELECT attribute_id, value, prefer_not, salt FROM value WHERE device_no = ? AND device_seq = ?",
                                      arguments: [deviceNo, sequence]) {
            let answer = AttributeValue(storedText: value.text("value"), preferNotToSay: (value.integer("prefer_not") ?? 0) != 0)
            values.append(.init(attribute: AttributeID(value.text("attribute_id") ?? ""), answer: value.blob("salt") == nil ? nil : answer))
        }
        for value in try Row.fetchAll(db, sql: """
            SELECT v.device_no, v.device_seq, t.ref, v.attribute_id, v.prefer_not, v.key_id, v.sealed FROM vault.value v
            JOIN tenant t ON t.id = ? WHERE v.device_no = ? AND v.device_seq = ?
            """, arguments: [row.integer(at: LedgerRows.Column.tenantID.rawValue), deviceNo, sequence]) {
            values.append(decoder.open(value))
        }
        return values
    }

    /// Whether `target` is this tenant's request about `attribute` (empty for an access request), which a
    /// verification may decide.
    static func isRequest(_ db: Database, tenantID: Int64, _ target: EventID, _ attribute: AttributeID) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT 1 FROM ledger l JOIN device d ON d.no = l.device_no
            WHERE l.tenant_id = ? AND l.kind IN (\(requestKinds)) AND d.id = ? AND l.device_seq = ? AND coalesce(l.attribute_id, '') = ?
            """, arguments: [tenantID, target.device.rawValue, target.sequence, attribute.rawValue]) ?? false
    }

    /// Open requests as staff mode's held queue lists them: erasure requests one per tenant and attribute (the
    /// oldest; staff decide a request once, and that decision answers the others), every other kind each.
    func heldRequests() throws(StoreError) -> [HeldItem] {
        var seen = Set<String>()
        return try requestQueue().compactMap { request in
            guard request.kind == .erasure else {
                return HeldItem(tenant: request.tenant, event: request.event, kind: .request(request), takenBy: request.actor,
                                channel: request.channel, at: request.madeAt)
            }
            guard let attribute = request.attribute, seen.insert("\(request.tenant.rawValue)\u{1F}\(attribute.rawValue)").inserted else { return nil }
            return HeldItem(tenant: request.tenant, event: request.event, kind: .erasureRequest(attribute), takenBy: request.actor,
                            channel: request.channel, at: request.madeAt)
        }
    }
}

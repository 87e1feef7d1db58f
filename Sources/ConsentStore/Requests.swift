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
            try Self.requestEvents(db, where: "t.ref = ?", [ref.rawValue])
        }
    }

    /// Every tenant's requests, oldest first: the data-protection lead's queue (`open` only, or all of them).
    public func requestQueue(openOnly: Bool = true) throws(StoreError) -> [TenantRequest] {
        let all = try read { db in
            try Self.requestEvents(db, where: "l.tenant_id IN (SELECT tenant_id FROM ledger INDEXED BY ledger_requests WHERE kind IN (\(Self.requestKinds)))", [])
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
    /// verifications and erasures that may decide them.
    static func requestEvents(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [TenantRequest] {
        let decoder = LedgerRows(devices: try DeviceNumbers(db), keys: nil)
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(LedgerRows.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id
            WHERE \(condition) AND l.kind IN (\(requestKinds), 'verification', 'erasure')
            """, arguments: arguments)
        return RequestFold.requests(rows.map { decoder.event($0, values: []).event })
    }

    /// Whether `target` is this tenant's request about `attribute` (empty for an access request), which a
    /// verification may decide.
    static func isRequest(_ db: Database, tenantID: Int64, _ target: EventID, _ attribute: AttributeID) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT 1 FROM ledger l JOIN device d ON d.no = l.device_no
            WHERE l.tenant_id = ? AND l.kind IN (\(requestKinds)) AND d.id = ? AND l.device_seq = ? AND coalesce(l.attribute_id, '') = ?
            """, arguments: [tenantID, target.device.rawValue, target.sequence, attribute.rawValue]) ?? false
    }

    /// Open erasure requests as staff mode's held queue lists them, one per tenant and attribute (the
    /// oldest): staff decide a request once, and that decision answers the others.
    func heldErasureRequests() throws(StoreError) -> [HeldItem] {
        var seen = Set<String>()
        return try requestQueue().filter { request in
            guard request.kind == .erasure, let attribute = request.attribute else { return false }
            return seen.insert("\(request.tenant.rawValue)\u{1F}\(attribute.rawValue)").inserted
        }.compactMap { request in
            request.attribute.map {
                HeldItem(tenant: request.tenant, event: request.event, kind: .erasureRequest($0), takenBy: request.actor,
                         channel: request.channel, at: request.madeAt)
            }
        }
    }
}

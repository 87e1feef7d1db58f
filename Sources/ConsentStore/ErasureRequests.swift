import ConsentCore
import ConsentVault
import Foundation
import GRDB

/// A tenant's requests to erase a value, as staff and the kiosk see them: one open request per tenant
/// and attribute, however often it was asked for (twice at one kiosk, or once at each of two kiosks
/// before they synced).
extension ConsentDatabase {
    /// SQL that is true while the erasure request in ledger row `l` is open: no erasure of its attribute
    /// came after it, and no member of staff has declined a request to erase that attribute since it was
    /// made (this request or another: a decision answers every request made before it). A request made
    /// after a decision is a new one, and open.
    ///
    /// Times are hybrid logical clocks. A decline naming this request closes it whatever the clocks say.
    static let erasureRequestIsOpen = """
        NOT EXISTS (
            SELECT 1 FROM ledger e WHERE e.tenant_id = l.tenant_id AND e.kind = 'erasure'
            AND e.attribute_id = l.attribute_id AND e.hlc > l.hlc)
        AND NOT EXISTS (
            SELECT 1 FROM ledger v JOIN device vd ON vd.id = v.target_device
            JOIN ledger r ON r.device_no = vd.no AND r.device_seq = v.target_seq
            WHERE v.tenant_id = l.tenant_id AND v.kind = 'verification' AND v.attribute_id = l.attribute_id
            AND r.tenant_id = l.tenant_id AND r.kind = 'erasure-request' AND r.attribute_id = l.attribute_id
            AND (v.hlc > l.hlc OR (r.device_no = l.device_no AND r.device_seq = l.device_seq)))
        """

    /// The attributes `ref` has asked staff to erase and staff have not yet decided: the kiosk says such a
    /// request is already with staff instead of sending another.
    ///
    /// ```swift
    /// if try db.openErasureRequests("T0000001").contains(AttributeID("date-of-birth")) { /* already asked */ }
    /// ```
    public func openErasureRequests(_ ref: TenantRef) throws(StoreError) -> Set<AttributeID> {
        try read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT l.attribute_id FROM ledger l INDEXED BY ledger_erasure_requests JOIN tenant t ON t.id = l.tenant_id
                WHERE t.ref = ? AND l.kind = 'erasure-request' AND \(Self.erasureRequestIsOpen)
                """, arguments: [ref.rawValue]).map { AttributeID($0) })
        }
    }

    /// `items` (oldest first) with each open erasure request after the first of its tenant and attribute
    /// left out: staff decide a request once, and that decision answers the others.
    static func oneRequestPerValue(_ items: [HeldItem]) -> [HeldItem] {
        var seen = Set<String>()
        return items.filter { item in
            guard case .erasureRequest(let attribute) = item.kind else { return true }
            return seen.insert("\(item.tenant.rawValue)\u{1F}\(attribute.rawValue)").inserted
        }
    }
}

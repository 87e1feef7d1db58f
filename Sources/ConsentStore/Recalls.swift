import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// The recalls owed for an export: changes recorded after `position` (the ledger position the
    /// export read at) that stop use of what it disclosed, oldest first per tenant.
    public func recalls(exportID: String, purpose: String, after position: Int64) throws -> [Recall] {
        try queue.read { db in
            guard let export = try Row.fetchOne(db, sql: "SELECT no, columns FROM export WHERE id = ?", arguments: [exportID]),
                  let number = export.integer("no") else {
                throw StoreError.unknownExport(exportID)
            }
            // Changes after the export (the ledger by position), kept where the tenant was in it.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.ref, d.columns AS mask, l.kind, l.state, l.attribute_id, l.effective_at, l.position
                FROM ledger l JOIN disclosure d ON d.tenant_id = l.tenant_id AND d.export_no = ?
                JOIN tenant t ON t.id = l.tenant_id
                WHERE l.position > ?
                  AND ((l.kind = 'decision' AND l.purpose_id = ? AND l.state IN ('withdrawn', 'objected')) OR l.kind = 'erasure')
                ORDER BY l.tenant_id, l.position
                """, arguments: [number, position, purpose])
            let columns = export.text("columns") ?? ""
            var recalls: [Recall] = []
            while let row = try rows.next() {
                guard let recall = Recall(tenant: row.text("ref") ?? "", exportColumns: columns, mask: row.integer("mask") ?? 0,
                                          kind: row.text("kind"), state: row.text("state"), attributes: row.text("attribute_id"),
                                          effectiveAt: row.integer("effective_at") ?? 0, ledgerPosition: row.integer("position") ?? 0)
                else { continue }
                recalls.append(recall)
            }
            return recalls
        }
    }
}

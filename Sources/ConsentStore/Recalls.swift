import ConsentCore
import Foundation
import GRDB

/// A change after an export that its recipient must act on: the tenant withdrew or objected for
/// the export's purpose, or had a value erased, for an attribute the export disclosed.
public struct Recall: Codable, Sendable, Equatable {
    public var tenant: String
    /// withdrawn, objected or erased.
    public var change: String
    /// The disclosed attributes the change covers.
    public var attributes: [String]
    public var effectiveAt: Date
    public var ledgerPosition: Int64
}

extension ConsentDatabase {
    /// The recalls owed for an export: changes recorded after `position` (the ledger position the
    /// export read at) that stop use of what it disclosed, oldest first per tenant.
    public func recalls(exportID: String, purpose: String, after position: Int64) throws -> [Recall] {
        try queue.read { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM disclosure WHERE export_id = ?)", arguments: [exportID]) == true else {
                throw StoreError.unknownExport(exportID)
            }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.ref, d.attributes AS disclosed, l.kind, l.state, l.attribute_id, l.effective_at, l.position
                FROM disclosure d JOIN tenant t ON t.id = d.tenant_id
                JOIN ledger l ON l.tenant_id = d.tenant_id AND l.position > ?
                WHERE d.export_id = ?
                  AND ((l.kind = 'decision' AND l.purpose_id = ? AND l.state IN ('withdrawn', 'objected')) OR l.kind = 'erasure')
                ORDER BY t.id, l.position
                """, arguments: [position, exportID, purpose])
            var recalls: [Recall] = []
            while let row = try rows.next() {
                let disclosed = Set((row.text("disclosed") ?? "").split(separator: ",").map(String.init))
                let touched = (row.text("attribute_id") ?? "").split(separator: ",").map(String.init).filter(disclosed.contains)
                guard !touched.isEmpty else { continue }
                recalls.append(Recall(
                    tenant: row.text("ref") ?? "", change: row.text("kind") == "erasure" ? "erased" : (row.text("state") ?? ""),
                    attributes: touched, effectiveAt: Millis.date(row.integer("effective_at") ?? 0),
                    ledgerPosition: row.integer("position") ?? 0))
            }
            return recalls
        }
    }
}

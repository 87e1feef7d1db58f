import ConsentCore
import Foundation
import GRDB
import SyncProtocol

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

    /// The recall a change made after an export asks for, or nil when it touches none of the columns
    /// the export disclosed to that tenant (`mask` over the export's `exportColumns`): an erasure
    /// reads as "erased", a withdrawal or objection as its state. Both centres read changes this way.
    public init?(tenant: String, exportColumns: String, mask: Int64, kind: String?, state: String?, attributes: String?,
                 effectiveAt: Int64, ledgerPosition: Int64) {
        let disclosed = Set(Disclosure.columns(exportColumns, mask: mask))
        let touched = (attributes ?? "").split(separator: ",").map(String.init).filter(disclosed.contains)
        guard !touched.isEmpty else { return nil }
        self.init(tenant: tenant, change: kind == "erasure" ? "erased" : (state ?? ""), attributes: touched,
                  effectiveAt: Millis.date(effectiveAt), ledgerPosition: ledgerPosition)
    }

    public init(tenant: String, change: String, attributes: [String], effectiveAt: Date, ledgerPosition: Int64) {
        self.tenant = tenant
        self.change = change
        self.attributes = attributes
        self.effectiveAt = effectiveAt
        self.ledgerPosition = ledgerPosition
    }
}

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

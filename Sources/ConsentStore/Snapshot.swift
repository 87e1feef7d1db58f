import ConsentCore
import Foundation
import GRDB

extension ConsentDatabase {
    /// Calls `body` for every tenant's projected state, in register order, inside one read
    /// transaction (a consistent snapshot); returns the ledger position that snapshot reflects.
    public func eachTenant(_ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let position = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0
            let rows = ProjectionRows(db: db, devices: try DeviceNumbers(db), keys: keys)
            let tenants = try Row.fetchCursor(db, sql: "SELECT id, ref FROM tenant ORDER BY id")
            while let tenant = try tenants.next() {
                let ref = TenantRef(tenant.text("ref") ?? "")
                try body(ref, try rows.loadAll(tenant.integer("id") ?? 0, ref))
            }
            return position
        }
    }

    /// Records disclosures (what left the system about whom) in one transaction.
    public func recordDisclosures(_ entries: [(tenant: TenantRef, exportID: String, purpose: String, recipient: String, attributes: [String])]) throws {
        let now = Millis.from(clock())
        try queue.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO disclosure (tenant_id, export_id, purpose_id, recipient, attributes, at)
                SELECT id, ?, ?, ?, ?, ? FROM tenant WHERE ref = ?
                """)
            for e in entries {
                try statement.execute(arguments: [e.exportID, e.purpose, e.recipient, e.attributes.joined(separator: ","), now, e.tenant.rawValue])
            }
        }
    }
}

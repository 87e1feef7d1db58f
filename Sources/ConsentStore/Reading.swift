import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// A line of the register: a tenancy reference and the tenant's name.
public struct TenantSummary: Hashable, Sendable, Codable {
    public var reference: String
    public var name: String?
}

/// Everything held about one tenant, resolved for display: the Art. 15 view's data.
public struct TenantRecord: Sendable {
    public var state: TenantState
    public var history: [StoredEvent]
    public var disclosures: [Disclosure]
}

extension ConsentDatabase {
    /// How many tenants the register holds.
    public func tenantCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tenant") ?? 0 }
    }

    /// Tenancy references and names, in reference order (for programs; people list through
    /// ``listTenants(limit:after:by:reason:now:)``, which is bounded and recorded).
    public func tenants(limit: Int? = nil, after: String? = nil) throws(StoreError) -> [TenantSummary] {
        try read { db in try Self.tenantPage(db, limit: limit, after: after) }
    }

    static func tenantPage(_ db: Database, limit: Int?, after: String?) throws -> [TenantSummary] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT t.ref, v.value AS name FROM tenant t
            LEFT JOIN current_value c ON c.tenant_id = t.id AND c.attribute_id = 'full-name' AND c.status = 'value'
            LEFT JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = 'full-name'
            WHERE t.ref > ? ORDER BY t.ref LIMIT ?
            """, arguments: [after ?? "", limit ?? -1])
        return rows.map { TenantSummary(reference: $0["ref"], name: $0["name"]) }
    }

    /// The projected state of one tenant, or nil when the reference is unknown.
    public func tenantState(_ ref: TenantRef) throws(StoreError) -> TenantState? {
        try projection(of: ref) { rows, id in try rows.loadAll(id, ref) }
    }

    /// One attribute of one tenant, as ``tenantState(_:)`` would hold it, or nil when the reference is unknown:
    /// what a check that needs a single value reads (a sign-in's date of birth), without the rest of the state.
    public func tenantValue(_ ref: TenantRef, _ attribute: AttributeID) throws(StoreError) -> ValueState? {
        try projection(of: ref) { rows, id in try rows.loadValue(id, ref, attribute) }
    }

    /// `body` with the projection's rows and the tenant's row id, in one read; nil when the reference is unknown.
    private func projection<T>(of ref: TenantRef, _ body: (ProjectionRows, Int64) throws -> T) throws(StoreError) -> T? {
        try read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM tenant WHERE ref = ?", arguments: [ref.rawValue]) else { return nil }
            return try body(ProjectionRows(db: db, devices: DeviceNumbers(db), keys: keys), id)
        }
    }

    /// State, ledger history and disclosures of one tenant.
    public func tenantRecord(_ ref: TenantRef) throws(StoreError) -> TenantRecord {
        try read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM tenant WHERE ref = ?", arguments: [ref.rawValue]) else {
                throw StoreError.unknownTenant(ref)
            }
            let devices = try DeviceNumbers(db)
            let state = try ProjectionRows(db: db, devices: devices, keys: keys).loadAll(id, ref)
            let history = try LedgerRows(devices: devices, keys: keys).events(db, tenantID: id)
            // Disclosures are keyed by (export, tenant): one seek per export, exports first (CROSS JOIN fixes the order).
            let disclosures = try Row.fetchAll(db, sql: """
                SELECT e.id, e.purpose_id, e.recipient, e.columns, e.at, e.operator, e.origin, d.columns AS mask
                FROM export e CROSS JOIN disclosure d WHERE d.export_no = e.no AND d.tenant_id = ? ORDER BY e.at, e.no
                """, arguments: [id]).map { row in
                Disclosure(
                    exportID: row["id"], purpose: row["purpose_id"], recipient: row["recipient"],
                    attributes: Disclosure.columns(row["columns"], mask: row["mask"]), at: Millis.date(row["at"]),
                    madeBy: row["operator"], origin: row["origin"])
            }
            return TenantRecord(state: state, history: history, disclosures: disclosures)
        }
    }

    /// Number of events in the local ledger.
    public func eventCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger") ?? 0 }
    }
}

extension ConsentDatabase {
    /// A value from the database's own metadata (e.g. `origin` = `demo`).
    public func metadata(_ key: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    /// Sets a metadata value.
    public func setMetadata(_ key: String, _ value: String) throws(StoreError) {
        try write { db in try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value]) }
    }

    /// The files that make up a database at `path`: main, vault, and their WAL and shared-memory files.
    public static func files(at path: String) -> [String] {
        let vault = vaultPath(for: path)
        return [path, path + "-wal", path + "-shm", vault, vault + "-wal", vault + "-shm", signingKeyPath(for: path)]
    }
}

import ConsentCore
import GRDB

/// Tables staff mode adds (a migration of its own, so older files gain them when opened):
/// the search index, staff sign-in failures, tenant markers, and indexes for the desk's queues.
enum StaffSchema {
    static let migration = "staff-1"

    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            -- Folded name words ('n:zoe') and compact postcodes ('p:ls14ab') of each tenant's current
            -- values, so staff find a tenant without reading every name. Kept in step by the ledger.
            CREATE TABLE tenant_search (key TEXT NOT NULL, tenant_id INTEGER NOT NULL, PRIMARY KEY (key, tenant_id)) WITHOUT ROWID;
            CREATE INDEX tenant_search_by_tenant ON tenant_search (tenant_id, key);
            -- Failed staff sign-ins (as for tenants: a restart resets nothing).
            CREATE TABLE staff_sign_in_failure (
                staff_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL, locked INTEGER NOT NULL
            ) WITHOUT ROWID;
            -- Projection: alerts staff see first (ids from Forms/staff.yaml: vulnerable, safe-address), as the
            -- ledger's marker events left them: set or cleared, by the change with this clock and device.
            CREATE TABLE tenant_marker (
                tenant_id INTEGER NOT NULL, marker TEXT NOT NULL, active INTEGER NOT NULL, hlc INTEGER NOT NULL, writer TEXT NOT NULL,
                PRIMARY KEY (tenant_id, marker)
            ) WITHOUT ROWID;
            -- The desk's queues without scanning the whole ledger or every decision.
            CREATE INDEX ledger_held_grants ON ledger (tenant_id) WHERE kind = 'held-grant';
            CREATE INDEX decision_reconfirm ON decision (tenant_id) WHERE reconfirm_seq IS NOT NULL;
            """)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT c.tenant_id, c.attribute_id, v.value FROM current_value c
            JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
            WHERE c.attribute_id IN ('full-name', 'postcode') AND c.status = 'value'
            """)
        while let row = try rows.next() {
            let text: String = row["value"] ?? ""
            try SearchIndex.insert(db, tenantID: row["tenant_id"], attribute: AttributeID(row["attribute_id"] as String), text: text)
        }
    }
}

/// Keeps `tenant_search` in step with the projected name and postcode.
enum SearchIndex {
    static let name = AttributeID("full-name"), postcode = AttributeID("postcode")

    static func prefix(_ attribute: AttributeID) -> String { attribute == name ? "n:" : "p:" }

    static func keys(_ attribute: AttributeID, _ text: String) -> [String] {
        attribute == name ? SearchKeys.words(text).map { "n:" + $0 } : ["p:" + SearchKeys.postcode(text)]
    }

    static func insert(_ db: Database, tenantID: Int64, attribute: AttributeID, text: String) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO tenant_search (key, tenant_id) VALUES (?, ?)")
        for key in keys(attribute, text) where key.utf8.count > 2 {
            var insert = try RawStatement(db, statement)
            insert.bind(key)
            insert.bind(tenantID)
            try insert.execute()
        }
    }

    /// Re-indexes what an event changed, from the state after it.
    static func update(_ db: Database, tenantID: Int64, payload: EventPayload, before: TenantState, after: TenantState) throws {
        let touched: [AttributeID]
        switch payload {
        case .registration(let values):
            for attribute in [name, postcode] {
                if case .value(let text)? = after.value(attribute).answer, values[attribute] != nil {
                    try insert(db, tenantID: tenantID, attribute: attribute, text: text)
                }
            }
            return
        case .correction(let attribute, _, false), .verification(_, let attribute, _), .erasure(let attribute):
            touched = [attribute]
        default:
            return
        }
        for attribute in touched where (attribute == name || attribute == postcode) && after.values[attribute] != before.values[attribute] {
            let p = prefix(attribute)
            try db.cachedStatement(sql: "DELETE FROM tenant_search WHERE tenant_id = ? AND key >= ? AND key < ?")
                .execute(arguments: [tenantID, p, String(p.dropLast()) + ";"])
            if case .value(let text)? = after.value(attribute).answer {
                try insert(db, tenantID: tenantID, attribute: attribute, text: text)
            }
        }
    }
}

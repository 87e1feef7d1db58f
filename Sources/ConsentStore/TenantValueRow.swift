import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// `tenant_values`: one row per tenant holding all of that tenant's `current_value` rows as one text
/// (issue 20), so an export reads a tenant's values with one step instead of one per attribute. Kept by
/// triggers on `current_value`, so every write of the projection (a recorded or received event, an
/// erasure forgetting a value's text, a centre move, a departing tenant) keeps it in the same
/// transaction; `consent ledger verify` checks it is exactly the `current_value` rows it proves
/// equal to the fold of the ledger.
///
/// The row's text is ``ValueCells``' format (`-` where `current_value.value` is NULL), which `cell(_:)` writes in SQL.
enum TenantValueRow {
    /// The migration that adds the table and its triggers (named so tests can undo it on a real file).
    static let migration = "tenant-values-1"

    /// One `current_value` row as a cell (SQL over the row's columns, each named with `row`: "" or "NEW.").
    static func cell(_ row: String = "") -> String {
        ValueCells.sql(row) { "length(CAST(\($0) AS BLOB))" }
    }

    /// Rewrites the row of tenant `id` (an SQL expression) from its `current_value` rows; none when it has none.
    private static func rebuild(_ id: String) -> String {
        """
        DELETE FROM tenant_values WHERE tenant_id = \(id);
        INSERT INTO tenant_values (tenant_id, cells)
            SELECT tenant_id, group_concat(\(cell()), '') FROM current_value WHERE tenant_id = \(id) GROUP BY tenant_id;
        """
    }

    /// The table, its triggers, and the rows of the tenants already here (one transaction with the migration).
    static let schema = """
        CREATE TABLE tenant_values (tenant_id INTEGER PRIMARY KEY, cells TEXT NOT NULL);
        CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN \(rebuild("NEW.tenant_id")) END;
        CREATE TRIGGER current_value_row_update AFTER UPDATE ON current_value BEGIN
            \(rebuild("OLD.tenant_id")) \(rebuild("NEW.tenant_id"))
        END;
        CREATE TRIGGER current_value_row_delete AFTER DELETE ON current_value BEGIN \(rebuild("OLD.tenant_id")) END;
        INSERT INTO tenant_values (tenant_id, cells)
            SELECT tenant_id, group_concat(\(cell()), '') FROM current_value GROUP BY tenant_id ORDER BY tenant_id;
        """

    /// The migration after it: a new current value appends its cell to the row instead of rewriting the row
    /// from all the tenant's values (a registration of 13 values rewrote it 13 times, +33% CPU for `consent
    /// demo`). The projection write deletes a value's old row before inserting the new one (a plain INSERT,
    /// which fails rather than replace), so the delete trigger has already taken the old cell out.
    static let appendMigration = "tenant-values-2"

    /// Replaces the insert trigger by the appending one.
    static let appendOnInsert = """
        DROP TRIGGER current_value_row_insert;
        CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN
            INSERT INTO tenant_values (tenant_id, cells) VALUES (NEW.tenant_id, \(cell("NEW.")))
                ON CONFLICT (tenant_id) DO UPDATE SET cells = cells || excluded.cells;
        END;
        """
}

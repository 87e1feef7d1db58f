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
/// The row's text is ``ValueCells``' format (`-` where `current_value.value` is NULL), led by a shared source: the
/// source of the tenant's earliest current value by clock (the registration, while its values stand; clocks compare
/// across devices, sequence numbers do not), so each cell from it holds `=` instead of its device, sequence, clock and
/// writer. Files migrated before `tenant-values-3` wrote every cell's source; their migrations still do, so a file
/// whose upgrade stopped part-way holds only what its `user_version` promises.
enum TenantValueRow {
    /// The migration that adds the table and its triggers (named so tests can undo it on a real file).
    static let migration = "tenant-values-1"

    /// How a row is written: every cell with its own source (`tenant-values-1` and `-2`), or led by a shared one.
    private enum Form { case everyCellItsSource, sharedSource }

    /// `current_value` row `row`'s source ("" or "NEW." prefixes its columns).
    private static func source(_ row: String) -> String {
        ValueCells.sourceSQL(row, byteLength: byteLength)
    }

    private static func byteLength(_ text: String) -> String { "length(CAST(\(text) AS BLOB))" }

    /// The rows of the tenants whose `current_value` rows meet `condition` (SQL over `tenant_id`): `(tenant_id, cells)`.
    /// The shared source is the one of the row with the lowest `hlc` (SQLite takes a bare column from the row `min()`
    /// chose); each tenant's cells are one correlated seek, in attribute order, so no temporary B-tree sorts the
    /// register (0.5 s at 100,000 tenants).
    static func rows(where condition: String) -> String { rows(where: condition, .sharedSource) }

    private static func rows(where condition: String, _ form: Form) -> String {
        switch form {
        case .everyCellItsSource:
            "SELECT tenant_id, group_concat(\(ValueCells.cellSQL("", byteLength: byteLength)), '') FROM current_value WHERE \(condition) GROUP BY tenant_id"
        case .sharedSource:
            """
            SELECT s.tenant_id, s.shared || ';' || (
                SELECT group_concat(\(ValueCells.cellSQL("c.", byteLength: byteLength, sharedWhen: "\(source("c.")) = s.shared")), '')
                FROM current_value c WHERE c.tenant_id = s.tenant_id)
            FROM (SELECT tenant_id, \(source("")) AS shared, min(hlc) FROM current_value WHERE \(condition) GROUP BY tenant_id) s
            """
        }
    }

    /// Rewrites the row of tenant `id` (an SQL expression: `?` twice binds two arguments) from its `current_value`
    /// rows; none when it has none.
    static func rebuild(_ id: String) -> String { rebuild(id, .sharedSource) }

    private static func rebuild(_ id: String, _ form: Form) -> String {
        """
        DELETE FROM tenant_values WHERE tenant_id = \(id);
        INSERT INTO tenant_values (tenant_id, cells) \(rows(where: "tenant_id = \(id)", form));
        """
    }

    /// A new current value appends its cell to the tenant's row. In the shared form it holds `=` when its source is
    /// the row's shared one (found as the row's first characters: a source is self-delimiting), or starts the row
    /// with its source as the shared one. The projection write deletes a value's old row before inserting the new
    /// one (a plain INSERT, which fails rather than replace), so the delete trigger has already taken the old cell out.
    private static func appendingInsertTrigger(_ form: Form) -> String {
        let (first, next): (String, String)
        switch form {
        case .everyCellItsSource:
            (first, next) = (ValueCells.cellSQL("NEW.", byteLength: byteLength), "excluded.cells")
        case .sharedSource:
            first = "\(source("NEW.")) || ';' || \(ValueCells.cellSQL("NEW.", byteLength: byteLength, sharedWhen: "1"))"
            next = ValueCells.cellSQL("NEW.", byteLength: byteLength,
                                      sharedWhen: "substr(cells, 1, length(\(source("NEW."))) + 1) = \(source("NEW.")) || ';'")
        }
        return """
            CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN
                INSERT INTO tenant_values (tenant_id, cells) VALUES (NEW.tenant_id, \(first))
                    ON CONFLICT (tenant_id) DO UPDATE SET cells = cells || \(next);
            END;
            """
    }

    /// The update and delete triggers: each rewrites the rows it touched.
    private static func rewriteTriggers(_ form: Form) -> String {
        """
        CREATE TRIGGER current_value_row_update AFTER UPDATE ON current_value BEGIN
            \(rebuild("OLD.tenant_id", form)) \(rebuild("NEW.tenant_id", form))
        END;
        CREATE TRIGGER current_value_row_delete AFTER DELETE ON current_value BEGIN \(rebuild("OLD.tenant_id", form)) END;
        """
    }

    private static func fill(_ form: Form) -> String { "INSERT INTO tenant_values (tenant_id, cells) \(rows(where: "1", form));" }

    /// The table, its triggers (the insert trigger then rewrote the row too), and the rows of the tenants already here
    /// (one transaction with the migration).
    static let schema = """
        CREATE TABLE tenant_values (tenant_id INTEGER PRIMARY KEY, cells TEXT NOT NULL);
        CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN \(rebuild("NEW.tenant_id", .everyCellItsSource)) END;
        \(rewriteTriggers(.everyCellItsSource))
        \(fill(.everyCellItsSource))
        """

    /// The migration after it: a new current value appends its cell to the row instead of rewriting the row
    /// from all the tenant's values (a registration of 13 values rewrote it 13 times, +33% CPU for `consent demo`).
    static let appendMigration = "tenant-values-2"

    /// Replaces the insert trigger by the appending one.
    static let appendOnInsert = "DROP TRIGGER current_value_row_insert; \(appendingInsertTrigger(.everyCellItsSource))"

    /// The migration that writes the shared source once a row (each cell repeated it: about 33 bytes of 60).
    static let sharedSourceMigration = "tenant-values-3"

    /// Replaces the triggers by those writing the shared source and rewrites every row with it.
    static let sharedSource = """
        DROP TRIGGER current_value_row_insert; DROP TRIGGER current_value_row_update; DROP TRIGGER current_value_row_delete;
        \(appendingInsertTrigger(.sharedSource))
        \(rewriteTriggers(.sharedSource))
        DELETE FROM tenant_values;
        \(fill(.sharedSource))
        """
}

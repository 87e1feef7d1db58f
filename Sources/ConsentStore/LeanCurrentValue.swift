import ConsentCore
import SyncProtocol

/// `current_value` as migration `current-value-lean-1` leaves it (issue 20): each value's writer by its number in
/// `device` (`writer_device`, as `source_device` numbers the source event's device), in place of its name repeated in
/// every row, and no copy of the value's text, which `tenant_values` already holds: a current value is named by its
/// source event, whose value row holds the text. 160-180 bytes a tenant of an imported register. The writer is the
/// source event's device except where a verification confirmed a correction, so it stays a column of its own.
///
/// `tenant_values` cells still name the writer and hold the text; their triggers join `device` and the value row
/// (`TenantValueRow.Form.lean`), and an erasure forgetting a current value's text rewrites its tenant's row.
/// The table is rebuilt in key order in the migration's transaction, so a crash leaves the file as it was; the
/// triggers and index on it are dropped first (SQLite checks every trigger naming a table it renames) and made again.
enum LeanCurrentValue {
    /// The migration's name.
    static let migration = "current-value-lean-1"

    /// The projection table as this migration leaves it, named `name`.
    static func table(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL, status TEXT NOT NULL,
            source_device INTEGER NOT NULL, source_seq INTEGER NOT NULL,
            hlc INTEGER NOT NULL, writer_device INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, attribute_id)
        ) WITHOUT ROWID;
        """
    }

    /// The join of `current_value` row `row` ("c.", "NEW." prefixes its columns) to the value row holding its text,
    /// as `alias`: the row its source event wrote, only where the status is `value` (for a special category it is in
    /// the vault, so there is none here).
    static func textJoin(_ row: String, as alias: String) -> String {
        """
        LEFT JOIN value \(alias) ON \(row)status = 'value' AND \(alias).device_no = \(row)source_device \
        AND \(alias).device_seq = \(row)source_seq AND \(alias).attribute_id = \(row)attribute_id
        """
    }

    /// An erasure that forgets a current value's text (its value row's `value` set NULL) rewrites its tenant's row, in `form`.
    static func erasureTrigger(_ form: TenantValueRow.Form) -> String {
        """
        CREATE TRIGGER value_erased_rewrites_tenant_values AFTER UPDATE OF value ON value
        WHEN NEW.value IS NULL AND OLD.value IS NOT NULL AND EXISTS (
            SELECT 1 FROM current_value WHERE tenant_id = NEW.tenant_id AND attribute_id = NEW.attribute_id
            AND source_device = NEW.device_no AND source_seq = NEW.device_seq)
        BEGIN \(TenantValueRow.rebuild("NEW.tenant_id", form)) END;
        """
    }

    /// The triggers and index on `current_value` and on the value rows it names, as the file holds them after this migration.
    static let dependents = """
        \(TenantValueRow.triggers(.lean))
        \(OfficeMoveSchema.projectionTriggers(running: OfficeColumns.follow(where:)))
        \(erasureTrigger(.lean))
        \(ConsentDatabase.jointTenancyIndex);
        """

    /// Drops the triggers and index on `current_value` (and the trigger on `value` naming it) that the migrations
    /// before this one made.
    static let dropDependents = """
        DROP TRIGGER current_value_row_insert; DROP TRIGGER current_value_row_update; DROP TRIGGER current_value_row_delete;
        DROP TRIGGER current_value_office_insert; DROP TRIGGER current_value_office_update; DROP TRIGGER current_value_office_delete;
        DROP TRIGGER value_erased_forgets_current;
        DROP INDEX current_value_joint_tenancy;
        """

    /// Numbers every writer (each is the device of an event in the ledger, so already numbered; a name that is not
    /// is numbered here rather than lost), copies the rows with their writers' numbers, and swaps the tables.
    static let upgrade = """
        \(dropDependents)
        INSERT OR IGNORE INTO device (id) SELECT DISTINCT writer FROM current_value;
        \(table("current_value_lean"))
        INSERT INTO current_value_lean (tenant_id, attribute_id, status, source_device, source_seq, hlc, writer_device)
            SELECT c.tenant_id, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, d.no
            FROM current_value c CROSS JOIN device d ON d.id = c.writer ORDER BY c.tenant_id, c.attribute_id;
        DROP TABLE current_value;
        ALTER TABLE current_value_lean RENAME TO current_value;
        \(dependents)
        """
}

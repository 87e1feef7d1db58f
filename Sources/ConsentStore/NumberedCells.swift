import ConsentCore
import GRDB
import SyncProtocol

/// `tenant_values` cells naming each attribute by its number (migration `tenant-values-numbered-1`, issue 20): a cell
/// writes `#<number>` in place of the attribute's counted name (`9:full-name`), about 10 bytes fewer a cell and 130 a
/// tenant, which an export also reads fewer of. The numbers are the store's own, in table `attribute` (as `device`
/// numbers devices); a trigger numbers an attribute before its first `current_value` row is written, and the row
/// triggers join the number (`TenantValueRow.Form.numbered`). Readers map numbers to ids with ``numbers(_:)`` and
/// ``AttributeNames``. A PostgreSQL centre's rows keep names; the parser reads both.
///
/// The migration numbers the attributes held, replaces the row triggers and the erasure trigger by numbered ones, and
/// rewrites every row in one transaction, so a crash leaves the file as it was.
enum NumberedCells {
    /// The migration's name.
    static let migration = "tenant-values-numbered-1"

    /// Numbers a `current_value` row's attribute before the row is written, so the row triggers (after it) find it.
    /// Not dropped by a bulk batch (``TenantValueDeferral`` drops only the row insert trigger).
    static let numberingTrigger = """
        CREATE TRIGGER current_value_numbers_attribute BEFORE INSERT ON current_value
        BEGIN INSERT OR IGNORE INTO attribute (id) VALUES (NEW.attribute_id); END;
        """

    static let upgrade = """
        CREATE TABLE attribute (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
        INSERT INTO attribute (id) SELECT DISTINCT attribute_id FROM current_value ORDER BY attribute_id;
        \(numberingTrigger)
        DROP TRIGGER current_value_row_insert; DROP TRIGGER current_value_row_update; DROP TRIGGER current_value_row_delete;
        DROP TRIGGER value_erased_rewrites_tenant_values;
        \(TenantValueRow.triggers(.numbered))
        \(LeanCurrentValue.erasureTrigger(.numbered))
        DELETE FROM tenant_values;
        INSERT INTO tenant_values (tenant_id, cells) \(TenantValueRow.rows(where: "1", .numbered));
        """

    /// The store's numbering of attributes.
    static func numbers(_ db: Database) throws -> [AttributeID: Int64] {
        var out: [AttributeID: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT no, id FROM attribute") { out[AttributeID(row["id"] as String)] = row["no"] }
        return out
    }
}

import ConsentCore
import GRDB
import SyncProtocol

/// `tenant_values` cells naming each attribute by its number (migration `tenant-values-numbered-1`, issue 20): a cell
/// writes `#<number>` in place of the attribute's counted name (`9:full-name`), about 12 bytes fewer a cell and 160 a
/// tenant, which an export also reads fewer of. The numbers are the store's own, in table `attribute` (as `device`
/// numbers devices); the projection write numbers an attribute before its first `current_value` row
/// (``AttributeNumbering``), and the row triggers join the number (`TenantValueRow.Form.numbered`); a cell whose
/// attribute has no number (written by a process of the version before) keeps its counted name instead. Readers map numbers to ids with ``numbers(_:)`` and
/// ``AttributeNames``. A PostgreSQL centre's rows keep names; the parser reads both.
///
/// The migration numbers the attributes held, replaces the row triggers and the erasure trigger by numbered ones, and
/// rewrites every row in one transaction, so a crash leaves the file as it was.
enum NumberedCells {
    /// The migration's name.
    static let migration = "tenant-values-numbered-1"

    static let upgrade = """
        CREATE TABLE attribute (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
        INSERT INTO attribute (id) SELECT DISTINCT attribute_id FROM current_value ORDER BY attribute_id;
        DROP TRIGGER current_value_row_insert; DROP TRIGGER current_value_row_update; DROP TRIGGER current_value_row_delete;
        DROP TRIGGER value_erased_rewrites_tenant_values;
        \(TenantValueRow.triggers(.numbered))
        \(LeanCurrentValue.erasureTrigger(.numbered))
        DELETE FROM tenant_values;
        INSERT INTO tenant_values (tenant_id, cells) \(TenantValueRow.rows(where: "1", .numbered));
        """

    /// The store's numbering of attributes: each number and the attribute it stands for.
    static func numbers(_ db: Database) throws -> [Int64: AttributeID] {
        var out: [Int64: AttributeID] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT no, id FROM attribute") { out[row["no"]] = AttributeID(row["id"] as String) }
        return out
    }
}

/// The attributes the store has numbered, read once when first needed; ``number(_:in:)`` numbers one the first time a
/// current value of it is written (`ProjectionRows.saveValue`), as `DeviceNumbers` numbers a device, so the row
/// triggers find its number. (A trigger doing it cost 0.65 µs a row: 0.8 s of 1.3 million values.)
struct AttributeNumbering {
    private var numbers: [AttributeID: Int64]?

    /// The attribute's number, given it here when it has none.
    @discardableResult
    mutating func number(_ attribute: AttributeID, in db: Database) throws -> Int64 {
        if numbers == nil {
            numbers = Dictionary(try NumberedCells.numbers(db).map { ($0.value, $0.key) }, uniquingKeysWith: min)
        }
        if let known = numbers?[attribute] { return known }
        try db.execute(sql: "INSERT OR IGNORE INTO attribute (id) VALUES (?)", arguments: [attribute.rawValue])
        let given = try Int64.fetchOne(db, sql: "SELECT no FROM attribute WHERE id = ?", arguments: [attribute.rawValue]) ?? 0
        numbers?[attribute] = given
        return given
    }
}

import SyncProtocol

extension PostgresSchema {
    /// Each tenant's current values as one text (`tenant_values`, the cells of ``ValueCells`` in attribute order; a
    /// SQLite store keeps the same cells), so an export reads one short row a tenant instead of the server building the text
    /// from `current_value` for every page (7 of its 9 ms). Kept by statement triggers on `current_value` that
    /// rebuild the rows of the tenants a statement touched (a push's projection is one delete and one copy; a
    /// migration copies in batches); filled by ``v20``. Written to run again harmlessly, since tests take a centre
    /// back to older schemas. `audit verify` checks it against `current_value` (`driftedCellsQuery`).
    static let v19 = """
        CREATE TABLE IF NOT EXISTS tenant_values (tenant_id bigint PRIMARY KEY, cells text NOT NULL);
        \(refreshFunction);
        DROP TRIGGER IF EXISTS tenant_values_insert ON current_value;
        CREATE TRIGGER tenant_values_insert AFTER INSERT ON current_value REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION tenant_values_refresh();
        DROP TRIGGER IF EXISTS tenant_values_update ON current_value;
        CREATE TRIGGER tenant_values_update AFTER UPDATE ON current_value REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION tenant_values_refresh();
        DROP TRIGGER IF EXISTS tenant_values_delete ON current_value;
        CREATE TRIGGER tenant_values_delete AFTER DELETE ON current_value REFERENCING OLD TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION tenant_values_refresh();
        """

    /// The texts lead with a shared source (``ValueCells``: a cell from it holds `=`, about 40% of the bytes fewer):
    /// the triggers' function writes them so, and every row is written again.
    static let v20 = """
        \(refreshFunction);
        DELETE FROM tenant_values;
        INSERT INTO tenant_values (tenant_id, cells) \(rows(where: "true"));
        """

    /// Rewrites the texts of the tenants in the trigger's transition table `changed`.
    private static let refreshFunction = """
        CREATE OR REPLACE FUNCTION tenant_values_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
        DELETE FROM tenant_values WHERE tenant_id IN (SELECT tenant_id FROM changed); \
        INSERT INTO tenant_values (tenant_id, cells) \(rows(where: "tenant_id IN (SELECT tenant_id FROM changed)")); \
        RETURN NULL; END $$
        """

    /// PostgreSQL's length in bytes of text `text`.
    private static func octetLength(_ text: String) -> String { "octet_length(\(text))" }

    /// `current_value` row `row`'s source ("" or "c." prefixes its columns).
    private static func source(_ row: String) -> String {
        ValueCells.sourceSQL(row, byteLength: octetLength)
    }

    /// The texts `(tenant_id, cells)` of the tenants whose `current_value` rows meet `condition` (over `tenant_id`):
    /// the shared source is that of the tenant's earliest value by clock (then device number, sequence and writer, so
    /// the audit's rebuild chooses the same one), the cells in attribute order.
    static func rows(where condition: String) -> String {
        """
        SELECT c.tenant_id, s.shared || ';' || string_agg(\(ValueCells.cellSQL("c.", byteLength: octetLength,
            sharedWhen: "\(source("c.")) = s.shared")), '' ORDER BY c.attribute_id) \
        FROM (SELECT DISTINCT ON (tenant_id) tenant_id, \(source("")) AS shared FROM current_value WHERE \(condition) \
        ORDER BY tenant_id, hlc, source_device, source_seq, writer) s \
        JOIN current_value c ON c.tenant_id = s.tenant_id GROUP BY c.tenant_id, s.shared
        """
    }

    /// Tenants whose `tenant_values` text is not what their current values make (altered, or left behind).
    static let driftedCellsQuery = """
        SELECT t.ref FROM tenant t
        LEFT JOIN tenant_values v ON v.tenant_id = t.id
        LEFT JOIN (\(rows(where: "true"))) x (tenant_id, cells) ON x.tenant_id = t.id
        WHERE v.cells IS DISTINCT FROM x.cells ORDER BY t.ref LIMIT 20
        """
}

import SyncProtocol

extension PostgresSchema {
    /// Each tenant's current values as one text (`tenant_values`, the cells of ``ValueCells`` in attribute order, as
    /// a SQLite store keeps them), so an export reads one short row a tenant instead of the server building the text
    /// from `current_value` for every page (7 of its 9 ms). Kept by statement triggers on `current_value` that
    /// rebuild the rows of the tenants a statement touched (a push's projection is one delete and one copy; a
    /// migration copies in batches), filled for the rows already here; written to run again harmlessly, since tests
    /// take a centre back to older schemas. `audit verify` checks it against `current_value` (`driftedCellsQuery`).
    static let v19 = """
        CREATE TABLE IF NOT EXISTS tenant_values (tenant_id bigint PRIMARY KEY, cells text NOT NULL);
        CREATE OR REPLACE FUNCTION tenant_values_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
        DELETE FROM tenant_values WHERE tenant_id IN (SELECT tenant_id FROM changed); \
        INSERT INTO tenant_values (tenant_id, cells) SELECT c.tenant_id, \(aggregate) FROM current_value c \
        WHERE c.tenant_id IN (SELECT tenant_id FROM changed) GROUP BY c.tenant_id; \
        RETURN NULL; END $$;
        DROP TRIGGER IF EXISTS tenant_values_insert ON current_value;
        CREATE TRIGGER tenant_values_insert AFTER INSERT ON current_value REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION tenant_values_refresh();
        DROP TRIGGER IF EXISTS tenant_values_update ON current_value;
        CREATE TRIGGER tenant_values_update AFTER UPDATE ON current_value REFERENCING NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION tenant_values_refresh();
        DROP TRIGGER IF EXISTS tenant_values_delete ON current_value;
        CREATE TRIGGER tenant_values_delete AFTER DELETE ON current_value REFERENCING OLD TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION tenant_values_refresh();
        DELETE FROM tenant_values;
        INSERT INTO tenant_values (tenant_id, cells) SELECT c.tenant_id, \(aggregate) FROM current_value c GROUP BY c.tenant_id;
        """

    /// A tenant's `current_value` rows `c` as their `tenant_values` text.
    static let aggregate = "string_agg(\(ValueCells.sql("c.") { "octet_length(\($0))" }), '' ORDER BY c.attribute_id)"

    /// Tenants whose `tenant_values` text is not what their current values make (altered, or left behind).
    static let driftedCellsQuery = """
        SELECT t.ref FROM tenant t
        LEFT JOIN tenant_values v ON v.tenant_id = t.id
        LEFT JOIN (SELECT c.tenant_id, \(aggregate) AS cells FROM current_value c GROUP BY c.tenant_id) x ON x.tenant_id = t.id
        WHERE v.cells IS DISTINCT FROM x.cells ORDER BY t.ref LIMIT 20
        """
}

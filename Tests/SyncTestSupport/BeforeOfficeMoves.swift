import ConsentCore
import SyncProtocol

/// What takes a centre back to how a program from before moves were numbered where they took effect
/// (`tenant.office_central`) left it, for tests that open an older centre and see it upgraded.
public enum BeforeOfficeMoves {
    /// On a SQLite centre: back to before the office columns (migrations `tenant-office-1` and `office-move-1`
    /// not run, their triggers, index and columns gone), so opening it runs both.
    public static let sqlite = """
        DROP TRIGGER current_value_office_insert; DROP TRIGGER current_value_office_update; DROP TRIGGER current_value_office_delete;
        DROP INDEX tenant_by_move; ALTER TABLE tenant DROP COLUMN office; ALTER TABLE tenant DROP COLUMN office_central;
        DELETE FROM grdb_migrations WHERE identifier IN ('tenant-office-1', 'office-move-1');
        """

    /// On a PostgreSQL centre, one statement each: back to schema 16, with the event that set each office kept
    /// (`office_device`, `office_dseq`) as that schema's trigger kept it (the schema version is the caller's to set).
    public static let postgres = [
        "DROP TRIGGER ledger_move ON ledger",
        "ALTER TABLE tenant DROP COLUMN office_central, ADD COLUMN office_device bigint, ADD COLUMN office_dseq bigint",
        "CREATE OR REPLACE FUNCTION tenant_follows_office() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + "IF TG_OP <> 'INSERT' THEN \(OfficeColumns.followBeforeMoves(where: "id = OLD.tenant_id")); END IF; "
            + "IF TG_OP <> 'DELETE' THEN \(OfficeColumns.followBeforeMoves(where: "id = NEW.tenant_id")); END IF; RETURN NULL; END $$",
        OfficeColumns.followBeforeMoves(where: "id IN (SELECT tenant_id FROM current_value WHERE attribute_id = '\(Office.attribute.rawValue)')"),
    ]
}

/// What takes a centre back to how a program before `tenant.office_central` left it (SQLite migration
/// `office-move-1`, PostgreSQL schema 17), for tests that open an older centre and see it upgraded.
public enum BeforeOfficeMoves {
    /// On a SQLite centre: its triggers, index and column gone, the migration not run.
    public static let sqlite = """
        DROP TRIGGER current_value_move_insert; DROP TRIGGER current_value_move_update; DROP TRIGGER current_value_move_delete;
        DROP INDEX tenant_by_move; ALTER TABLE tenant DROP COLUMN office_central;
        DELETE FROM grdb_migrations WHERE identifier = 'office-move-1';
        """

    /// On a PostgreSQL centre, one statement each: its triggers, function, index and column gone (the schema
    /// version is the caller's to set back).
    public static let postgres = [
        "DROP TRIGGER current_value_move_write ON current_value", "DROP TRIGGER current_value_move_delete ON current_value",
        "DROP TRIGGER ledger_move ON ledger", "DROP FUNCTION tenant_follows_move()", "DROP INDEX tenant_by_move",
        "ALTER TABLE tenant DROP COLUMN office_central",
    ]
}

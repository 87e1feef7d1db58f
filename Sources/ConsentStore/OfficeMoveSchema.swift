import ConsentCore
import GRDB
import SyncProtocol

/// `tenant.office_central`, the central sequence at which a move set each tenant's current office
/// (`OfficeColumns`), in place of the event that set it (`office_device`, `office_dseq`): a centre places a
/// move where it took effect, at the verification that confirmed it when it waited for evidence. The
/// triggers on the projection keep it with the office, in one row write: a SQLite store writes and numbers
/// an event's ledger row before the projection it changes (a PostgreSQL push writes the projection first,
/// so its centre also has a trigger on the ledger; one here would cost every event stored). With an index
/// of the moved tenants, which a departure query reads by when they moved; filled for those already moved.
enum OfficeMoveSchema {
    /// The migration's name.
    static let migration = "office-move-1"

    /// Replaces the columns and triggers, adds the index, and fills the new column.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            DROP TRIGGER current_value_office_insert; DROP TRIGGER current_value_office_update; DROP TRIGGER current_value_office_delete;
            ALTER TABLE tenant DROP COLUMN office_device; ALTER TABLE tenant DROP COLUMN office_dseq;
            ALTER TABLE tenant ADD COLUMN office_central INTEGER;
            CREATE INDEX tenant_by_move ON tenant (office_central) WHERE office_central IS NOT NULL;
            \(projectionTriggers(running: OfficeColumns.follow(where:)))
            \(OfficeColumns.follow(where: OfficeColumns.movedTenants));
            """)
    }

    /// The triggers on `current_value` that run `statement` (given the tenants to update) for each change of a
    /// tenant's office in the projection: the office columns' migrations, this one and `tenant-office-1`, make them,
    /// and this one drops them by name, so their names and conditions are fixed by those migrations.
    static func projectionTriggers(running statement: (String) -> String) -> String {
        let office = Office.attribute.rawValue
        return """
            CREATE TRIGGER current_value_office_insert AFTER INSERT ON current_value WHEN NEW.attribute_id = '\(office)'
            BEGIN \(statement("id = NEW.tenant_id")); END;
            CREATE TRIGGER current_value_office_update AFTER UPDATE ON current_value
            WHEN NEW.attribute_id = '\(office)' OR OLD.attribute_id = '\(office)'
            BEGIN \(statement("id IN (NEW.tenant_id, OLD.tenant_id)")); END;
            CREATE TRIGGER current_value_office_delete AFTER DELETE ON current_value WHEN OLD.attribute_id = '\(office)'
            BEGIN \(statement("id = OLD.tenant_id")); END;
            """
    }
}

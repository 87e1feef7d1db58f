import ConsentCore
import GRDB
import SyncProtocol

/// `tenant.office_central`: the central sequence at which a move set each tenant's current office
/// (`OfficePull.followMove`), so a centre places a move where it took effect, at the verification that
/// confirmed it when it waited for evidence. Kept by triggers on the projection alone: a SQLite centre writes
/// and numbers an event's ledger row before the projection it changes (a PostgreSQL push writes the projection
/// first, so its centre also has a trigger on the ledger), and a ledger trigger here would cost every event
/// stored. With an index of the moved tenants, which a departure query reads by when they moved; filled for
/// the tenants already moved.
enum OfficeMoveSchema {
    /// The migration's name.
    static let migration = "office-move-1"

    /// Adds the column, its triggers and index, and fills it.
    static func migrate(_ db: Database) throws {
        let office = Office.attribute.rawValue
        try db.execute(sql: """
            ALTER TABLE tenant ADD COLUMN office_central INTEGER;
            CREATE INDEX tenant_by_move ON tenant (office_central) WHERE office_central IS NOT NULL;
            CREATE TRIGGER current_value_move_insert AFTER INSERT ON current_value WHEN NEW.attribute_id = '\(office)'
            BEGIN \(OfficePull.followMove(where: "id = NEW.tenant_id")); END;
            CREATE TRIGGER current_value_move_update AFTER UPDATE ON current_value
            WHEN NEW.attribute_id = '\(office)' OR OLD.attribute_id = '\(office)'
            BEGIN \(OfficePull.followMove(where: "id IN (NEW.tenant_id, OLD.tenant_id)")); END;
            CREATE TRIGGER current_value_move_delete AFTER DELETE ON current_value WHEN OLD.attribute_id = '\(office)'
            BEGIN \(OfficePull.followMove(where: "id = OLD.tenant_id")); END;
            \(OfficePull.followMove(where: OfficePull.movedTenants));
            """)
    }
}

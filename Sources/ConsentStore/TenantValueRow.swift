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
/// whose upgrade stopped part-way holds only what its `user_version` promises. Since `current-value-lean-1`
/// (``LeanCurrentValue``) `current_value` numbers the writer and holds no text, so a cell takes the writer's name from
/// `device` and the text from the value row the source event wrote.
enum TenantValueRow {
    /// The migration that adds the table and its triggers (named so tests can undo it on a real file).
    static let migration = "tenant-values-1"

    /// How a row is written: every cell with its own source (`tenant-values-1` and `-2`), or led by a shared one
    /// (`tenant-values-3`), from `current_value` rows naming their writer and holding their text, or (`lean`) numbering
    /// the writer and holding none, or (`numbered`, ``NumberedCells``) also writing each attribute by its number.
    enum Form { case everyCellItsSource, sharedSource, lean, numbered }

    /// The aliases under which a lean form joins the writer's `device` row, the `value` row and the attribute's number to
    /// `current_value` row `row` ("", "c." or "NEW." prefixes its columns).
    private static func aliases(_ row: String) -> (device: String, value: String, attribute: String) {
        switch row {
        case "": ("d", "v", "a")
        case "c.": ("cd", "cv", "ca")
        default: ("nd", "nv", "na")
        }
    }

    private static func isLean(_ form: Form) -> Bool { form == .lean || form == .numbered }

    /// The writer's name of `current_value` row `row`.
    private static func writer(_ form: Form) -> (String) -> String {
        isLean(form) ? { aliases($0).device + ".id" } : { $0 + "writer" }
    }

    /// The text of `current_value` row `row`: none unless its status is `value`.
    private static func text(_ form: Form) -> (String) -> String {
        isLean(form) ? { aliases($0).value + ".value" } : { $0 + "value" }
    }

    /// The attribute's number, for the numbered form.
    private static func attributeNumber(_ form: Form) -> ((String) -> String)? {
        form == .numbered ? { aliases($0).attribute + ".no" } : nil
    }

    /// What a lean form joins to `current_value` row `row` (unprefixed rows need only the writer: the value row's
    /// columns would make theirs ambiguous).
    private static func joins(_ form: Form, _ row: String, text: Bool = true) -> String {
        guard isLean(form) else { return "" }
        let (device, value, attribute) = aliases(row)
        let writerJoin = " CROSS JOIN device \(device) ON \(device).no = \(row)writer_device"
        guard text else { return writerJoin }
        let numberJoin = form == .numbered ? " LEFT JOIN attribute \(attribute) ON \(attribute).id = \(row)attribute_id" : ""
        return "\(writerJoin)\(numberJoin) \(LeanCurrentValue.textJoin(row, as: value))"
    }

    /// `current_value` row `row`'s source ("" or "NEW." prefixes its columns).
    private static func source(_ row: String, _ form: Form) -> String {
        ValueCells.sourceSQL(row, byteLength: byteLength, writer: writer(form))
    }

    private static func cell(_ row: String, _ form: Form, sharedWhen shared: String? = nil) -> String {
        ValueCells.cellSQL(row, byteLength: byteLength, writer: writer(form), value: text(form), attributeNumber: attributeNumber(form),
                           sharedWhen: shared)
    }

    private static func byteLength(_ text: String) -> String { "length(CAST(\(text) AS BLOB))" }

    /// The rows of the tenants whose `current_value` rows meet `condition` (SQL over `tenant_id`): `(tenant_id, cells)`.
    /// The shared source is the one of the row with the lowest `hlc` (SQLite takes a bare column from the row `min()`
    /// chose); each tenant's cells are one correlated seek, in attribute order, so no temporary B-tree sorts the
    /// register (0.5 s at 100,000 tenants).
    static func rows(where condition: String) -> String { rows(where: condition, .numbered) }

    static func rows(where condition: String, _ form: Form) -> String {
        switch form {
        case .everyCellItsSource:
            "SELECT tenant_id, group_concat(\(cell("", form)), '') FROM current_value WHERE \(condition) GROUP BY tenant_id"
        case .sharedSource, .lean, .numbered:
            """
            SELECT s.tenant_id, s.shared || ';' || (
                SELECT group_concat(\(cell("c.", form, sharedWhen: "\(source("c.", form)) = s.shared")), '')
                FROM current_value c\(joins(form, "c.")) WHERE c.tenant_id = s.tenant_id)
            FROM (SELECT tenant_id, \(source("", form)) AS shared, min(hlc) FROM current_value\(joins(form, "", text: false))
                  WHERE \(condition) GROUP BY tenant_id) s
            """
        }
    }

    /// Rewrites the row of tenant `id` (an SQL expression: `?` twice binds two arguments) from its `current_value`
    /// rows; none when it has none.
    static func rebuild(_ id: String) -> String { rebuild(id, .numbered) }

    static func rebuild(_ id: String, _ form: Form) -> String {
        """
        DELETE FROM tenant_values WHERE tenant_id = \(id);
        INSERT INTO tenant_values (tenant_id, cells) \(rows(where: "tenant_id = \(id)", form));
        """
    }

    /// A new current value appends its cell to the tenant's row. In the shared form it holds `=` when its source is
    /// the row's shared one (found as the row's first characters: a source is self-delimiting), or starts the row
    /// with its source as the shared one. The projection write deletes a value's old row before inserting the new
    /// one (a plain INSERT, which fails rather than replace), so the delete trigger has already taken the old cell out.
    /// The lean form appends to a row there is, else starts one, each from one join of the writer and the value row.
    private static func appendingInsertTrigger(_ form: Form) -> String {
        let (first, next): (String, String)
        switch form {
        case .everyCellItsSource:
            (first, next) = (cell("NEW.", form), "excluded.cells")
        case .sharedSource, .lean, .numbered:
            first = "\(source("NEW.", form)) || ';' || \(cell("NEW.", form, sharedWhen: "1"))"
            next = cell("NEW.", form, sharedWhen: "substr(cells, 1, length(\(source("NEW.", form))) + 1) = \(source("NEW.", form)) || ';'")
        }
        guard !isLean(form) else {
            let from = "FROM (SELECT 1)\(joins(form, "NEW."))"
            return """
                CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN
                    UPDATE tenant_values SET cells = cells || (SELECT \(next) \(from)) WHERE tenant_id = NEW.tenant_id;
                    INSERT INTO tenant_values (tenant_id, cells) SELECT NEW.tenant_id, \(first) \(from)
                        WHERE NOT EXISTS (SELECT 1 FROM tenant_values WHERE tenant_id = NEW.tenant_id);
                END;
                """
        }
        return """
            CREATE TRIGGER current_value_row_insert AFTER INSERT ON current_value BEGIN
                INSERT INTO tenant_values (tenant_id, cells) VALUES (NEW.tenant_id, \(first))
                    ON CONFLICT (tenant_id) DO UPDATE SET cells = cells || \(next);
            END;
            """
    }

    /// The insert, update and delete triggers of `form`, which a migration rebuilding `current_value` creates again.
    static func triggers(_ form: Form) -> String { "\(appendingInsertTrigger(form)) \(rewriteTriggers(form))" }

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
        \(triggers(.sharedSource))
        DELETE FROM tenant_values;
        \(fill(.sharedSource))
        """
}

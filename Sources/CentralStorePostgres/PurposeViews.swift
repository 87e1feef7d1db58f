import CentralStore
import ConsentCore
import Foundation
import PostgresNIO

/// Consent-safe views for downstream tools: for each purpose, a view in schema `consent_views`
/// that shows only the rows and columns the policy allows for that purpose *now* (evaluated at
/// query time with `clock_timestamp()`), and a role that may read that view and nothing else. A
/// reporting tool or spreadsheet logs in as a user granted that role.
///
/// The rules are those of `Policy` and the export gate (`ExportGate`), written in SQL over the
/// projection tables:
/// - a cell shows a value only when one is held (not erased, not "prefer not to say") and no restriction the
///   tenant asked for is in force on it (`restricted_attribute`);
/// - consent purposes: only with a grant in force (expressed, not expired, not withdrawn);
/// - objection purposes (public task, legitimate interests): unless the tenant objected or withdrew;
/// - contract and legal obligation: always;
/// - a tenant's row is there only when every attribute the purpose `requires` is allowed, and at
///   least one cell shows a value.
///
/// Each view is a `security_barrier`: a reporting login's own function in a WHERE clause, however
/// cheap, is called only on the rows the view shows. The views call no function of ours, so none
/// needs marking `LEAKPROOF`; a reader's plain comparisons (`tenant = 'T1'`) use leakproof built-in
/// operators and are still pushed into the view.
///
/// Special-category columns are left out of every view: the centre holds those values sealed
/// under keys it does not have, so SQL cannot open them (equality and regulator figures come from
/// `consent stats` / `consent return` on a machine with the key). A special attribute the purpose
/// requires still gates the row, on its decision (an explicit grant, as the export gate wants)
/// and on a value being held.
///
/// A purpose whose rows leave only pseudonymised (`rows: pseudonymised`: equality monitoring, the CORE
/// return) has no view: the pseudonym needs a key SQL does not hold, and a view of its rows would hand a
/// reporting login the references and dates of birth its exports never carry. Its figures come from
/// `consent stats`, its rows from `consent export` / `consent return`.
public enum PurposeViews {
    /// The schema holding the views.
    public static let schema = "consent_views"

    /// The view's name for a purpose (`emergency-contact` → `emergency_contact`).
    public static func viewName(_ purpose: PurposeID) -> String { identifier(purpose.rawValue) }

    /// The role's name for a purpose, with a prefix (role names are shared by all databases of a server).
    public static func roleName(_ purpose: PurposeID, prefix: String) -> String { identifier(prefix + purpose.rawValue) }

    /// The column name of an attribute (`full-name` → `full_name`).
    public static func columnName(_ attribute: AttributeID) -> String { identifier(attribute.rawValue) }

    static func identifier(_ text: String) -> String {
        String(text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// Whether a purpose gets a view: not when its rows may leave only pseudonymised.
    public static func hasView(_ purpose: PurposeDefinition) -> Bool { !purpose.pseudonymisedRows }

    /// The columns a purpose's view shows: `tenant`, then its ordinary (not special) attributes.
    public static func columns(of purpose: PurposeDefinition, in catalogue: Catalogue) -> [AttributeID] {
        purpose.attributes.filter { catalogue.attribute($0).map { !$0.isSpecial } ?? false }
    }

    /// The SQL of one purpose's view.
    static func viewSQL(_ purpose: PurposeDefinition, in catalogue: Catalogue) -> String {
        let p = literal(purpose.id.rawValue)
        func decisionAllows(_ attribute: AttributeID, explicitGrant: Bool) -> String {
            "NOT EXISTS (SELECT 1 FROM restricted_attribute r WHERE r.tenant_id = t.id AND r.attribute_id = \(literal(attribute.rawValue))) AND "
                + basisAllows(attribute, explicitGrant: explicitGrant)
        }
        func basisAllows(_ attribute: AttributeID, explicitGrant: Bool) -> String {
            let match = "d.tenant_id = t.id AND d.attribute_id = \(literal(attribute.rawValue)) AND d.purpose_id = \(p)"
            let granted = "EXISTS (SELECT 1 FROM decision d WHERE \(match) AND d.state = 'granted' AND d.effective_at <= n.ms AND (d.valid_until IS NULL OR d.valid_until > n.ms))"
            if explicitGrant { return granted }
            let notStopped = "NOT EXISTS (SELECT 1 FROM decision d WHERE \(match) AND d.state IN ('objected', 'withdrawn'))"
            switch purpose.legalBasis.control {
            // Under a legal obligation a refusal recorded earlier stands (Policy): the cell stays empty here.
            case .fixed: return purpose.legalBasis.carriesRefusal ? notStopped : "true"
            case .optIn: return granted
            case .optOut: return notStopped
            }
        }
        func heldValue(_ attribute: AttributeID) -> String {
            """
            (SELECT v.value FROM current_value cv JOIN value v ON v.device_no = cv.source_device AND v.device_seq = cv.source_seq
              AND v.attribute_id = cv.attribute_id
             WHERE cv.tenant_id = t.id AND cv.attribute_id = \(literal(attribute.rawValue)) AND cv.status = 'value' AND NOT v.prefer_not)
            """
        }
        let shown = columns(of: purpose, in: catalogue)
        var select = ["t.ref AS tenant"]
        for attribute in shown {
            select.append("CASE WHEN \(decisionAllows(attribute, explicitGrant: false)) THEN \(heldValue(attribute)) END AS \(columnName(attribute))")
        }
        var conditions: [String] = []
        for attribute in purpose.requires {
            if catalogue.attribute(attribute)?.isSpecial ?? true {
                conditions.append("""
                    EXISTS (SELECT 1 FROM current_value cv WHERE cv.tenant_id = t.id AND cv.attribute_id = \(literal(attribute.rawValue)) AND cv.status = 'value')
                    AND \(decisionAllows(attribute, explicitGrant: true))
                    """)
            } else {
                conditions.append("\(heldValue(attribute)) IS NOT NULL AND \(decisionAllows(attribute, explicitGrant: false))")
            }
        }
        let inner = """
            SELECT \(select.joined(separator: ",\n       "))
            FROM tenant t CROSS JOIN (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) n
            \(conditions.isEmpty ? "" : "WHERE " + conditions.map { "(\($0))" }.joined(separator: "\n  AND "))
            """
        let anyShown = shown.isEmpty ? "false" : "COALESCE(\(shown.map { "x." + columnName($0) }.joined(separator: ", "))) IS NOT NULL"
        // A security barrier: a reader's own conditions (a function of theirs in WHERE) run only on
        // the rows the view shows, never before its conditions on rows it hides.
        return "CREATE VIEW \(schema).\(viewName(purpose.id)) WITH (security_barrier) AS SELECT x.* FROM (\(inner)) x WHERE \(anyShown)"
    }

    /// The statements that (re)create every purpose's view and role: views are dropped and made
    /// again (a purpose's attributes may have changed), roles are made when missing, and each role
    /// gets `SELECT` on its own view's columns and `USAGE` on the schema, nothing else.
    public static func statements(for catalogue: Catalogue, rolePrefix: String = "consent_") -> [String] {
        var out = [
            "CREATE SCHEMA IF NOT EXISTS \(schema)",
            "REVOKE ALL ON SCHEMA \(schema) FROM PUBLIC",
        ]
        for purpose in catalogue.purposes {
            let view = "\(schema).\(viewName(purpose.id))"
            let role = roleName(purpose.id, prefix: rolePrefix)
            out.append("DROP VIEW IF EXISTS \(view)")
            guard hasView(purpose) else { continue }
            out.append(viewSQL(purpose, in: catalogue))
            out.append("REVOKE ALL ON \(view) FROM PUBLIC")
            out.append("""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = \(literal(role))) THEN CREATE ROLE \(role) NOLOGIN; END IF;
                END $$
                """)
            out.append("GRANT USAGE ON SCHEMA \(schema) TO \(role)")
            let columns = ["tenant"] + columns(of: purpose, in: catalogue).map(columnName)
            out.append("GRANT SELECT (\(columns.joined(separator: ", "))) ON \(view) TO \(role)")
        }
        return out
    }
}

extension PostgresCentralStore {
    /// Creates or refreshes the purpose views and their roles, in one transaction.
    public func installPurposeViews(rolePrefix: String = "consent_") async throws(CentralStoreError) {
        let statements = PurposeViews.statements(for: catalogue, rolePrefix: rolePrefix)
        try await transaction { connection in
            for statement in statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
            }
        }
    }
}

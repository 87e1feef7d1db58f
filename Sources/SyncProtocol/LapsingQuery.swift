import ConsentCore

/// The read behind `consent expiry`, written once for both stores (the device's or SQLite centre's
/// database, and a PostgreSQL centre): the grants in force whose end falls in a window, from the
/// `decision` projection both keep alike. `Expiry.lapsing` then applies the rule.
public enum LapsingQuery {
    /// The query; `state`, `after` and `upTo` are the store's placeholders for the granted state and the
    /// window's ends in milliseconds (`?` for SQLite, `$1`… for PostgreSQL). Its columns are those of
    /// ``Expiry/Row``: reference, purpose, attribute, state, effective and end milliseconds.
    public static func sql(state: String, after: String, upTo: String) -> String {
        """
        SELECT t.ref, d.purpose_id, d.attribute_id, d.state, d.effective_at, d.valid_until
        FROM decision d JOIN tenant t ON t.id = d.tenant_id
        WHERE d.state = \(state) AND d.valid_until > \(after) AND d.valid_until <= \(upTo)
        """
    }

    /// The audit line of a listing (who, the window, how many; never a name or a reference).
    public static func auditLine(_ grants: [LapsingGrant], within days: Int, by who: String) -> String {
        let tenants = Set(grants.map(\.tenant)).count
        let what = "expiry list by \(TextSafety.displaySafe(who)): \(grants.count) grants of \(tenants) tenants lapsing within \(days) days"
        return String(what.prefix(1_000))
    }
}

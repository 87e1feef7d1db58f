import ConsentCore
import Foundation

/// What a centre keeps beside each tenant about their office, so an office's pull, its departures and the
/// scopes of its fetches and disclosures find it with one lookup of the tenant: `tenant.office` (the current
/// value of `Office.attribute`; NULL when none is recorded or the answer is "prefer not to say") and
/// `tenant.office_central`, the central sequence at which a move set it.
///
/// A move takes effect where the office became current: a correction of the office applies at once with
/// evidence, and its own number is the move's; without evidence (by phone, say) it waits, and the number is
/// that of the verification that confirmed it. An office given at registration has none (NULL): a
/// registration has no earlier events, so every query here reads that as 0.
///
/// The same statement keeps both columns at both centres, run by triggers on `current_value` (and on devices,
/// where nothing reads them), and at a PostgreSQL centre by one on the ledger's office corrections and
/// verifications too, since its push writes the projection before the ledger rows (a SQLite store writes and
/// numbers an event's ledger row first).
public enum OfficeColumns {
    /// The central sequence at which a move set tenant `t`'s current office, 0 when none did.
    public static let officeSetAt = "coalesce(t.office_central, 0)"

    /// Sets `office` and `office_central` from the projection and the ledger for the tenants `condition`
    /// selects (one row write each). The ledger rows may not be there yet (a PostgreSQL push writes the
    /// projection first): the office is still set, and the move's number waits for the ledger's trigger.
    public static func follow(where condition: String) -> String {
        """
        UPDATE tenant SET (office, office_central) = (SELECT v.value, \(moveNumber) \
        FROM \(officeSources) WHERE c.tenant_id = tenant.id AND c.attribute_id = '\(Office.attribute.rawValue)') WHERE \(condition)
        """
    }

    /// The references of the tenants (the first 20) whose `office` or `office_central` is not what
    /// ``follow(where:)`` sets from the projection and the ledger: a column changed by hand, or a write the
    /// triggers missed. `ledger verify` and `audit verify --database` report each. SQLite and PostgreSQL alike.
    public static let driftQuery = """
        SELECT t.ref FROM tenant t LEFT JOIN (SELECT c.tenant_id, v.value AS office, \(moveNumber) AS moved \
        FROM \(officeSources) WHERE c.attribute_id = '\(Office.attribute.rawValue)') e ON e.tenant_id = t.id \
        WHERE t.office IS DISTINCT FROM e.office OR t.office_central IS DISTINCT FROM e.moved ORDER BY t.id LIMIT 20
        """

    /// What verification reports for a tenant ``driftQuery`` names.
    public static func drift(_ ref: String) -> String {
        "tenant \(TextSafety.displaySafe(ref)): the office kept beside them (tenant.office, office_central) is not what their events give, " +
            "so pulls may send them to the wrong devices"
    }

    /// The central number of the move that made current value `c` (a correction `s`) current: its own, or when
    /// it waited for evidence the first verification that approved it; NULL when `s` is not a correction.
    private static let moveNumber = """
        CASE WHEN s.kind <> 'correction' THEN NULL WHEN s.pending THEN \
        (SELECT min(a.central_seq) FROM ledger a JOIN device d ON d.id = a.target_device WHERE a.tenant_id = s.tenant_id \
        AND a.kind = 'verification' AND a.state = 'approved' AND a.attribute_id = '\(Office.attribute.rawValue)' AND a.target_seq = s.device_seq \
        AND d.no = s.device_no) ELSE s.central_seq END
        """

    /// A current value `c` with its value row `v` and ledger row `s`.
    private static let officeSources = """
        current_value c LEFT JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id \
        LEFT JOIN ledger s ON s.device_no = c.source_device AND s.device_seq = c.source_seq
        """

    /// The office values in effect for the tenant whose id is `tenant` by central sequence `by`, as SQL rows
    /// (`office`, `hlc`, `at`) for SQLite and PostgreSQL alike: the value (NULL for "prefer not to say", '' for
    /// one erased since, so never none), and the clock and central sequence at which it took effect. A value that
    /// applied at once took effect at its own event; one that waited for evidence, at the first verification of
    /// the office, if that approved it (the merge writes it there; a later one changes nothing). A move still
    /// waiting, rejected, or confirmed only after `by` is not there: the office it named did not hold the tenant
    /// by then. `by` is written twice, so it must be a numbered mark (`?4`, `$4`) or a literal.
    public static func valuesInEffect(tenant: String, by: String) -> String {
        let office = Office.attribute.rawValue
        let text = "CASE WHEN pv.value IS NULL AND NOT pv.prefer_not THEN '' ELSE pv.value END"
        let values = "ledger p JOIN value pv ON pv.device_no = p.device_no AND pv.device_seq = p.device_seq AND pv.attribute_id = '\(office)'"
        return """
            SELECT \(text) AS office, p.hlc AS hlc, p.central_seq AS at FROM \(values) \
            WHERE p.tenant_id = \(tenant) AND p.central_seq <= \(by) AND NOT coalesce(p.pending, false) \
            UNION ALL SELECT \(text), a.hlc, a.central_seq FROM \(values) \
            JOIN device pd ON pd.no = p.device_no JOIN ledger a ON a.tenant_id = p.tenant_id AND a.kind = 'verification' \
            AND a.attribute_id = '\(office)' AND a.target_device = pd.id AND a.target_seq = p.device_seq \
            WHERE p.tenant_id = \(tenant) AND p.pending AND a.state = 'approved' AND a.central_seq <= \(by) \
            AND NOT EXISTS (SELECT 1 FROM ledger w WHERE w.tenant_id = p.tenant_id AND w.kind = 'verification' AND w.attribute_id = '\(office)' \
            AND w.target_device = pd.id AND w.target_seq = p.device_seq AND w.central_seq < a.central_seq)
            """
    }

    /// The condition on a new ledger row `NEW` under which a PostgreSQL centre runs ``follow(where:)`` again for
    /// its tenant: a correction of the office, or a verification that may confirm one.
    public static let movingRow = "NEW.attribute_id = '\(Office.attribute.rawValue)' AND NEW.kind IN ('correction', 'verification')"

    /// The tenants whose office a move set, which ``follow(where:)`` fills when `office_central` is added.
    public static let movedTenants = """
        id IN (SELECT c.tenant_id FROM current_value c JOIN ledger s ON s.device_no = c.source_device AND s.device_seq = c.source_seq \
        WHERE c.attribute_id = '\(Office.attribute.rawValue)' AND s.kind = 'correction')
        """

    /// The statement the triggers of SQLite migration `tenant-office-1` and PostgreSQL schema 8 ran, when the
    /// centres kept the event that set the office (`office_device`, `office_dseq`) instead of the move's number;
    /// kept as it was, so those migrations make the schema the later ones change.
    public static func followBeforeMoves(where condition: String) -> String {
        let office = Office.attribute.rawValue
        return """
            UPDATE tenant SET office = (SELECT v.value FROM current_value c JOIN value v ON v.device_no = c.source_device \
            AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id WHERE c.tenant_id = tenant.id AND c.attribute_id = '\(office)'), \
            office_device = (SELECT c.source_device FROM current_value c WHERE c.tenant_id = tenant.id AND c.attribute_id = '\(office)'), \
            office_dseq = (SELECT c.source_seq FROM current_value c WHERE c.tenant_id = tenant.id AND c.attribute_id = '\(office)') \
            WHERE \(condition)
            """
    }
}

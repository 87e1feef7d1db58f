/// `decision` keyed by (purpose, tenant, attribute), so an export reads its purpose's rows as one range: the
/// upgrade that re-keys an older file, and how one tenant's rows are found under that key. A pass over the whole
/// register reads them by ``DecisionsInRegisterOrder``; writes name the whole key.
enum DecisionByPurpose {
    /// The migration's name (named so tests can undo it on a real file).
    static let migration = "decision-by-purpose-1"

    /// Copies the rows in the new key order in one transaction (a crash leaves the file as it was) and recreates the
    /// staff desk's index. Frozen: its column list is the first schema's, written out, not shared with it.
    static let upgrade = """
        \(table("decision_by_purpose"))
        INSERT INTO decision_by_purpose SELECT
            tenant_id, attribute_id, purpose_id, state, event_device, event_seq, central_seq, effective_at, notice_version,
            language, valid_until, actor, actor_id, verification, reason, channel, reconfirm_device, reconfirm_seq, blocking
            FROM decision ORDER BY purpose_id, tenant_id, attribute_id;
        DROP TABLE decision;
        ALTER TABLE decision_by_purpose RENAME TO decision;
        CREATE INDEX decision_reconfirm ON decision (tenant_id) WHERE reconfirm_seq IS NOT NULL;
        """

    /// The table this migration makes, named `name`: every decision column of the first schema (before
    /// `decision-lean-1` read the event's own from the ledger), keyed by purpose.
    static func table(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL, purpose_id TEXT NOT NULL,
            state TEXT NOT NULL, event_device INTEGER NOT NULL, event_seq INTEGER NOT NULL, central_seq INTEGER,
            effective_at INTEGER NOT NULL, notice_version INTEGER, language TEXT, valid_until INTEGER,
            actor TEXT NOT NULL, actor_id TEXT, verification TEXT, reason TEXT, channel TEXT NOT NULL,
            reconfirm_device INTEGER, reconfirm_seq INTEGER,
            blocking TEXT,
            PRIMARY KEY (purpose_id, tenant_id, attribute_id)
        ) WITHOUT ROWID;
        """
    }

    /// The purposes `decision` holds rows of, each found by one seek, as a table `decision_purpose(id)` for a
    /// `WITH RECURSIVE` clause; a purpose no longer in Forms is found too.
    static let purposes = """
        decision_purpose(id) AS (
            SELECT min(purpose_id) FROM decision
            UNION ALL
            SELECT (SELECT min(purpose_id) FROM decision WHERE purpose_id > p.id) FROM decision_purpose p WHERE p.id IS NOT NULL)
        """

    /// Every decision of the tenant bound to `?`, sought under each purpose: ``ProjectionRows/decisionColumns``,
    /// then attribute and purpose.
    static let ofTenant = """
        WITH RECURSIVE \(purposes)
        SELECT \(ProjectionRows.decisionColumns), d.attribute_id, d.purpose_id
        FROM decision_purpose p CROSS JOIN decision d ON d.purpose_id = p.id AND d.tenant_id = ? \(LeanDecision.eventJoin)
        """

    /// Removes every decision of the tenant bound to `?`, under each purpose in turn (a departure).
    static let deleteOfTenant = """
        WITH RECURSIVE \(purposes)
        DELETE FROM main.decision WHERE purpose_id IN (SELECT id FROM decision_purpose) AND tenant_id = ?
        """
}

/// `decision` as migration `decision-lean-1` leaves it (issue 20): a decision names the event that set it (a decision,
/// or the held grant a verification confirmed), and what that event says of itself (the notice shown, who took it and
/// how) is read from the event's ledger row instead of being copied into every decision it set, one per attribute.
/// The columns a decision keeps are its own: its state and the dates an export weighs (so an export still reads one
/// range of this table and nothing else), the centre's number, the event to re-confirm and the stops it must have seen.
/// 200-230 bytes a tenant of a demo register.
///
/// The ledger row is joined by the event's (device, sequence), the ledger's unique key. The join is a LEFT JOIN: a
/// decision whose event row were missing still reads, with no actor, so `consent ledger verify` names it rather than
/// a read passing over a withdrawal. The table is rebuilt in key order in the migration's transaction, so a crash
/// leaves the file as it was.
package enum LeanDecision {
    /// The migration's name.
    static let migration = "decision-lean-1"

    /// The projection table as this migration leaves it, named `name`.
    static func table(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL, purpose_id TEXT NOT NULL,
            state TEXT NOT NULL, event_device INTEGER NOT NULL, event_seq INTEGER NOT NULL, central_seq INTEGER,
            effective_at INTEGER NOT NULL, valid_until INTEGER,
            reconfirm_device INTEGER, reconfirm_seq INTEGER,
            -- The withdrawals and objections a grant must have seen to resume use (merge rule state).
            blocking TEXT,
            PRIMARY KEY (purpose_id, tenant_id, attribute_id)
        ) WITHOUT ROWID;
        """
    }

    /// The columns a decision row holds itself, in the order ``ProjectionRows/saveDecision`` binds them after the key.
    static let ownColumns = "state, event_device, event_seq, central_seq, effective_at, valid_until, reconfirm_device, reconfirm_seq, blocking"

    /// A whole decision record over `decision d` joined by ``eventJoin``, in the order
    /// ``ProjectionRows/decisionRecord(_:)`` reads it: 16 columns, the event's own from its ledger row `e`.
    static let recordColumns = """
        d.state, d.event_device, d.event_seq, d.central_seq, d.effective_at, e.notice_version, e.language, d.valid_until,
        e.actor, e.actor_id, e.verification, e.reason, e.channel, d.reconfirm_device, d.reconfirm_seq, d.blocking
        """

    /// The join of `decision d` to the ledger row `e` of the event that set it.
    package static let eventJoin = "LEFT JOIN ledger e ON e.device_no = d.event_device AND e.device_seq = d.event_seq"

    /// Copies the rows in key order without the columns their events hold, swaps the tables and recreates the staff
    /// desk's index.
    static let upgrade = """
        \(table("decision_lean"))
        INSERT INTO decision_lean (tenant_id, attribute_id, purpose_id, \(ownColumns))
            SELECT tenant_id, attribute_id, purpose_id, \(ownColumns) FROM decision ORDER BY purpose_id, tenant_id, attribute_id;
        DROP TABLE decision;
        ALTER TABLE decision_lean RENAME TO decision;
        CREATE INDEX decision_reconfirm ON decision (tenant_id) WHERE reconfirm_seq IS NOT NULL;
        """
}

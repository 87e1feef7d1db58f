/// The copy of each current value's text beside it in `current_value` (issue 20), as migration `current-value-text-1`
/// made it for an export that read values from `current_value`; `current-value-lean-1` drops it again, now that the
/// export reads `tenant_values`.
extension Schema {
    /// The migration that adds `current_value.value` (named so tests can undo it on a real file).
    static let currentValueTextMigration = "current-value-text-1"

    /// `current_value.value`: the text of the `value` row an ordinary current value comes from (NULL for
    /// special categories, which stay sealed in the vault, and for "prefer not to say" and erased values).
    /// The projection write copied it from that row and the trigger forgot the copy when an erasure forgot the row,
    /// until `current-value-lean-1` (``LeanCurrentValue``) dropped the copy; the migrations still make it, so a file's
    /// upgrade runs every step in order.
    static let currentValueText = """
        ALTER TABLE current_value ADD COLUMN value TEXT;
        UPDATE current_value SET value = (
            SELECT v.value FROM value v
            WHERE v.device_no = current_value.source_device AND v.device_seq = current_value.source_seq
              AND v.attribute_id = current_value.attribute_id
        ) WHERE status = 'value';
        \(valueErasedForgetsCurrent)
        """

    /// The trigger that forgets the copy of a value's text when its value row forgets it (an erasure).
    static let valueErasedForgetsCurrent = """
        CREATE TRIGGER value_erased_forgets_current AFTER UPDATE OF value ON value WHEN NEW.value IS NULL
        BEGIN
            UPDATE current_value SET value = NULL
            WHERE tenant_id = NEW.tenant_id AND attribute_id = NEW.attribute_id
              AND source_device = NEW.device_no AND source_seq = NEW.device_seq;
        END;
        """
}

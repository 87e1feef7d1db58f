import ConsentCore
import Foundation

/// Which tenants a device may push changes for: those the centre could have given it. Both centres
/// ask ``outsideQuery(tenants:mark:)`` for a push's tenants and refuse each event of one outside
/// (``PushPlanner``: the event is rejected, and the device keeps it).
///
/// A tenant is in a device's scope when any of these holds:
/// - their office is the device's, or none is recorded (every office holds them, as in `OfficePull`);
/// - they were in that scope as the device's latest pull left it: they existed at the highest central
///   number the centre served the device (`sync_device.served`), with its office or none then. An offline
///   kiosk's change for a tenant who moved away after it last pulled still lands. The centre records what
///   it served, so a device cannot claim an older view, and pulling again only brings its view up to date;
/// - the device was sent them on demand (`tenant_fetch`), at any time;
/// - the device has an event of theirs stored here (it registered them, or changed them while they were
///   in its scope: every stored event passed this check).
///
/// So a tampered kiosk of one office can change no tenant its office did not hold, nor name, as the
/// causal context of a grant, a withdrawal of such a tenant that it could never have pulled. A new
/// tenant has no row yet and is always in scope (a registration opens it).
public enum PushScope {
    /// The SQL, for SQLite and PostgreSQL alike, reading the references of the tenants `tenants` selects
    /// (a condition on `t.ref` in the store's spelling, `IN (?1, …)` or `= ANY($1)`, written first) that
    /// are outside a device's scope. Then, each written by `mark` (1-based, numbered: marks are written more
    /// than once) and bound in this order after the tenants: the device's office, its device number (or -1),
    /// its id, the central number it was last served. The office "then" is the value in effect by that number
    /// (`OfficeColumns.valuesInEffect`: a move that waited counts from the verification that confirmed it) recorded
    /// latest by clock, as the merge picks it; "prefer not to say" is none, and a value erased since counts as
    /// another office, never as none.
    public static func outsideQuery(tenants: String, mark: (Int) -> String) -> String {
        """
        SELECT t.ref FROM tenant t WHERE t.ref \(tenants) AND t.office IS NOT NULL AND t.office <> \(mark(1)) \
        AND NOT EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = t.id AND m.device_no = \(mark(2))) \
        AND NOT EXISTS (SELECT 1 FROM tenant_fetch f WHERE f.device = \(mark(3)) AND f.tenant_id = t.id) \
        AND NOT (EXISTS (SELECT 1 FROM ledger e WHERE e.tenant_id = t.id AND e.central_seq <= \(mark(4))) \
        AND coalesce((SELECT office FROM (\(OfficeColumns.valuesInEffect(tenant: "t.id", by: mark(4)))) AS candidate \
        ORDER BY hlc DESC, at DESC LIMIT 1), \(mark(1))) = \(mark(1)))
        """
    }

    /// What to record as served to a device after a pull page (nil when nothing is to be written): on the
    /// last page of a pull (nothing more in the device's scope), `highest`, the centre's highest central number
    /// as the page was read, since the device was then sent all it could hold up to it, when that is above
    /// `before`. Earlier pages write nothing (one write per sync round, not per page): a pull left part-way
    /// leaves the device's view older, which only lets an honest offline change land, never a wider scope.
    public static func served(before: Int64, page: PullResponse, highest: Int64) -> Int64? {
        guard !page.more, highest > before else { return nil }
        return highest
    }

    /// The SQL recording that the centre served `device` events up to a central number (never lowering it).
    /// Arguments, each written by `mark`: the number, the device's id, the number again.
    public static func recordServed(mark: (Int) -> String) -> String {
        "UPDATE sync_device SET served = \(mark(1)) WHERE id = \(mark(2)) AND served < \(mark(3))"
    }

    /// Why an event for a tenant outside the device's scope is refused, for the device's operator.
    static func refusal(_ record: EventRecord) -> String {
        """
        event \(record.device)#\(record.sequence) (\(record.kind)): tenant \(TextSafety.displaySafe(record.tenant)) is not one this \
        device's office holds: it was not served them by its last pull, nor sent them on demand. The tenant should use their own \
        office, or be found on this device by reference and date of birth first. Set this event aside (`consent sync set-aside`) \
        to send the rest
        """
    }
}

import ConsentCore
import Foundation

/// What both centres do to serve a pull to a device of an office, whatever their storage: which
/// events need the hash they follow, and where a moved-in tenant's earlier events go in a page.
///
/// A device of office O gets the events of tenants in its scope: those whose office (the current
/// value of `Office.attribute`) is O or not set, and those it has changed since their office was last
/// set by a move. A tenant a move took to O after the device's cursor (or gave a first office after
/// registration) has every event before the move held back from the page and sent as one block just
/// before it, so the device receives a moved-in tenant's whole history, registration first, at the
/// next sync. Where a move takes effect is `OfficeColumns`' to say.
public enum OfficePull {
    /// The SQL condition (on ledger `l` and its tenant `t`) selecting a device's events after a cursor,
    /// for SQLite and PostgreSQL alike. Arguments in order: cursor, office, office, the device's number
    /// there (or -1), cursor, each written by `mark` (1-based). `greatest` is the PostgreSQL spelling;
    /// SQLite's is `max`. The tenant's office and when a move set it are read from `tenant`
    /// (`OfficeColumns` keeps them), so each event costs a lookup of its tenant. A tenant of another office is
    /// in scope when the device changed them since the move took effect (an event of theirs from the device
    /// no earlier than it: the device that confirmed or made the move follows them; one that only asked for a
    /// move that waited for evidence does not), so a move away ends what earlier changes there gave.
    public static func filter(greatest: String, mark: (Int) -> String = { _ in "?" }) -> String {
        """
        l.central_seq > \(mark(1)) AND (coalesce(t.office, \(mark(2))) = \(mark(3)) \
        OR EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = l.tenant_id AND m.device_no = \(mark(4)) \
        AND m.central_seq >= \(OfficeColumns.officeSetAt))) \
        AND \(OfficeColumns.officeSetAt) <= \(greatest)(\(mark(5)), l.central_seq)
        """
    }

    /// The references of tenants who left a device's office since its cursor: a move after the cursor set
    /// their current office (another one), the device has no event of theirs since it, and the device could hold
    /// them at the cursor (``heldAt(cursor:office:device:)``). Arguments, each written by `mark` (numbered: marks
    /// are written more than once): cursor, office, the device's number (or -1). Asked only after a first sync (a
    /// device at cursor 0 holds nothing); the tenants are found by when they moved (an index of moved tenants), so
    /// the cost follows the moves since the cursor.
    public static func departedQuery(mark: (Int) -> String) -> String {
        """
        SELECT t.ref FROM tenant t \
        WHERE t.office_central > \(mark(1)) AND t.office IS NOT NULL AND t.office <> \(mark(2)) \
        AND NOT EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = t.id AND m.device_no = \(mark(3)) AND m.central_seq >= t.office_central) \
        AND \(heldAt(cursor: mark(1), office: mark(2), device: mark(3))) \
        ORDER BY t.office_central
        """
    }

    /// The SQL condition (on tenant `t`) that a device of `office` could hold the tenant at pull cursor `cursor`:
    /// they existed then, and no office value in effect by then was another, or one was this office, or the device
    /// had changed them. An approximation that may name a tenant the device no longer holds, never one of an office
    /// it never served: a move that only waited, or was rejected, counts for no office
    /// (`OfficeColumns.valuesInEffect`). Each argument is SQL (a numbered mark), `cursor` and `office` written more
    /// than once. The departures and the disclosure scope (`DisclosureSync.heldScope`) both ask it.
    public static func heldAt(cursor: String, office: String, device: String) -> String {
        let held = OfficeColumns.valuesInEffect(tenant: "t.id", by: cursor)
        return """
            (EXISTS (SELECT 1 FROM ledger e WHERE e.tenant_id = t.id AND e.central_seq <= \(cursor)) \
            AND (NOT EXISTS (SELECT 1 FROM (\(held)) AS other WHERE other.office <> \(office)) \
            OR EXISTS (SELECT 1 FROM (\(held)) AS this WHERE this.office = \(office)) \
            OR EXISTS (SELECT 1 FROM ledger d WHERE d.tenant_id = t.id AND d.device_no = \(device))))
            """
    }

    /// Events of a page that may move their tenant and so may need the tenant's history sent before them,
    /// each then looked up (``movedAtQuery(mark:)``): corrections of the office, and verifications that may
    /// confirm one that waited. A registration has no earlier events.
    /// (Looking up every event, decisions included, took 40% of a centre's CPU while serving pulls.)
    public static func mayMoveIn(_ event: WireEvent) -> Bool {
        event.record.attribute == Office.attribute.rawValue && (event.record.kind == "correction" || event.record.kind == "verification")
    }

    /// Whether a move at a central sequence set a tenant's current office (one row if so). Arguments, each
    /// written by `mark`: the tenant's reference, the event's central sequence.
    public static func movedAtQuery(mark: (Int) -> String) -> String {
        "SELECT 1 FROM tenant WHERE ref = \(mark(1)) AND office_central = \(mark(2))"
    }

    /// The page with each moved-in tenant's earlier events (`histories`, by index of the event that
    /// moved them: a correction of the office, or the verification that confirmed one) placed just before it.
    public static func splice(_ page: [WireEvent], histories: [Int: [WireEvent]]) -> [WireEvent] {
        guard !histories.isEmpty else { return page }
        var result: [WireEvent] = []
        result.reserveCapacity(page.count + histories.values.reduce(0) { $0 + $1.count })
        for (i, event) in page.enumerated() {
            result.append(contentsOf: histories[i] ?? [])
            result.append(event)
        }
        return result
    }

    /// Indexes of events whose predecessor in their device's chain is not the event of that device
    /// just before them in the page (and is not the start of the chain): each needs `previous`.
    public static func unlinked(_ events: [WireEvent]) -> [Int] {
        var last: [String: Int64] = [:]
        var indexes: [Int] = []
        for (i, event) in events.enumerated() {
            let r = event.record
            if r.sequence > 1, last[r.device] != r.sequence - 1 { indexes.append(i) }
            last[r.device] = r.sequence
        }
        return indexes
    }
}

import ConsentCore
import Foundation

/// What both centres do to serve a pull to a device of an office, whatever their storage: which
/// events need the hash they follow, and where a moved-in tenant's earlier events go in a page.
///
/// A device of office O gets the events of tenants in its scope: those whose office (the current
/// value of `Office.attribute`) is O or not set, and those it has itself changed. A tenant whose
/// office was set after the device's cursor (a move into O, or a first office) has every event
/// before that setting held back from the page and sent as one block just before it, so the
/// device receives a moved-in tenant's whole history, registration first, at the next sync.
public enum OfficePull {
    /// The SQL condition (on ledger `l` and its tenant `t`) selecting a device's events after a cursor,
    /// for SQLite and PostgreSQL alike. Arguments in order: cursor, office, office, the device's number
    /// there (or -1), cursor, each written by `mark` (1-based). `greatest` is the PostgreSQL spelling;
    /// SQLite's is `max`. The tenant's office is read from `tenant` (``followOffice(where:)`` keeps it),
    /// so each event costs a lookup of its tenant, and of the event that set their office if they have one.
    /// A tenant of another office is in scope when the device changed them since they joined it (an event
    /// of theirs from the device no earlier than the one that set their office: the device that moved
    /// them follows them), so a move away ends what earlier changes there gave.
    public static func filter(greatest: String, mark: (Int) -> String = { _ in "?" }) -> String {
        """
        l.central_seq > \(mark(1)) AND (coalesce(t.office, \(mark(2))) = \(mark(3)) \
        OR EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = l.tenant_id AND m.device_no = \(mark(4)) \
        AND m.central_seq >= \(officeSetAt))) \
        AND (t.office_device IS NULL OR \(officeSetAt) <= \(greatest)(\(mark(5)), l.central_seq))
        """
    }

    /// The central sequence of the event that set tenant `t`'s current office (0 if none did).
    static let officeSetAt = """
        coalesce((SELECT o.central_seq FROM ledger o WHERE o.device_no = t.office_device AND o.device_seq = t.office_dseq), 0)
        """

    /// Sets `tenant.office` (the current office, NULL when none is recorded, it was erased or the answer
    /// is "prefer not to say") and `office_device`/`office_dseq` (the event that set it) from the
    /// projection, for the tenants `condition` selects: run by a trigger on `current_value` in both
    /// centres (and on devices, where nothing reads it), and over every tenant when the columns are added.
    public static func followOffice(where condition: String) -> String {
        let office = Office.attribute.rawValue
        return """
            UPDATE tenant SET office = (SELECT v.value FROM current_value c JOIN value v ON v.device_no = c.source_device \
            AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id WHERE c.tenant_id = tenant.id AND c.attribute_id = '\(office)'), \
            office_device = (SELECT c.source_device FROM current_value c WHERE c.tenant_id = tenant.id AND c.attribute_id = '\(office)'), \
            office_dseq = (SELECT c.source_seq FROM current_value c WHERE c.tenant_id = tenant.id AND c.attribute_id = '\(office)') \
            WHERE \(condition)
            """
    }

    /// The references of tenants who left a device's office since its cursor: the event that set their
    /// current office (another one) is after the cursor, the device has no event of theirs since (that one
    /// included), and at the cursor the device could hold them (they existed, and had no other office
    /// before it, or had this office at some time before it, or the device had changed them; an
    /// approximation that may name a tenant the device no longer holds, never one of an office it never
    /// served). Arguments in order: cursor, office, the device's number (or -1), cursor, cursor, office,
    /// device number. Asked only after a first sync (a device at cursor 0 holds nothing); the ledger is
    /// read from the cursor on, as the page is.
    public static func departedQuery(mark: (Int) -> String = { _ in "?" }) -> String {
        let office = Office.attribute.rawValue
        return """
            SELECT t.ref FROM ledger o JOIN tenant t ON t.id = o.tenant_id AND t.office_device = o.device_no AND t.office_dseq = o.device_seq \
            WHERE o.central_seq > \(mark(1)) AND o.kind IN (\(setterKinds)) AND t.office IS NOT NULL AND t.office <> \(mark(2)) \
            AND NOT EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = o.tenant_id AND m.device_no = \(mark(3)) AND m.central_seq >= o.central_seq) \
            AND EXISTS (SELECT 1 FROM ledger e WHERE e.tenant_id = o.tenant_id AND e.central_seq <= \(mark(4))) \
            AND (NOT EXISTS (SELECT 1 FROM ledger p JOIN value pv ON pv.device_no = p.device_no AND pv.device_seq = p.device_seq \
            AND pv.attribute_id = '\(office)' WHERE p.tenant_id = o.tenant_id AND p.central_seq <= \(mark(5)) \
            AND pv.value IS NOT NULL AND pv.value <> \(mark(6))) \
            OR EXISTS (SELECT 1 FROM ledger q JOIN value qv ON qv.device_no = q.device_no AND qv.device_seq = q.device_seq \
            AND qv.attribute_id = '\(office)' WHERE q.tenant_id = o.tenant_id AND q.central_seq <= \(mark(5)) AND qv.value = \(mark(6))) \
            OR EXISTS (SELECT 1 FROM ledger d WHERE d.tenant_id = o.tenant_id AND d.device_no = \(mark(7)))) \
            ORDER BY o.central_seq
            """
    }

    /// Events of a page that may set their tenant's office and so may need the tenant's history
    /// sent before them, each then looked up: corrections of the office. Only a registration or a
    /// correction is ever the source of a current value (an approved verification keeps its correction
    /// as the source, and the office is never erased), and a registration has no earlier events.
    /// (Looking up every event, decisions included, took 40% of a centre's CPU while serving pulls.)
    /// Not covered yet: an office set by a pending correction that a verification approves after the new
    /// office's device pulled past the correction (docs/sync.md, "Left").
    public static func mayMoveIn(_ event: WireEvent) -> Bool {
        event.record.attribute == Office.attribute.rawValue && event.record.kind == "correction"
    }

    /// The kinds of event that can be the source of a tenant's office, as an SQL list: the departed query
    /// tests these alone against their tenant's office, so the decisions after a cursor cost no lookup of their
    /// tenant (serving a pull of 100,000 decisions read the tenant of each one again for every page).
    static let setterKinds = "'registration', 'correction'"

    /// The page with each moved-in tenant's earlier events (`histories`, by index of the event that
    /// set the office) placed just before that event.
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

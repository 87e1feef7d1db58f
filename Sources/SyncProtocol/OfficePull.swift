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
    /// The SQL condition (on ledger `l`) selecting a device's events after a cursor, for SQLite
    /// and PostgreSQL alike. Arguments in order: cursor, office, office, the device's number there
    /// (or -1), cursor, each written by `mark` (1-based). `greatest` is the PostgreSQL spelling; SQLite's is `max`.
    public static func filter(greatest: String, mark: (Int) -> String = { _ in "?" }) -> String {
        """
        l.central_seq > \(mark(1)) AND (coalesce((SELECT v.value FROM current_value c JOIN value v ON v.device_no = c.source_device \
        AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id WHERE c.tenant_id = l.tenant_id \
        AND c.attribute_id = '\(Office.attribute.rawValue)'), \(mark(2))) = \(mark(3)) \
        OR EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = l.tenant_id AND m.device_no = \(mark(4)))) \
        AND coalesce((SELECT o.central_seq FROM current_value c JOIN ledger o ON o.device_no = c.source_device \
        AND o.device_seq = c.source_seq WHERE c.tenant_id = l.tenant_id AND c.attribute_id = '\(Office.attribute.rawValue)'), 0) \
        <= \(greatest)(\(mark(5)), l.central_seq)
        """
    }

    /// Events of a page that may set their tenant's office and so may need the tenant's history
    /// sent before them (a registration has no earlier events).
    public static func mayMoveIn(_ event: WireEvent) -> Bool { event.record.kind != "registration" }

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

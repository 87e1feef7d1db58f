import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// What `PostgresCentralStore.verify()` gathers while it walks the ledger in central order: each
/// tenant's fold (with values as empty text or "prefer not to say": the projection keeps no text,
/// only which event a value came from) and the values no longer in their rows, which an erasure
/// event must explain. The same two checks `ledger verify` makes at a SQLite store.
struct FoldCheck {
    /// Each tenant's state folded from their events so far, by reference.
    var folded: [String: TenantState] = [:]
    /// Values gone from their rows: where, whose, which attribute, and the recording event's clock.
    private var gone: [(at: String, tenant: String, attribute: String, hlc: Int64)] = []
    /// The latest erasure clock per (tenant, attribute).
    private var erased: [String: Int64] = [:]

    mutating func add(_ event: WireEvent) {
        let r = event.record
        var answers: [AttributeID: AttributeValue] = [:]
        for value in event.values {
            answers[AttributeID(value.attribute)] = value.preferNot ? .preferNotToSay : .value("")
            if value.salt == nil && value.sealed == nil {
                gone.append(("event \(r.device)#\(r.sequence) (central \(event.central ?? 0))", r.tenant, value.attribute, r.hlc))
            }
        }
        if r.kind == "erasure", let attribute = r.attribute {
            erased[r.tenant + "\u{0}" + attribute] = max(erased[r.tenant + "\u{0}" + attribute] ?? .min, r.hlc)
        }
        folded[r.tenant, default: TenantState(ref: TenantRef(r.tenant))].apply(r.event(centralSequence: event.central, answers: answers))
    }

    /// A value may leave its row only by an erasure of it recorded at or after the value's clock.
    func checkErasures(into report: inout PostgresVerification) {
        for value in gone where (erased[value.tenant + "\u{0}" + value.attribute] ?? .min) < value.hlc {
            report.problem("\(value.at): the value of \(value.attribute) is gone but no erasure was recorded")
        }
    }

    /// The first way `stored` differs from `folded`, as a sentence, or nil when they agree (held
    /// grants are not compared: the centre keeps no table of them, it reads them from the ledger).
    static func difference(_ folded: TenantState, _ stored: TenantState) -> String? {
        for key in Set(folded.values.keys).union(stored.values.keys).sorted() where folded.values[key] != stored.values[key] {
            return "the projected value of \(key) differs from the ledger"
        }
        for key in Set(folded.pending.keys).union(stored.pending.keys).sorted()
        where Set(folded.pending[key] ?? []) != Set(stored.pending[key] ?? []) {
            return "the pending corrections of \(key) differ from the ledger"
        }
        for key in Set(folded.decisions.keys).union(stored.decisions.keys).sorted() where folded.decisions[key] != stored.decisions[key] {
            return "the projected decision for \(key.attribute)/\(key.purpose) differs from the ledger"
        }
        for key in Set(folded.markers.keys).union(stored.markers.keys).sorted() where folded.markers[key] != stored.markers[key] {
            return "the projected marker \(key) differs from the ledger"
        }
        return nil
    }
}

extension PostgresCentralStore {
    /// Loads every projection row (values, pending corrections, decisions, markers) and compares each
    /// tenant's with the fold, naming the first tenant (by reference) and what differs.
    func verifyProjection(_ check: FoldCheck, on connection: PostgresConnection, into report: inout PostgresVerification) async throws {
        let projection = try await PostgresProjection(connection: connection, logger: logger)
        var stored: [String: TenantState] = [:]
        func state(_ ref: String) -> TenantState { stored[ref] ?? TenantState(ref: TenantRef(ref)) }
        for try await (ref, attribute, status, device, seq, hlc, writer) in try await connection.query("""
            SELECT t.ref, c.attribute_id, c.status, c.source_device, c.source_seq, c.hlc, c.writer FROM current_value c JOIN tenant t ON t.id = c.tenant_id
            """, logger: logger).decode((String, String, String, Int64, Int64, Int64, String).self) {
            let source = EventID(device: projection.id(device), sequence: seq)
            let value: ValueState = switch status {
            case "erased": .erased(by: source)
            case "prefer-not-to-say": .held(.preferNotToSay, source: source)
            default: .held(.value(""), source: source)
            }
            var s = state(ref)
            s.values[AttributeID(attribute)] = ValueRecord(state: value, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
            stored[ref] = s
        }
        for try await (ref, attribute, device, seq, hlc, preferNot) in try await connection.query("""
            SELECT t.ref, p.attribute_id, p.source_device, p.source_seq, p.hlc, p.prefer_not FROM pending_value p JOIN tenant t ON t.id = p.tenant_id
            """, logger: logger).decode((String, String, Int64, Int64, Int64, Bool).self) {
            var s = state(ref)
            s.pending[AttributeID(attribute), default: []].append(PendingCorrection(
                event: EventID(device: projection.id(device), sequence: seq), value: preferNot ? .preferNotToSay : .value(""), hlc: HLCTimestamp(packed: hlc)))
            stored[ref] = s
        }
        for try await row in try await connection.query("""
            SELECT t.ref, d.attribute_id, d.purpose_id, \(unescaped: PostgresProjection.decisionColumns)
            FROM decision d JOIN tenant t ON t.id = d.tenant_id
            """, logger: logger) {
            let r = row.makeRandomAccess()
            let ref = try r[0].decode(String.self)
            var s = state(ref)
            s.decisions[DecisionKey(AttributeID(try r[1].decode(String.self)), PurposeID(try r[2].decode(String.self)))] = try projection.decisionRecord(r, from: 3)
            stored[ref] = s
        }
        for try await (ref, marker, active, hlc, writer) in try await connection.query("""
            SELECT t.ref, m.marker, m.active, m.hlc, m.writer FROM tenant_marker m JOIN tenant t ON t.id = m.tenant_id
            """, logger: logger).decode((String, String, Bool, Int64, String).self) {
            var s = state(ref)
            s.markers[marker] = MarkerRecord(set: active, hlc: HLCTimestamp(packed: hlc), device: DeviceID(writer))
            stored[ref] = s
        }
        for ref in Set(check.folded.keys).union(stored.keys).sorted() {
            let folded = check.folded[ref] ?? TenantState(ref: TenantRef(ref))
            if let difference = FoldCheck.difference(folded, state(ref)) { report.problem("tenant \(ref): \(difference)") }
        }
    }
}

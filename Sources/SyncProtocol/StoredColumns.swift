import ConsentCore
import Foundation

/// The merge rule's memory of withdrawals and objections (`DecisionRecord.blocking`) as every
/// store keeps it in a decision row's `blocking` column, device or centre, SQLite or PostgreSQL:
/// one stop per line, `device<TAB>sequence<TAB>central<TAB>effective-millis`; NULL in the common
/// case where the record's own event is its only stop (or it has none), which `DecisionRecord`
/// restores by itself, so most rows need no text written or parsed.
public enum StoredBlocking {
    /// The column's text for a record (nil: store NULL).
    public static func encode(_ record: DecisionRecord) -> String? {
        let own = record.state.stopsUse
            ? [StopRef(event: record.event, centralSequence: record.centralSequence, effectiveAt: record.effectiveAt)] : []
        guard record.blocking != own else { return nil }
        return record.blocking.map { s in
            [s.event.device.rawValue, String(s.event.sequence), s.centralSequence.map(String.init) ?? "",
             String(Millis.from(s.effectiveAt))].joined(separator: "\t")
        }.joined(separator: "\n")
    }

    /// The stops a stored text names (a line that does not parse is left out).
    public static func decode(_ text: String) -> [StopRef] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 4, let seq = Int64(f[1]), let effective = Int64(f[3]) else { return nil }
            return StopRef(event: EventID(device: DeviceID(String(f[0])), sequence: seq), centralSequence: Int64(f[2]),
                           effectiveAt: Millis.date(effective))
        }
    }
}

/// A projected value's `status` column, as every store keeps it in `current_value`: `value` (the
/// value itself is in the value tables, or sealed), `prefer-not-to-say`, or `erased`.
public enum StoredValueStatus {
    /// The status to store for a value and the event it comes from; nil when none is held (no row).
    public static func encode(_ state: ValueState) -> (status: String, source: EventID)? {
        switch state {
        case .notHeld: nil
        case let .held(.value, source: s), let .unavailable(source: s): ("value", s)
        case let .held(.preferNotToSay, source: s): ("prefer-not-to-say", s)
        case let .erased(by: s): ("erased", s)
        }
    }

    /// A `value` status's ordinary value from its stored text: a text that is gone reads as unavailable (withheld,
    /// as a seal that does not open is), never as an empty answer; `verify` names the difference.
    public static func value(_ text: String?, source: EventID) -> ValueState {
        text.map { .held(.value($0), source: source) } ?? .unavailable(source: source)
    }

    /// The value a stored status stands for, from event `source`; `held` reads a `value` one (only
    /// then evaluated: opening a sealed value costs).
    public static func decode(_ status: String, source: EventID, held: @autoclosure () -> ValueState) -> ValueState {
        switch status {
        case "erased": .erased(by: source)
        case "prefer-not-to-say": .held(.preferNotToSay, source: source)
        default: held()
        }
    }
}

/// A decision as a read of one purpose across the register takes it from a `decision` row, in every store:
/// ``columns`` selected in that order, read by ``record(state:effectiveAt:validUntil:)`` (``DecisionRecord/inForce``).
public enum StoredDecisionInForce {
    /// The columns, in the order ``record(state:effectiveAt:validUntil:)`` takes them.
    public static let columns = "state, effective_at, valid_until"

    /// The decision those columns hold (an unknown state reads as not asked, as a whole row's does).
    public static func record(state: String, effectiveAt: Int64, validUntil: Int64?) -> DecisionRecord {
        DecisionRecord(inForce: DecisionState(rawValue: state) ?? .notAsked, effectiveAt: Millis.date(effectiveAt),
                       validUntil: validUntil.map(Millis.date))
    }
}

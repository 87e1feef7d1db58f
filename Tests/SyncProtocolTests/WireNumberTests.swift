import ConsentCore
import Foundation
import SyncProtocol
import Testing

/// A received event's numbers are in range or the event is refused, naming it and the number that is not.
@Suite struct WireNumberTests {
    static func record(sequence: Int64 = 5, clock: Int64 = 1_700_000_000_000, effectiveAt: Int64 = 1_700_000_000_000,
                       validUntil: Int64? = nil) -> EventRecord {
        EventRecord(device: "kiosk-1", sequence: sequence, tenant: "T1", kind: "decision", validUntil: validUntil,
                    hlc: HLCTimestamp(millis: clock).packed, effectiveAt: effectiveAt, actor: "tenant", channel: "kiosk")
    }

    @Test func eachNumberOutOfRangeIsNamed() {
        #expect(WireCheck.numberProblem(Self.record()) == nil)
        #expect(WireCheck.numberProblem(Self.record(sequence: 0)) == "event kiosk-1#0: a device sequence is from 1 to \(WireCheck.maxSequence)")
        let late = WireCheck.latestMillis + 1
        for (record, field) in [(Self.record(clock: -1), "clock"), (Self.record(effectiveAt: late), "effective time"),
                                (Self.record(validUntil: late), "end date"), (Self.record(clock: late, effectiveAt: -1), "clock")] {
            #expect(WireCheck.numberProblem(record) == "event kiosk-1#5: its \(field) is before 1970 or after 2300; set the device's clock right")
        }
    }
}

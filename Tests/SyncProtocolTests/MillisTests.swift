import Foundation
import SyncProtocol
import Testing

/// Times from the wire become milliseconds without stopping the program (review 5: a grant "until" 2^63-1 ms
/// trapped in the conversion and took the centre down).
@Suite struct MillisTests {
    @Test func aDateBeyondWhatMillisecondsHoldIsClampedNotATrap() {
        #expect(Millis.from(Millis.date(.max)) == .max)
        #expect(Millis.from(Millis.date(.min)) == .min)
        #expect(Millis.from(Date(timeIntervalSince1970: .nan)) == 0)
        #expect(Millis.from(Date(timeIntervalSince1970: 1_790_000_000.25)) == 1_790_000_000_250)
    }
}

import Foundation
@testable import SyncServer
import Testing

/// The throttle's rules on their own: windows on the clock, a limit per address, one summary per
/// address per window.
@Suite struct RefusalCounterTests {
    /// The start of a minute (1_790_000_040 is a multiple of 60).
    let minute = Date(timeIntervalSince1970: 1_790_000_040)

    @Test func anAddressIsThrottledPastTheLimitUntilTheWindowEnds() {
        var counter = RefusalCounter(limit: 3, window: 60, maxAddresses: 100)
        for second in 0..<3 {
            #expect(counter.admit("10.0.0.1", now: minute.addingTimeInterval(Double(second))) == nil)
            counter.refused("10.0.0.1", code: "unauthenticated", now: minute.addingTimeInterval(Double(second)))
        }
        #expect(counter.admit("10.0.0.1", now: minute.addingTimeInterval(10)) == 50, "wait until the minute ends")
        #expect(counter.admit("10.0.0.1", now: minute.addingTimeInterval(59.5)) == 1)
        #expect(counter.admit("10.0.0.2", now: minute.addingTimeInterval(10)) == nil, "another address is not held back")
        #expect(counter.admit("10.0.0.1", now: minute.addingTimeInterval(60)) == nil, "a new window starts clean")
    }

    @Test func eachAddressIsSummedUpOncePerWindow() {
        var counter = RefusalCounter(limit: 30, window: 60, maxAddresses: 100)
        for i in 0..<1_000 {
            let now = minute.addingTimeInterval(Double(i) * 0.05)
            if counter.admit("10.0.0.1", now: now) == nil { counter.refused("10.0.0.1", code: i == 0 ? "bad-enrolment-code" : "unauthenticated", now: now) }
        }
        counter.refused("10.0.0.2", code: "unauthenticated", now: minute)
        #expect(counter.takeEnded(now: minute.addingTimeInterval(59)).isEmpty, "nothing is written before the window ends")
        let ended = counter.takeEnded(now: minute.addingTimeInterval(61))
        #expect(ended.map(\.address) == ["10.0.0.1", "10.0.0.2"])
        #expect(ended.first?.tally == .init(refused: ["bad-enrolment-code": 1, "unauthenticated": 29], throttled: 970))
        #expect(ended.first?.auditText.contains("30 (bad-enrolment-code 1, unauthenticated 29); 970 more answered 429") == true,
                "\(ended.first?.auditText ?? "")")
        #expect(counter.takeEnded(now: minute.addingTimeInterval(62)).isEmpty, "each window is given once")
    }

    @Test func whatIsCountedWhenTheServerStopsIsNotLost() {
        var counter = RefusalCounter(limit: 30, window: 60, maxAddresses: 100)
        counter.refused("10.0.0.1", code: "unauthenticated", now: minute)
        counter.refused("10.0.0.1", code: "unauthenticated", now: minute.addingTimeInterval(30))
        #expect(counter.takeAll(now: minute.addingTimeInterval(31)).map(\.tally.refusals) == [2])
        #expect(counter.takeAll(now: minute.addingTimeInterval(32)).isEmpty)
    }

    @Test func addressesPastTheMostCountedAreAddedUpTogether() {
        var counter = RefusalCounter(limit: 2, window: 60, maxAddresses: 2)
        for address in ["a", "b", "c", "d", "c"] { counter.refused(address, code: "unauthenticated", now: minute) }
        let ended = counter.takeAll(now: minute)
        #expect(ended.map(\.address) == [RefusalCounter.otherAddresses, "a", "b"])
        #expect(ended.first?.tally.refusals == 3, "memory stays bounded whatever the number of addresses")
    }
}

import Foundation
import SyncProtocol
import Testing

/// What a centre refuses or leaves out of a device's sign-in report on its own, without a database (review 3, G3).
@Suite struct SignInTalliesTests {
    static let now: Int64 = 1_790_000_000_000
    static let day: Int64 = 86_400_000

    func entry(_ at: Int64) -> SignInTallies.Entry {
        SignInTallies.Entry(ref: "T0000004", device: "kiosk-1", failures: 5, firstAt: at, lastAt: at)
    }

    @Test func aCountOrAClearDatedADayAheadIsLeftOutAndTheRestTaken() throws {
        // What is dated a day ahead is left out, each item on its own; the rest of the report is taken.
        let sent = SignInTallies(entries: [entry(Self.now + Self.day), entry(Self.now - 1)],
                                 clears: [.init(ref: "T0000004", at: Self.now + Self.day), .init(ref: "T0000005", at: Self.now - 1)])
        #expect(sent.problem(from: "kiosk-1") == nil)
        let (kept, leftOut) = sent.leavingOutAhead(now: Self.now)
        #expect(leftOut == 2 && kept.entries.map(\.lastAt) == [Self.now - 1] && kept.clears.map(\.ref) == ["T0000005"])
        #expect(SignInTallies.leftOutAhead(leftOut).contains("set it right"))
        // A clock a little fast (within the allowance) is taken.
        let slightly = SignInTallies(entries: [entry(Self.now + SignInTallies.aheadAllowance)])
        #expect(slightly.leavingOutAhead(now: Self.now).leftOut == 0)
    }
}

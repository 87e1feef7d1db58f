import Foundation
import SyncProtocol
import Testing

/// What a centre refuses of a device's sign-in report on its own, without a database (review 3, G3).
@Suite struct SignInTalliesTests {
    static let now: Int64 = 1_790_000_000_000
    static let day: Int64 = 86_400_000

    func entry(_ at: Int64) -> SignInTallies.Entry {
        SignInTallies.Entry(ref: "T0000004", device: "kiosk-1", failures: 5, firstAt: at, lastAt: at)
    }

    @Test func aCountOrAClearDatedADayAheadIsRefusedWithWhatToDo() throws {
        let ahead = SignInTallies(entries: [entry(Self.now + Self.day)]).problem(from: "kiosk-1", now: Self.now)
        #expect(ahead?.contains("count of failures with T0000004 is dated") == true, "\(ahead ?? "taken")")
        #expect(ahead?.contains("1440 minutes ahead of the centre's clock") == true && ahead?.contains("set it right") == true, "\(ahead ?? "taken")")
        let clear = SignInTallies(clears: [.init(ref: "T0000004", at: Self.now + Self.day)]).problem(from: "kiosk-1", now: Self.now)
        #expect(clear?.contains("clear of T0000004 is dated") == true, "\(clear ?? "taken")")
        // A clock a little fast (within the allowance) and one behind are taken.
        let slightly = SignInTallies(entries: [entry(Self.now + SignInTallies.aheadAllowance)], clears: [.init(ref: "T0000004", at: Self.now - 1)])
        #expect(slightly.problem(from: "kiosk-1", now: Self.now) == nil)
    }
}

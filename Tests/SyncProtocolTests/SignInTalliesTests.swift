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

/// How many references one device may count failures for (review 3, G14).
@Suite struct SignInTallyLimitTests {
    func entry(_ ref: String, failures: Int = 5) -> SignInTallies.Entry {
        SignInTallies.Entry(ref: ref, device: "kiosk-1", failures: failures, firstAt: 1, lastAt: 1)
    }

    @Test func newReferencesPastTheLimitAreLeftOutButCountedOnesAndResetsAreKept() {
        let limit = SignInTallies.maxReferencesPerDevice
        let counted = Set((1...(limit - 2)).map { "C\($0)" })
        let sent = SignInTallies(entries: [entry("C1"), entry("N1"), entry("N2"), entry("N3"), entry("N4", failures: 0), entry("N1")])
        let (kept, leftOut) = sent.limitingReferences(alreadyCounted: counted)
        #expect(kept.entries.map(\.ref) == ["C1", "N1", "N2", "N4", "N1"], "room for two new references, resets always")
        #expect(leftOut == 1)
        #expect(SignInTallies.leftOutReferences(leftOut).contains("revoke"))
    }
}

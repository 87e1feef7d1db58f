import ConsentCore
import Foundation
import PropertyBased
import Testing

@Suite struct HLCTests {
    @Test func neverGoesBackwardsWhateverTheWallClockDoes() async {
        await propertyCheck(input: Gen.int64(in: 0...1_000_000).array(of: 1...50)) { walls in
            var clock = HybridLogicalClock()
            var last = HLCTimestamp(millis: -1)
            for wall in walls {
                let t = try clock.tick(wallMillis: wall)
                #expect(t > last)
                #expect(t.millis >= wall)
                last = t
            }
        }
    }

    @Test func receiveOrdersAfterTheRemoteAndRefusesLargeDrift() throws {
        var clock = HybridLogicalClock(maxDriftMillis: 1000)
        let remote = HLCTimestamp(millis: 5500, counter: 3)
        let t = try clock.receive(remote, wallMillis: 5000)
        #expect(t > remote)
        #expect(throws: HLCError.self) { try clock.receive(HLCTimestamp(millis: 9000), wallMillis: 5000) }
    }

    /// A clock that ran while the wall clock was years ahead (review 3, G1): once the wall clock is right
    /// again it refuses to date a change, rather than date it years ahead; within the drift it goes on.
    @Test func aClockFarAheadOfTheWallClockRefusesToTick() throws {
        let day: Int64 = 86_400_000, year2100: Int64 = 4_102_444_800_000
        var clock = HybridLogicalClock(maxDriftMillis: 2 * day)
        _ = try clock.tick(wallMillis: year2100)
        let now: Int64 = 1_790_000_000_000
        #expect(throws: HLCError.aheadOfWallClock(lastMillis: year2100, wallMillis: now, maxDriftMillis: 2 * day)) { try clock.tick(wallMillis: now) }
        let message = HLCError.aheadOfWallClock(lastMillis: year2100, wallMillis: now, maxDriftMillis: 2 * day).description
        #expect(message.contains("2100-01-01T00:00:00Z") && message.contains("Set the system clock right"), "\(message)")
        #expect(clock.last.millis == year2100, "a refused tick moved the clock")
        var fast = HybridLogicalClock(maxDriftMillis: 2 * day)
        _ = try fast.tick(wallMillis: now + day)
        #expect(try fast.tick(wallMillis: now).millis == now + day, "a clock a day ahead still ticks")
    }

    @Test func packingPreservesOrder() async {
        await propertyCheck(input: Gen.int64(in: 0...(1 << 46)), Gen.uint16(in: 0...UInt16.max)) { millis, counter in
            let t = HLCTimestamp(millis: millis, counter: counter)
            #expect(HLCTimestamp(packed: t.packed) == t)
            #expect(HLCTimestamp(packed: t.packed + 1) > t)
        }
    }
}

@Suite struct FoldTests {
    /// Folding in one go equals applying event by event from any split point (the projection can
    /// be updated incrementally and rebuilt from the ledger with the same result).
    @Test func projectionIsTheFoldOfEvents() async {
        let c = Fixture.catalogue
        await propertyCheck(count: 200, input: Gen.int(in: 0...9_999).array(of: 0...40), Gen.int(in: 0...40)) { ops, split in
            let events = ops.enumerated().map { i, op in
                Fixture.event(i % 2 == 0 ? Fixture.kiosk : Fixture.phone, Int64(i + 1), PolicyTests.payload(op, c), hlc: Int64(1000 + i))
            }
            let whole = TenantState.fold(Fixture.ref, events)
            let cut = min(split, events.count)
            var incremental = TenantState.fold(Fixture.ref, events[..<cut])
            for event in events[cut...] { incremental.apply(event) }
            #expect(whole == incremental)
        }
    }

    @Test func correctionsAreLastWriterByClockThenDevice() {
        let a = Fixture.event(Fixture.kiosk, 1, .correction(Fixture.email, .value("new@example.org"), pending: false), hlc: 2000)
        let b = Fixture.event(Fixture.phone, 1, .correction(Fixture.email, .value("old@example.org"), pending: false), hlc: 1000)
        #expect(TenantState.fold(Fixture.ref, [a, b]).value(Fixture.email).answer == .value("new@example.org"))
        #expect(TenantState.fold(Fixture.ref, [b, a]).value(Fixture.email).answer == .value("new@example.org"))
    }

    @Test func pendingCorrectionAppliesOnlyWhenVerified() {
        let reg = Fixture.event(Fixture.kiosk, 1, .registration(values: [Fixture.name: .value("Ann Smith")]), hlc: 1000)
        let pending = Fixture.event(Fixture.kiosk, 2, .correction(Fixture.name, .value("Ann Jones"), pending: true), hlc: 2000)
        var state = TenantState.fold(Fixture.ref, [reg, pending])
        #expect(state.value(Fixture.name).answer == .value("Ann Smith"))
        #expect(state.pending[Fixture.name]?.count == 1)
        state.apply(Fixture.event(Fixture.phone, 1, .verification(of: pending.id, attribute: Fixture.name, approved: true), hlc: 3000))
        #expect(state.value(Fixture.name).answer == .value("Ann Jones"))
        #expect(state.pending[Fixture.name] == nil)
    }
}

@Suite struct HLCOverflowTests {
    /// A bulk import records far more than 65,535 events within one wall-clock millisecond.
    @Test func counterOverflowMovesToTheNextMillisecond() throws {
        var clock = HybridLogicalClock()
        var last = HLCTimestamp(millis: 0)
        for _ in 0..<70_000 {
            let t = try clock.tick(wallMillis: 5)
            #expect(t > last)
            last = t
        }
        #expect(last.millis == 6)
    }
}

/// The kiosk's sign-in throttle: growing waits, then a lock that runs out by itself.
@Suite struct SignInThrottleTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func waitsGrowFromTheThirdFailureAndTheLockRunsOutAfterAQuarterOfAnHour() {
        #expect((1...6).map(SignInThrottle.delay(afterFailures:)) == [0, 0, 2, 4, 900, 900])
        #expect(SignInThrottle.bar(SignInTally(failures: 2, lastAt: now), now: now) == nil)
        #expect(SignInThrottle.bar(SignInTally(failures: 3, lastAt: now - 1), now: now) == .wait(seconds: 1))
        #expect(SignInThrottle.bar(SignInTally(failures: 5, lastAt: now - 60), now: now) == .locked(seconds: 840))
        #expect(SignInThrottle.bar(SignInTally(failures: 5, lastAt: now - 900), now: now) == nil, "a stranger's lock lasts a quarter of an hour")
        #expect(SignInThrottle.bar(SignInTally(failures: 9, lastAt: now - 899), now: now) == .locked(seconds: 1))
    }
}

@Suite struct NeverErasedFoldTests {
    /// An erasure of the office (from a device older than the rule, which the centre keeps) is in the ledger but
    /// changes nothing: the office stays, and an erasure of any other attribute still applies.
    @Test func anOfficeErasureLeavesTheOfficeHeld() {
        let office = Office.attribute, email = AttributeID("email")
        var state = TenantState(ref: Fixture.ref)
        state.apply(Fixture.event(Fixture.kiosk, 1, .registration(values: [office: .value("north"), email: .value("a@example.org")]), hlc: 1_000))
        #expect(state.apply(Fixture.event(Fixture.phone, 1, .erasure(office), hlc: 2_000)) == .superseded)
        #expect(state.apply(Fixture.event(Fixture.phone, 2, .erasure(email), hlc: 3_000)) == .applied)
        guard case .held(.value("north"), _) = state.value(office) else {
            Issue.record("the office was erased: \(state.value(office))")
            return
        }
        guard case .erased = state.value(email) else {
            Issue.record("the email was not erased: \(state.value(email))")
            return
        }
    }
}

import ConsentCore
import Foundation
import SyncProtocol
import Testing

/// The column formats and the verifier's report that the SQLite and PostgreSQL stores share.
@Suite struct StoredColumnsTests {
    static let at = Date(timeIntervalSince1970: 1_790_000_000)
    static let kiosk = EventID(device: DeviceID("kiosk-1"), sequence: 4)

    @Test func blockingIsNullForTheRecordsOwnStopAndRoundTripsOtherwise() {
        let withdrawal = DecisionRecord(state: .withdrawn, event: Self.kiosk, centralSequence: 9, effectiveAt: Self.at, actor: .tenant, channel: .kiosk)
        #expect(StoredBlocking.encode(withdrawal) == nil)
        var merged = withdrawal
        merged.blocking.append(StopRef(event: EventID(device: DeviceID("desk\t2"), sequence: 7), centralSequence: nil, effectiveAt: Self.at))
        let text = StoredBlocking.encode(merged)
        #expect(text != nil)
        // A tab in a device id would break the line: such an id is refused at enrolment, so only the first stop survives.
        #expect(StoredBlocking.decode(text ?? "").count == 1)
        merged.blocking[1].event = EventID(device: DeviceID("desk-2"), sequence: 7)
        #expect(StoredBlocking.decode(StoredBlocking.encode(merged) ?? "") == merged.blocking)
        #expect(StoredBlocking.decode("garbage\nx\ty\tz\tw") == [])
    }

    @Test func valueStatusRoundTrips() {
        let states: [ValueState] = [.held(.value("a"), source: Self.kiosk), .held(.preferNotToSay, source: Self.kiosk), .erased(by: Self.kiosk)]
        for state in states {
            let (status, source) = StoredValueStatus.encode(state) ?? ("", EventID(device: DeviceID(""), sequence: 0))
            #expect(StoredValueStatus.decode(status, source: source, held: .held(.value("a"), source: Self.kiosk)) == state)
        }
        #expect(StoredValueStatus.encode(.notHeld) == nil)
        #expect(StoredValueStatus.encode(.unavailable(source: Self.kiosk))?.status == "value")
    }

    @Test func theVerifierNamesTheFirstDifference() {
        var folded = TenantState(ref: TenantRef("T1"))
        folded.markers["vulnerable"] = MarkerRecord(set: true, hlc: HLCTimestamp(packed: 1), device: DeviceID("kiosk-1"))
        let a = PendingCorrection(event: Self.kiosk, value: .value("x"), hlc: HLCTimestamp(packed: 1))
        let b = PendingCorrection(event: EventID(device: DeviceID("kiosk-1"), sequence: 5), value: .value("y"), hlc: HLCTimestamp(packed: 2))
        folded.pending[AttributeID("email")] = [a, b]
        var stored = folded
        stored.pending[AttributeID("email")] = [b, a]
        #expect(stored.difference(from: folded) == nil, "pending corrections in another order agree")
        stored.markers = [:]
        #expect(stored.difference(from: folded) == "the projected marker vulnerable differs from the ledger")
    }
}

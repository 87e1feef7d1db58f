import ConsentCore
import Foundation
import PropertyBased
import Testing

/// Grants held for a second person, as the fold applies them.
@Suite struct HeldGrantTests {
    static let key = DecisionKey(Fixture.health, Fixture.tailoring)
    static let held = EventPayload.heldGrant(Fixture.tailoring, [Fixture.health], notice: NoticeShown(version: 1, language: "pl"), validUntil: nil)

    func confirm(_ seq: Int64, target: Int64, approved: Bool, hlc: Int64) -> Event {
        Fixture.event(Fixture.phone, seq, .verification(of: EventID(device: Fixture.phone, sequence: target), attribute: Fixture.health, approved: approved), hlc: hlc)
    }

    @Test func heldGrantTakesEffectOnlyWhenConfirmed() {
        var state = TenantState(ref: Fixture.ref)
        state.apply(Fixture.event(Fixture.phone, 1, Self.held, hlc: 1000))
        #expect(state.decisions[Self.key] == nil)
        #expect(state.heldGrants.keys.map(\.sequence) == [1])
        state.apply(confirm(2, target: 1, approved: true, hlc: 5000))
        #expect(state.heldGrants.isEmpty)
        let record = state.decisions[Self.key]
        #expect(record?.state == .granted)
        #expect(record?.event == EventID(device: Fixture.phone, sequence: 1), "the grant is the held event")
        #expect(record?.effectiveAt == Date(timeIntervalSince1970: 1), "expressed when the caller said it")
        #expect(record?.notice == NoticeShown(version: 1, language: "pl"))
    }

    @Test func rejectedHeldGrantLeavesNothing() {
        let state = TenantState.fold(Fixture.ref, [
            Fixture.event(Fixture.phone, 1, Self.held, hlc: 1000), confirm(2, target: 1, approved: false, hlc: 2000),
        ])
        #expect(state.decisions.isEmpty)
        #expect(state.heldGrants.isEmpty)
    }

    /// Random histories of held grants, confirmations, rejections and withdrawals: the decision is
    /// granted only if some held grant was approved, and never over a withdrawal the tenant expressed later.
    @Test func heldGrantsNeverOutrunAWithdrawal() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...999).array(of: 1...12)) { ops in
            var events: [Event] = []
            var heldSeqs: [Int64] = []
            var approved: [Int64] = []
            var lastWithdrawal: Double?
            for (i, op) in ops.enumerated() {
                let seq = Int64(i + 1), hlc = Int64(1000 * (i + 1))
                switch op % 3 {
                case 0:
                    events.append(Fixture.event(Fixture.phone, seq, Self.held, hlc: hlc))
                    heldSeqs.append(seq)
                case 1 where !heldSeqs.isEmpty:
                    let target = heldSeqs.removeFirst()
                    let ok = op % 2 == 0
                    events.append(confirm(seq, target: target, approved: ok, hlc: hlc))
                    if ok { approved.append(target) }
                default:
                    events.append(Fixture.event(Fixture.kiosk, seq, Fixture.decide(Fixture.tailoring, [Fixture.health], .withdrawn), hlc: hlc))
                    lastWithdrawal = Double(hlc) / 1000
                }
            }
            let state = TenantState.fold(Fixture.ref, events)
            #expect(Set(state.heldGrants.keys.map(\.sequence)) == Set(heldSeqs))
            guard let decision = state.decisions[Self.key] else {
                #expect(approved.isEmpty && lastWithdrawal == nil)
                return
            }
            if decision.state == .granted {
                #expect(approved.contains(decision.event.sequence))
                if let lastWithdrawal { #expect(decision.effectiveAt.timeIntervalSince1970 >= lastWithdrawal) }
            }
        }
    }
}

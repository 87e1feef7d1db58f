import ConsentCore
import Foundation
import PropertyBased
import Testing

@Suite struct MergeTests {
    let key = DecisionKey(Fixture.email, Fixture.updates)

    func record(_ state: DecisionState, _ device: DeviceID, _ seq: Int64, effective: Double, central: Int64? = nil) -> DecisionRecord {
        DecisionRecord(state: state, event: EventID(device: device, sequence: seq), centralSequence: central,
                       effectiveAt: Date(timeIntervalSince1970: effective), actor: .tenant, channel: .kiosk)
    }

    @Test func concurrentGrantLosesToWithdrawalWhateverTheClocksSay() {
        // Kiosk A withdrew (central seq 10); phone B, which had seen only up to seq 9, granted later by its clock.
        let withdrawal = record(.withdrawn, Fixture.kiosk, 4, effective: 1000, central: 10)
        let staleGrant = record(.granted, Fixture.phone, 7, effective: 5000)
        let (result, outcome) = DecisionMerge.merge(current: withdrawal, incoming: staleGrant, causalContext: 9)
        #expect(result.state == .withdrawn)
        #expect(outcome == .overriddenByWithdrawal)
        #expect(result.needsReconfirmation == staleGrant.event)
    }

    @Test func grantThatSawTheWithdrawalWins() {
        let withdrawal = record(.withdrawn, Fixture.kiosk, 4, effective: 1000, central: 10)
        let grant = record(.granted, Fixture.phone, 7, effective: 5000)
        #expect(DecisionMerge.merge(current: withdrawal, incoming: grant, causalContext: 10).record.state == .granted)
    }

    @Test func olderPaperGrantNeverOverridesALaterWithdrawalEvenWhenSeen() {
        let withdrawal = record(.withdrawn, Fixture.kiosk, 4, effective: 5000, central: 10)
        let paper = record(.granted, Fixture.phone, 7, effective: 1000)
        let (result, outcome) = DecisionMerge.merge(current: withdrawal, incoming: paper, causalContext: 10)
        #expect(result.state == .withdrawn)
        #expect(outcome == .overriddenByWithdrawal)
    }

    @Test func olderWithdrawalEnteredAfterALaterGrantStopsUseAndAsksForReconfirmation() {
        let grant = record(.granted, Fixture.kiosk, 4, effective: 5000, central: 10)
        let paper = record(.withdrawn, Fixture.phone, 7, effective: 1000)
        let (result, outcome) = DecisionMerge.merge(current: grant, incoming: paper, causalContext: 10)
        #expect(result.state == .withdrawn)
        #expect(outcome == .appliedNeedsReconfirmation)
    }

    @Test func sameDeviceOrderIsCausal() {
        let withdrawal = record(.withdrawn, Fixture.kiosk, 4, effective: 1000)
        let grant = record(.granted, Fixture.kiosk, 5, effective: 2000)
        #expect(DecisionMerge.merge(current: withdrawal, incoming: grant, causalContext: nil).record.state == .granted)
    }

    /// Reference model, checked over random histories processed in central order: every
    /// withdrawal either still stands at the end, or some later grant had seen it and was
    /// expressed no earlier. A naive last-writer-wins by clock fails the same histories.
    @Test func noWithdrawalIsOverriddenOutsideAGrantsCausalPast() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...999_999).array(of: 1...30)) { ops in
            var current: DecisionRecord?
            var history: [(DecisionRecord, Int64?)] = []
            var seen: [DeviceID: Int64] = [:]
            for (i, op) in ops.enumerated() {
                let device = [Fixture.kiosk, Fixture.phone, DeviceID("paper-c")][op % 3]
                let state: DecisionState = (op / 3) % 2 == 0 ? .granted : .withdrawn
                // Each device has seen some prefix of the central sequence (a random lag).
                let lag = Int64((op / 6) % 4)
                let causal = max(seen[device] ?? 0, Int64(i) - lag)
                seen[device] = causal
                let effective = Double((op / 24) % 100)
                let incoming = record(state, device, Int64(i + 1), effective: effective, central: Int64(i + 1))
                current = DecisionMerge.merge(current: current, incoming: incoming, causalContext: causal).record
                history.append((incoming, causal))
            }
            guard let final = current else { return }
            for (index, (w, _)) in history.enumerated() where w.state.stopsUse {
                if final.state.stopsUse { continue }
                let redeemed = history[(index + 1)...].contains { g, causal in
                    !g.state.stopsUse && g.effectiveAt >= w.effectiveAt
                        && DecisionMerge.isInCausalPast(w, of: g.event, causalContext: causal)
                }
                #expect(redeemed, "withdrawal \(w.event) was overridden by a grant that had not seen it")
            }
        }
    }

    @Test func naiveLastWriterWinsWouldLoseTheWithdrawal() {
        let withdrawal = record(.withdrawn, Fixture.kiosk, 4, effective: 1000, central: 10)
        let staleGrant = record(.granted, Fixture.phone, 7, effective: 5000)
        let naive = [withdrawal, staleGrant].max { $0.effectiveAt < $1.effectiveAt }
        #expect(naive?.state == .granted)
        #expect(DecisionMerge.merge(current: withdrawal, incoming: staleGrant, causalContext: 9).record.state == .withdrawn)
    }
}

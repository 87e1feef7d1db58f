import ConsentCore
import Foundation
import Testing

@testable import SyncProtocol

/// The chain hash covers an event's fields in a fixed form, so a ledger written by one version verifies in every
/// later one; and a decision's comma-separated attributes read back as the list it was made with.
@Suite struct EventRecordTests {
    static let record = EventRecord(
        device: "kiosk-1", sequence: 7, tenant: "T0000001", kind: "decision", attribute: "email,mobile", purpose: "service-updates-email",
        state: "granted", pending: true, noticeVersion: 3, language: "cy", valuesDigest: Data([0, 1, 2, 3]), hlc: 123_456_789,
        effectiveAt: 1_700_000_000_000, actor: "tenant", channel: "kiosk", causal: -1, evidence: "Zoë")

    @Test func theHashCoversEachFieldTaggedAndCountedAfterThePreviousHash() {
        // Python: sha256(b"\x11" * 32 + b"tc-event-v1" + each present field as tag, 4-byte big-endian length, bytes; numbers as
        // 8 bytes big-endian, "1" for pending): fields 1 device ... 23 evidence, absent ones left out.
        let expected = "d39a2dae36d0a9f2b39433a8213b288e56963940d252e7bce0c2e0e01d932a32"
        #expect(Self.record.hash(after: Data(repeating: 0x11, count: 32)).lowercaseHex == expected)
    }

    @Test func aDecisionNamesEachOfItsAttributes() {
        let event = Self.record.event(centralSequence: nil, answers: [:])
        guard case let .decision(purpose, attributes, state, _, _) = event.payload else {
            Issue.record("not a decision: \(event.payload)")
            return
        }
        #expect(purpose == PurposeID("service-updates-email") && state == .granted)
        #expect(attributes == [AttributeID("email"), AttributeID("mobile")])
        for (list, expected) in [("email", ["email"]), ("", []), ("a,,b", ["a", "b"])] as [(String, [String])] {
            var one = Self.record
            one.attribute = list
            guard case let .decision(_, read, _, _, _) = one.event(centralSequence: nil, answers: [:]).payload else { continue }
            let names: [AttributeID] = expected.map { AttributeID($0) }
            #expect(read == names, "\(list)")
        }
    }
}

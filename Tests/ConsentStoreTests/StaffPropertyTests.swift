import ConsentCore
import ConsentStore
import Foundation
import PropertyBased
import Testing
import TestSupport

/// Random calls through staff mode's rules into the store: whatever mix of held grants, confirmations,
/// rejections, withdrawals, reveals and held corrections, the projection equals the fold of the
/// ledger, `verify` agrees, and no held grant is in effect before a second person confirmed it.
@Suite struct StaffPropertyTests {
    static let policy = Shipped.content.staff!
    static let caller = CallerCheck(asked: [AttributeID("date-of-birth"), AttributeID("postcode")],
                                    matched: [AttributeID("date-of-birth"), AttributeID("postcode")], required: 2)
    static let key = DecisionKey(AttributeID("health-needs"), PurposeID("tailoring-services"))

    @Test func staffCallsKeepFoldEqualToProjection() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 0...99_999).array(of: 1...20)) { ops in
            let t = try TempDatabase()
            try t.db.record(register("T0000001", annValues))
            let context = StaffContext(staff: StaffID("sam"), role: .support, caller: Self.caller)
            var confirmed = false
            for op in ops {
                let payload: EventPayload
                switch op % 6 {
                case 0, 1:
                    payload = .decision(PurposeID("tailoring-services"), [AttributeID("health-needs")], op % 6 == 0 ? .granted : .withdrawn,
                                        notice: NoticeShown(version: 1, language: "ur"), validUntil: nil)
                case 2: payload = .access(AttributeID("religion"))
                case 3: payload = .correction(AttributeID("mobile"), .value("07700900\(100 + op % 900)"), pending: false)
                default:
                    guard let item = try t.db.heldItems().first else { continue }
                    let approve = op % 6 == 4
                    let request = try StaffRules.confirm(item.event, attribute: item.attribute, approved: approve, tenant: "T0000001",
                                                         takenBy: item.takenBy, staff: StaffID("pat"), role: .supervisor,
                                                         how: .supervisor, reason: "supervisor-check", policy: Self.policy)
                    try t.db.record(request)
                    if approve, case .grant = item.kind { confirmed = true }
                    continue
                }
                try t.db.record(try StaffRules.onBehalf(payload, tenant: "T0000001", context: context, reason: "caller-request", scriptRead: true,
                                                        policy: Self.policy, catalogue: Shipped.content.catalogue))
            }
            let record = try t.db.tenantRecord("T0000001")
            #expect(record.state == TenantState.fold("T0000001", record.history.map(\.event)))
            #expect(try t.db.verify().ok)
            if record.state.decisions[Self.key]?.state == .granted { #expect(confirmed, "a held grant took effect unconfirmed") }
            #expect(record.state.heldGrants.count == (try t.db.heldItems().filter { if case .grant = $0.kind { true } else { false } }.count))
        }
    }
}

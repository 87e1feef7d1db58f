import ConsentCore
import ConsentStore
import Foundation
import Testing
import TestSupport

/// Staff mode in the store: held grants and access events in the ledger (the chain and fold = projection
/// still hold), the search index, staff sign-in and the desk's queues.
@Suite struct StaffStoreTests {
    static let policy = Shipped.content.staff!
    static let caller = CallerCheck(asked: [AttributeID("date-of-birth"), AttributeID("postcode")],
                                    matched: [AttributeID("date-of-birth"), AttributeID("postcode")], required: 2)

    func onBehalf(_ payload: EventPayload, staff: String = "sam", script: Bool = true) throws -> ChangeRequest {
        try StaffRules.onBehalf(payload, tenant: "T0000001", context: StaffContext(staff: StaffID(staff), role: .support, caller: Self.caller),
                                reason: "caller-request", scriptRead: script, policy: Self.policy, catalogue: Shipped.content.catalogue)
    }

    @Test func heldGrantWaitsForTheSupervisorAndTheLedgerStillVerifies() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let grant = ChangeRequest(tenant: "T0000001", payload: .decision(
            PurposeID("tailoring-services"), [AttributeID("health-needs")], .granted, notice: NoticeShown(version: 1, language: "pl"), validUntil: nil),
            actor: .staff(StaffID("S1"), verification: "dob+postcode", reason: "caller-request"), channel: .phone)
        let held = try t.db.record(try onBehalf(grant.payload))
        guard case .heldGrant = held.event.payload else { Issue.record("not held: \(held.event.payload)"); return }
        let key = DecisionKey(AttributeID("health-needs"), PurposeID("tailoring-services"))
        #expect(try t.db.tenantState("T0000001")?.decisions[key] == nil)
        #expect(try t.db.tenantState("T0000001")?.heldGrants.count == 1)
        let items = try t.db.heldItems()
        #expect(items.map(\.event) == [held.event.id])
        #expect(try t.db.verify().ok)

        let confirm = try StaffRules.confirm(held.event.id, attribute: items[0].attribute, approved: true, tenant: "T0000001",
                                             takenBy: items[0].takenBy, staff: StaffID("pat"), role: .supervisor, how: .supervisor,
                                             reason: "supervisor-check", policy: Self.policy)
        try t.db.record(confirm)
        let state = try #require(try t.db.tenantState("T0000001"))
        #expect(state.decisions[key]?.state == .granted)
        #expect(state.decisions[key]?.notice == NoticeShown(version: 1, language: "pl"))
        #expect(state.heldGrants.isEmpty)
        #expect(try t.db.heldItems().isEmpty)
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
        #expect(throws: StoreError.self) { try t.db.record(confirm) }
    }

    @Test func contactChangeIsPendingUntilCallBackAndAccessIsRecorded() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let change = try t.db.record(try onBehalf(.correction(AttributeID("email"), .value("ann.new@example.org"), pending: false)))
        #expect(try t.db.tenantState("T0000001")?.value(AttributeID("email")).answer == .value("ann@example.org"))
        let item = try #require(try t.db.heldItems().first)
        #expect(item.kind == .correction(AttributeID("email")))
        try t.db.record(try StaffRules.confirm(change.event.id, attribute: item.attribute, approved: true, tenant: "T0000001", takenBy: item.takenBy,
                                               staff: StaffID("sue"), role: .support, how: .callBack, reason: "call-back", policy: Self.policy))
        #expect(try t.db.tenantState("T0000001")?.value(AttributeID("email")).answer == .value("ann.new@example.org"))

        let access = try t.db.record(try onBehalf(.access(AttributeID("health-needs"))))
        #expect(access.event.payload == .access(AttributeID("health-needs")))
        let history = try t.db.tenantRecord("T0000001").history
        #expect(history.last?.event.actor == .staff(StaffID("sam"), verification: "date-of-birth+postcode", reason: "caller-request"))
        #expect(try t.db.verify().ok)
    }

    @Test func findsByFoldedNameAndPostcodeAndFollowsCorrections() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(register("T0000002", ["full-name": "Zoë Łukasiewicz-Brown", "postcode": "LS2 9JT", "date-of-birth": "1980-01-01"]))
        try t.db.record(register("T0000003", ["full-name": "Zoe Smith", "postcode": "M1 1AE", "date-of-birth": "1981-01-01"]))
        #expect(try t.db.findTenants(name: "ZOE luk", postcode: "").map(\.reference) == ["T0000002"])
        #expect(try t.db.findTenants(name: "zoë", postcode: "ls2").map(\.reference) == ["T0000002"])
        #expect(try t.db.findTenants(name: "zo", postcode: "").map(\.reference) == ["T0000003", "T0000002"], "by name")
        #expect(try t.db.findTenants(name: "smi", postcode: "").map(\.reference) == ["T0000001", "T0000003"])
        #expect(try t.db.findTenants(name: "", postcode: "m11ae").map(\.reference) == ["T0000003"])
        #expect(try t.db.findTenants(name: "", postcode: "").isEmpty)

        // A name change waits for evidence; only once verified does the index follow it.
        let change = try t.db.record(ChangeRequest(tenant: "T0000003", payload: .correction(AttributeID("full-name"), .value("Zoe Jones"), pending: true),
                                                   actor: .tenant, channel: .kiosk))
        #expect(try t.db.findTenants(name: "jones", postcode: "").isEmpty)
        try t.db.record(ChangeRequest(tenant: "T0000003", payload: .verification(of: change.event.id, attribute: AttributeID("full-name"), approved: true),
                                      actor: .staff(StaffID("pat"), verification: "evidence seen", reason: "desk-evidence"), channel: .system))
        #expect(try t.db.findTenants(name: "jones", postcode: "m1").map(\.reference) == ["T0000003"])
        #expect(try t.db.findTenants(name: "smith", postcode: "m1").isEmpty)
        // (Erasing a name the tenancy requires is for staff to decide; a tenant at the kiosk cannot.)
        try t.db.record(ChangeRequest(tenant: "T0000002", payload: .erasure(AttributeID("full-name")),
                                      actor: .staff(StaffID("pat"), verification: "in person", reason: "erasure request"), channel: .system))
        #expect(try t.db.findTenants(name: "zoe", postcode: "").map(\.reference) == ["T0000003"])

        try t.db.setMarker("safe-address", on: true, for: "T0000003", by: StaffID("pat"))
        #expect(try t.db.findTenant(reference: "T0000003")?.markers == ["safe-address"])
    }

    @Test func conflictsQueueListsDecisionsToReconfirm() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        #expect(try t.db.conflicts().isEmpty)
        try t.db.record(decide("T0000001", "service-updates-email", ["email"], .withdrawn))
        // A paper grant signed before that withdrawal arrives later: the withdrawal stands, the grant must be re-confirmed.
        var late = decide("T0000001", "service-updates-email", ["email"], .granted, channel: .paper)
        late.effectiveAt = Date().addingTimeInterval(-86_400)
        let grant = try t.db.record(late)
        let conflicts = try t.db.conflicts()
        #expect(conflicts.map(\.reference) == ["T0000001"])
        #expect(conflicts.first?.state == "withdrawn")
        #expect(conflicts.first?.losingEvent == grant.event.id.description)
    }

    @Test func hostileSearchTextIsJustText() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let hostile = ["'; DROP TABLE tenant; --", "%", "_", "\u{0}", "\u{1B}[2J", "\u{202E}ssa", "😀", String(repeating: "a", count: 10_000), "n:", "p:ls"]
        for text in hostile {
            #expect(try t.db.findTenants(name: text, postcode: "").isEmpty, "\(text.prefix(20).debugDescription)")
            #expect(try t.db.findTenants(name: "", postcode: text).isEmpty, "\(text.prefix(20).debugDescription)")
        }
        #expect(try t.db.findTenants(name: "ann", postcode: "").map(\.reference) == ["T0000001"])
        #expect(try t.db.tenantCount() == 1)
    }

    @Test func staffSignInLocksAfterFiveFailures() throws {
        let clock = TestClock()
        let t = try TempDatabase(clock: { clock.now })
        try t.db.addStaff("sam", name: "Sam Support", role: .support, password: "correct horse battery")
        guard case .signedIn(let member) = try t.db.staffSignIn("sam", password: "correct horse battery") else {
            Issue.record("the right password did not sign in")
            return
        }
        #expect(member.name == "Sam Support" && member.role == .support)
        #expect(try t.db.staffSignIn("nobody", password: "correct horse battery") == .failed)
        for attempt in 1...5 {
            clock.advance(60)
            let outcome = try t.db.staffSignIn("sam", password: "wrong \(attempt)")
            #expect(outcome == (attempt == 5 ? .locked : .failed))
        }
        clock.advance(3600)
        #expect(try t.db.staffSignIn("sam", password: "correct horse battery") == .locked)
        try t.db.unlockStaff("sam")
        #expect(try t.db.staffSignIn("sam", password: "correct horse battery") != .locked)
    }
}

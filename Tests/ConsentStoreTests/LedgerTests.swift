import ConsentCore
import ConsentStore
import Foundation
import GRDB
import PropertyBased
import Testing
import TestSupport

@Suite struct LedgerTests {
    @Test func recordsAreProjectedAndSurviveReopening() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(decide("T0000001", "service-updates-email", ["email", "full-name"], .granted))
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("mobile"), .value("+44 7700 900999"), pending: false),
                                      actor: .tenant, channel: .kiosk))
        let reopened = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        let state = try #require(try reopened.tenantState("T0000001"))
        #expect(state.value(AttributeID("mobile")).answer == .value("07700900999"))
        #expect(state.value(AttributeID("religion")).answer == .preferNotToSay)
        #expect(state.decisions[DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))]?.state == .granted)
        let c = Shipped.content.catalogue
        #expect(Policy.evaluate(AttributeID("email"), for: PurposeID("service-updates-email"), of: state, at: Date(), in: c) == .allowed)
        #expect(try reopened.verify().ok)
        #expect(try reopened.eventCount() == 3)
    }

    @Test func refusedChangesWriteNothing() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let before = try t.db.eventCount()
        #expect(throws: StoreError.refused(.notSwitchable(PurposeID("tenancy-management")))) {
            try t.db.record(decide("T0000001", "tenancy-management", ["email"], .withdrawn))
        }
        // A batch is all or nothing: the bad second request stops the good first one too.
        #expect(throws: StoreError.self) {
            try t.db.record([decide("T0000001", "service-updates-sms", ["mobile"], .withdrawn),
                             ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("email"), .value("not-an-email"), pending: false),
                                           actor: .tenant, channel: .kiosk)])
        }
        #expect(throws: StoreError.unknownTenant("T9999999")) { try t.db.record(decide("T9999999", "service-updates-sms", ["mobile"], .withdrawn)) }
        #expect(throws: StoreError.tenantExists("T0000001")) { try t.db.record(register("T0000001", ["full-name": "Bob"])) }
        #expect(try t.db.eventCount() == before)
    }

    @Test func specialCategoryValuesLiveOnlyInTheVaultFile() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.close()
        let secret = Data("Uses a wheelchair QZXW".utf8)
        let mainFiles = [t.path, t.path + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
        #expect(!mainFiles.isEmpty)
        for data in mainFiles { #expect(data.range(of: secret) == nil, "special value found in the main database") }
        let vault = ConsentDatabase.vaultPath(for: t.path)
        let vaultData = [vault, vault + "-wal"].compactMap { FileManager.default.contents(atPath: $0) }
        #expect(!vaultData.isEmpty)
        for data in vaultData { #expect(data.range(of: secret) == nil, "special value in plaintext in the vault file") }
        #expect(mainFiles.contains { $0.range(of: Data("Ann Smith".utf8)) != nil })
    }

    @Test func ledgerRowsCannotBeUpdatedOrDeletedThroughSQL() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "UPDATE ledger SET kind = 'erasure'") } }
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "DELETE FROM ledger") } }
        try queue.write { try $0.execute(sql: "UPDATE ledger SET pushed = 1") }
    }

    @Test(arguments: [
        ("UPDATE ledger SET state = 'granted' WHERE kind = 'decision'", "content was changed"),
        ("DELETE FROM ledger WHERE device_seq = 2", "removed, inserted or reordered"),
        ("DELETE FROM ledger WHERE device_seq = 3", "last events of its chain were removed"),
        ("UPDATE value SET value = 'Eve Smith' WHERE attribute_id = 'full-name'", "stored value of full-name was changed"),
        ("UPDATE vault.value SET sealed = randomblob(length(sealed)) WHERE attribute_id = 'ethnic-origin'", "sealed value of ethnic-origin does not open"),
        ("UPDATE vault.value SET sealed = (SELECT sealed FROM vault.value WHERE attribute_id = 'religion') WHERE attribute_id = 'health-needs'",
         "sealed value of health-needs does not open"),
        ("UPDATE vault.value SET prefer_not = 1 - prefer_not WHERE attribute_id = 'religion'", "stored value of religion was changed"),
        ("UPDATE vault.value SET sealed = NULL, key_id = NULL WHERE attribute_id = 'ethnic-origin'", "gone but no erasure was recorded"),
        ("DELETE FROM vault.value WHERE attribute_id = 'health-needs'", "values were removed or replaced"),
        ("UPDATE decision SET state = 'granted'", "projected decision"),
        ("UPDATE ledger SET device_seq = device_seq + 10 WHERE device_seq = 2", "removed, inserted or reordered"),
    ])
    func tamperingIsDetected(_ sql: String, _ expected: String) throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(decide("T0000001", "service-updates-email", ["email"], .withdrawn))
        try t.db.record(decide("T0000001", "service-updates-sms", ["mobile"], .withdrawn))
        #expect(try t.db.verify().ok)
        try t.tamper(sql)
        let report = try t.db.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains(expected) }, "\(report.problems)")
    }

    @Test func erasureRemovesTheValueAndKeepsTheChainVerifiable() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("health-needs")), actor: .tenant, channel: .kiosk))
        let state = try #require(try t.db.tenantState("T0000001"))
        guard case .erased = state.value(AttributeID("health-needs")) else {
            Issue.record("not erased: \(state.value(AttributeID("health-needs")))")
            return
        }
        #expect(try t.db.verify().ok)
        try t.db.close()
        let queue = try DatabaseQueue(path: ConsentDatabase.vaultPath(for: t.path))
        let left = try queue.read { try Data.fetchAll($0, sql: "SELECT sealed FROM value WHERE attribute_id = 'health-needs' AND sealed IS NOT NULL") }
        #expect(left.isEmpty)
        let digests = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM value WHERE attribute_id = 'health-needs' AND digest IS NOT NULL") }
        #expect(digests == 1)
    }

    @Test func pinIsHashedSlowlyAndChecked() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.db.setPIN("482916", for: "T0000001", actor: .tenant, channel: .kiosk)
        #expect(try t.db.checkPIN("482916", for: "T0000001"))
        #expect(try !t.db.checkPIN("482917", for: "T0000001"))
        #expect(try !t.db.checkPIN("482916", for: "T0000002"))
        let history = try t.db.tenantRecord("T0000001").history
        #expect(history.last?.event.payload == .credentialChange("pin-set"))
    }

    /// Random sequences of changes through the store: the stored projection always equals the
    /// fold of the stored ledger, and `verify` agrees.
    @Test func projectionEqualsFoldAfterRandomChanges() async throws {
        await propertyCheck(count: 15, input: Gen.int(in: 0...99_999).array(of: 1...30)) { ops in
            let t = try TempDatabase()
            try t.db.record(register("T0000001", annValues))
            for op in ops {
                _ = try? t.db.record(Self.request(op))
            }
            let record = try t.db.tenantRecord("T0000001")
            #expect(record.state == TenantState.fold("T0000001", record.history.map(\.event)))
            #expect(try t.db.verify().ok)
        }
    }

    static func request(_ op: Int) -> ChangeRequest {
        let c = Shipped.content.catalogue
        let purpose = c.purposes[op % c.purposes.count]
        let attribute = purpose.attributes[(op / 8) % purpose.attributes.count]
        switch (op / 100) % 5 {
        case 0:
            let values = ["email": "x\(op)@example.org", "full-name": "Name \(op)", "mobile": "07700900\(100 + op % 900)"]
            return ChangeRequest(tenant: "T0000001", payload: .correction(attribute, .value(values[attribute.rawValue] ?? "v\(op)"),
                                 pending: op % 3 == 0), actor: .tenant, channel: .kiosk)
        case 1:
            return ChangeRequest(tenant: "T0000001", payload: .erasure(attribute), actor: .tenant, channel: .kiosk)
        default:
            let state = purpose.legalBasis.allowedDecisions.sorted { $0.rawValue < $1.rawValue }
            guard !state.isEmpty else { return decide("T0000001", purpose.id.rawValue, [attribute.rawValue], .granted) }
            return decide("T0000001", purpose.id.rawValue, [attribute.rawValue], state[(op / 500) % state.count])
        }
    }
}

import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import TestSupport
import Testing

/// `decision` as `LeanDecision` leaves it (issue 20): a decision keeps its own columns and reads the notice, actor and
/// channel from the ledger row of the event that set it. Every read of a whole decision (one tenant, the pass over the
/// register that verify makes) must give what the event said, a held grant confirmed later must read as the grant its
/// taker recorded, a decision whose event row is gone must still read (and be named by verify), and a file from before
/// must be upgraded to the same decisions.
@Suite struct LeanDecisionTests {
    /// Takes a file back to before `decision-lean-1`: every decision with the columns it copied from its event.
    static let undo = """
        \(DecisionByPurpose.table("decision_whole"))
        INSERT INTO decision_whole
            SELECT d.tenant_id, d.attribute_id, d.purpose_id, d.state, d.event_device, d.event_seq, d.central_seq, d.effective_at,
                   e.notice_version, e.language, d.valid_until, e.actor, e.actor_id, e.verification, e.reason, e.channel,
                   d.reconfirm_device, d.reconfirm_seq, d.blocking
            FROM decision d JOIN ledger e ON e.device_no = d.event_device AND e.device_seq = d.event_seq;
        DROP TABLE decision;
        ALTER TABLE decision_whole RENAME TO decision;
        CREATE INDEX decision_reconfirm ON decision (tenant_id) WHERE reconfirm_seq IS NOT NULL;
        DELETE FROM grdb_migrations WHERE identifier = '\(LeanDecision.migration)';
        PRAGMA user_version = 6;
        """

    static let email = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
    static let sms = DecisionKey(AttributeID("mobile"), PurposeID("service-updates-sms"))

    /// Two tenants: one deciding at the kiosk, one whose choices staff keyed from a paper form, one withdrawn.
    func decided() throws -> TempDatabase {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", ["full-name": "Ann Smith", "email": "ann@example.org", "mobile": "07700900123"]))
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "email": "bob@example.org", "mobile": "07700900456"]))
        try t.db.record(decide("T0000001", "service-updates-email", ["full-name", "email"], .granted))
        try t.db.record(decide("T0000002", "service-updates-email", ["full-name", "email"], .granted, channel: .paper))
        try t.db.record(decide("T0000002", "service-updates-sms", ["mobile"], .withdrawn, channel: .paper))
        return t
    }

    @Test func aDecisionReadsWhatItsEventSaid() throws {
        let t = try decided()
        let columns = try t.db.read { try String.fetchAll($0, sql: "SELECT name FROM pragma_table_info('decision')") }
        #expect(columns == ["tenant_id", "attribute_id", "purpose_id", "state", "event_device", "event_seq", "central_seq", "effective_at",
                            "valid_until", "reconfirm_device", "reconfirm_seq", "blocking"])
        let kiosk = try #require(try t.db.tenantState("T0000001")?.decisions[Self.email])
        #expect(kiosk.actor == .tenant && kiosk.channel == .kiosk)
        #expect(kiosk.notice == NoticeShown(version: 1, language: "en"))
        let paper = try #require(try t.db.tenantState("T0000002"))
        #expect(paper.decisions[Self.email]?.actor == .staff(StaffID("S1"), verification: "signed-form", reason: "paper-campaign"))
        #expect(paper.decisions[Self.email]?.channel == .paper)
        #expect(paper.decisions[Self.sms]?.state == .withdrawn)
        #expect(paper.decisions[Self.sms]?.notice == nil)
        // The two attributes one event decided name the same event, whose row holds its actor once.
        #expect(paper.decisions[Self.email]?.event == paper.decisions[DecisionKey(AttributeID("full-name"), Self.email.purpose)]?.event)
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
    }

    /// A decision naming an event the ledger does not hold still reads, so a withdrawal is never lost from a read, and
    /// verify names its tenant (the projection no longer matches the fold).
    @Test func aDecisionWhoseEventIsGoneStillReadsAndVerifyNamesIt() throws {
        let t = try decided()
        try t.tamper("""
            UPDATE decision SET event_seq = 9999 WHERE purpose_id = 'service-updates-sms'
            AND tenant_id = (SELECT id FROM tenant WHERE ref = 'T0000002');
            """)
        let state = try #require(try t.db.tenantState("T0000002"))
        #expect(state.decisions[Self.sms]?.state == .withdrawn)
        let report = try t.db.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains("T0000002") }, "\(report.problems)")
        #expect(!report.problems.contains { $0.contains("T0000001") }, "\(report.problems)")
    }

    /// A file whose decisions hold their events' columns: opening upgrades it once, in place, to the same decisions and
    /// the schema a new file has, and the file then takes decisions and verifies as any other.
    @Test func aFileFromBeforeIsUpgraded() throws {
        let t = try decided()
        let schema = try TenantValuesTests.schema(t.path)
        let states = try ["T0000001", "T0000002"].map { try t.db.tenantState(TenantRef($0)) }
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { try $0.execute(sql: Self.undo) }
        let actors = try queue.read { try String.fetchAll($0, sql: "SELECT DISTINCT actor FROM decision ORDER BY actor") }
        try queue.close()
        #expect(actors == ["staff", "tenant"])
        var upgrades = 0
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key) { upgrades += 1 }
        #expect(upgrades == 1)
        #expect(try t.db.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == 7, "a binary from before now refuses the file")
        #expect(try TenantValuesTests.schema(t.path) == schema)
        #expect(try ["T0000001", "T0000002"].map { try t.db.tenantState(TenantRef($0)) } == states)
        #expect(try t.db.verify().ok)
        try t.db.record(decide("T0000001", "service-updates-sms", ["mobile"], .granted, channel: .phone))
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
        #expect(try t.db.tenantState("T0000001")?.decisions[Self.sms]?.channel == .phone)
    }
}

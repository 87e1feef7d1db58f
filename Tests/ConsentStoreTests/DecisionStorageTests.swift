import ConsentCore
@testable import ConsentStore
import Foundation
import GRDB
import TestSupport
import Testing

/// Decisions are stored keyed by (purpose, tenant, attribute), so an export reads only its purpose's rows (issue 20):
/// each tenant must still get every decision of every purpose, a tenant who leaves takes all of theirs along,
/// reading one tenant must not scan the whole table, and files keyed the old way are converted without losing a row.
@Suite struct DecisionStorageTests {
    static func ref(_ n: Int) -> TenantRef { TenantRef("T\(String(format: "%07d", n))") }

    /// Tenants 1 to 6, each with decisions under several purposes (tenant 3 none), and one row under a purpose
    /// Forms no longer lists, as a register kept since that purpose was removed would hold.
    func decided() throws -> TempDatabase {
        let t = try TempDatabase()
        for n in 1...6 {
            try t.db.record(register(Self.ref(n), ["full-name": "Tenant \(n)", "email": "t\(n)@example.org", "mobile": "0770090012\(n)"]))
        }
        for n in [1, 2, 4, 5, 6] {
            try t.db.record(decide(Self.ref(n), "service-updates-email", ["full-name", "email"], .granted))
            try t.db.record(decide(Self.ref(n), "service-updates-sms", ["mobile"], n.isMultiple(of: 2) ? .withdrawn : .granted))
        }
        try t.db.record(decide(Self.ref(2), "resident-involvement", ["full-name"], .granted))
        try t.db.write { db in
            try db.execute(sql: """
                INSERT INTO decision (tenant_id, attribute_id, purpose_id, \(LeanDecision.ownColumns))
                SELECT tenant_id, attribute_id, 'aaa-retired-purpose', \(LeanDecision.ownColumns)
                FROM decision WHERE purpose_id = 'resident-involvement'
                """)
        }
        return t
    }

    /// Each decision of `ref` as purpose:attribute:state, sorted.
    func decisions(_ t: TempDatabase, _ ref: TenantRef) throws -> [String] {
        try #require(try t.db.tenantState(ref)).decisions.map { "\($0.key.purpose.rawValue):\($0.key.attribute.rawValue):\($0.value.state.rawValue)" }.sorted()
    }

    @Test func eachTenantGetsEveryDecisionOfEveryPurpose() throws {
        let t = try decided()
        #expect(try decisions(t, Self.ref(2)) == [
            "aaa-retired-purpose:full-name:granted", "resident-involvement:full-name:granted",
            "service-updates-email:email:granted", "service-updates-email:full-name:granted", "service-updates-sms:mobile:withdrawn",
        ])
        #expect(try decisions(t, Self.ref(5)) == [
            "service-updates-email:email:granted", "service-updates-email:full-name:granted", "service-updates-sms:mobile:granted",
        ])
        #expect(try decisions(t, Self.ref(3)) == [])
    }

    @Test func aTenantWhoLeavesTakesEveryDecisionAlong() throws {
        let t = try decided()
        var statements: [String] = []
        try t.db.write { db in
            try db.execute(sql: "UPDATE ledger SET pushed = 1")
            db.trace { event in if case .statement(let statement) = event { statements.append(statement.sql) } }
            #expect(try Departure.forget([Self.ref(2).rawValue], in: db) == 1)
            db.trace(options: [])
        }
        let decisionDeletes = statements.filter { $0.contains("DELETE FROM main.decision") }
        #expect(decisionDeletes == [DecisionByPurpose.deleteOfTenant], "one delete, seeking the tenant under each purpose")
        let left = try t.db.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT t.ref FROM decision d JOIN tenant t ON t.id = d.tenant_id ORDER BY t.ref")
        }
        #expect(left == [1, 4, 5, 6].map { Self.ref($0).rawValue })
        let orphans = try t.db.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM decision WHERE tenant_id NOT IN (SELECT id FROM tenant)")
        }
        #expect(orphans == 0, "the retired purpose's row went with its tenant too")
        #expect(try decisions(t, Self.ref(4)).count == 3)
    }

    @Test func verifyNamesExactlyTheTenantsWhoseDecisionsDiffer() throws {
        let t = try decided()
        #expect(try t.db.verify().problems.map { String($0.prefix(15)) } == ["tenant \(Self.ref(2).rawValue)"], "the retired purpose's row is no event's")
        try t.db.write { db in
            try db.execute(sql: """
                UPDATE decision SET state = 'granted' WHERE purpose_id = 'service-updates-sms' AND tenant_id = (SELECT id FROM tenant WHERE ref = ?)
                """, arguments: [Self.ref(4).rawValue])
            try db.execute(sql: """
                DELETE FROM decision WHERE purpose_id = 'service-updates-email' AND attribute_id = 'email' AND tenant_id = (SELECT id FROM tenant WHERE ref = ?)
                """, arguments: [Self.ref(6).rawValue])
        }
        let named = try t.db.verify().problems.map { String($0.prefix(15)) }
        #expect(named == [2, 4, 6].map { "tenant \(Self.ref($0).rawValue)" })
    }

    @Test func oneTenantsDecisionsAreSoughtNotScanned() throws {
        let t = try decided()
        try t.db.read { db in
            let reads = [DecisionByPurpose.ofTenant, DecisionByPurpose.deleteOfTenant]
            for sql in reads {
                let steps = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)", arguments: [1]).map { $0["detail"] as String }
                #expect(steps.contains { $0.hasPrefix("SEARCH") && $0.hasSuffix("USING PRIMARY KEY (purpose_id=? AND tenant_id=?)") }, "\(steps)")
                let scansDecisions = steps.contains {
                    ["SCAN d", "SCAN decision", "SCAN main.decision"].contains($0.split(separator: " ").prefix(2).joined(separator: " "))
                }
                #expect(!scansDecisions, "\(steps)")
            }
        }
    }

    @Test func aFileKeyedByTenantIsConverted() throws {
        let t = try decided()
        let everyRow = "SELECT * FROM decision ORDER BY tenant_id, attribute_id, purpose_id"
        let before = try t.db.read { db in try Row.fetchAll(db, sql: everyRow) }
        #expect(before.count == 5 * 3 + 2)
        // Back to the old key, with the rows it held.
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: LeanDecisionTests.undo)
            try db.execute(sql: """
                CREATE TABLE old_decision (
                    tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL, purpose_id TEXT NOT NULL,
                    state TEXT NOT NULL, event_device INTEGER NOT NULL, event_seq INTEGER NOT NULL, central_seq INTEGER,
                    effective_at INTEGER NOT NULL, notice_version INTEGER, language TEXT, valid_until INTEGER,
                    actor TEXT NOT NULL, actor_id TEXT, verification TEXT, reason TEXT, channel TEXT NOT NULL,
                    reconfirm_device INTEGER, reconfirm_seq INTEGER, blocking TEXT,
                    PRIMARY KEY (tenant_id, attribute_id, purpose_id)
                ) WITHOUT ROWID;
                INSERT INTO old_decision SELECT * FROM decision;
                DROP TABLE decision;
                ALTER TABLE old_decision RENAME TO decision;
                CREATE INDEX decision_reconfirm ON decision (tenant_id) WHERE reconfirm_seq IS NOT NULL;
                DELETE FROM grdb_migrations WHERE identifier = '\(DecisionByPurpose.migration)';
                """)
        }
        try queue.close()
        t.db = try ConsentDatabase.open(at: t.path, validator: Shipped.content.validator, key: t.key)
        let (after, key, indexes) = try t.db.read { db in
            (try Row.fetchAll(db, sql: everyRow),
             try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info('sqlite_autoindex_decision_1') ORDER BY seqno"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'decision' AND sql IS NOT NULL"))
        }
        #expect(key == ["purpose_id", "tenant_id", "attribute_id"])
        #expect(after == before, "every row and column kept")
        #expect(indexes == ["decision_reconfirm"])
        #expect(try decisions(t, Self.ref(2)).count == 5)
    }
}

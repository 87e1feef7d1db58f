import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol
import Testing

/// A held value's row keeps only the first bytes of its salted digest (issue 20: 28 bytes a value); the whole digest
/// is what a push sends and what an erasure leaves behind, rows written with their whole digest still read, and
/// `verify` still names a changed value.
@Suite struct StoredValueDigestTests {
    /// The ordinary value rows of the file: attribute → (text, prefer-not, salt, stored digest).
    func rows(_ t: TempDatabase) throws -> [String: (text: String?, preferNot: Bool, salt: Data?, digest: Data)] {
        try t.db.read { db in
            var out: [String: (text: String?, preferNot: Bool, salt: Data?, digest: Data)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT attribute_id, value, prefer_not, salt, digest FROM value") {
                out[row["attribute_id"]] = (row["value"], row["prefer_not"], row["salt"], row["digest"])
            }
            return out
        }
    }

    /// The digest the chain covers for a row's value, from the digest's definition.
    func whole(_ attribute: String, _ row: (text: String?, preferNot: Bool, salt: Data?, digest: Data)) throws -> Data {
        let salt = try #require(row.salt)
        return ValueDigest.of(row.preferNot ? .preferNotToSay : .value(row.text ?? ""), attribute: AttributeID(attribute), salt: salt)
    }

    @Test func aHeldValueKeepsFourBytesOfItsDigestAndAPushSendsTheWholeOne() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let stored = try rows(t)
        #expect(stored.count == 6, "the six ordinary values of annValues: \(stored.keys.sorted())")
        for (attribute, row) in stored {
            #expect(row.digest.count == 4, "\(attribute) keeps \(row.digest.count) bytes")
            #expect(try row.digest == whole(attribute, row).prefix(4), "\(attribute)")
        }
        #expect(try t.db.verify().ok)

        let event = try #require(try t.db.outbox().events.first)
        let sent = Dictionary(uniqueKeysWithValues: event.values.map { ($0.attribute, $0) })
        for (attribute, row) in stored {
            #expect(try sent[attribute]?.digest == whole(attribute, row), "\(attribute)")
        }
        // The digests sent are the ones the chain covers (sealed values' included), so a centre's check accepts them.
        #expect(ValueDigest.combine(event.values.map { (AttributeID($0.attribute), $0.digest) }) == event.record.valuesDigest)
    }

    @Test func anErasedValueLeavesItsWholeDigestAndTheChainStillVerifies() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let before = try rows(t)
        let email = try #require(before["email"])
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
        let after = try #require(try rows(t)["email"])
        #expect(after.text == nil && after.salt == nil)
        #expect(try after.digest == whole("email", email))
        #expect(try rows(t)["postcode"]?.digest.count == 4, "a value not erased keeps its check")
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
        let sent = try #require(try t.db.outbox().events.first?.values.first { $0.attribute == "email" })
        #expect(sent.text == nil && sent.salt == nil)
        #expect(try sent.digest == whole("email", email))
    }

    @Test func rowsHoldingTheirWholeDigestReadAndEraseAsBefore() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        // As a file written before the rows kept only a check holds them, at the version before; opening upgrades it.
        let stored = try rows(t)
        let updates = try stored.map { attribute, row in
            "UPDATE value SET digest = X'\((try whole(attribute, row)).map { String(format: "%02X", $0) }.joined())' WHERE attribute_id = '\(attribute)';"
        }
        try t.tamper(updates.joined(separator: "\n") + """

            DELETE FROM grdb_migrations WHERE identifier = '\(StoredValueDigest.migration)';
            PRAGMA user_version = 4;
            """)
        #expect(try t.db.read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == 5, "a binary from before now refuses the file")
        #expect(try rows(t).values.allSatisfy { $0.digest.count == 32 })
        #expect(try t.db.verify().ok)
        let sent = try #require(try t.db.outbox().events.first)
        #expect(ValueDigest.combine(sent.values.map { (AttributeID($0.attribute), $0.digest) }) == sent.record.valuesDigest)
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("mobile")), actor: .tenant, channel: .kiosk))
        let mobile = try #require(stored["mobile"])
        #expect(try rows(t)["mobile"]?.digest == whole("mobile", mobile))
        let report = try t.db.verify()
        #expect(report.ok, "\(report.problems)")
        // New rows in the upgraded file keep their check.
        try t.db.record(register("T0000002", ["full-name": "Bob Jones", "email": "bob@example.org"]))
        #expect(try t.db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM value WHERE length(digest) = 4") } == 2)
        #expect(try t.db.verify().ok)
        try t.tamper("UPDATE value SET value = 'nobody@example.org' WHERE attribute_id = 'email' AND value = 'ann@example.org'")
        #expect(try t.db.verify().problems.contains { $0.contains("the stored value of email was changed") })
    }

    @Test(arguments: [
        "UPDATE value SET value = 'eve@example.org' WHERE attribute_id = 'email'",
        "UPDATE value SET digest = X'00000000' WHERE attribute_id = 'email'",
        "UPDATE value SET salt = randomblob(16) WHERE attribute_id = 'email'",
        "UPDATE value SET digest = X'' WHERE attribute_id = 'email'",
    ])
    func aChangedValueOrCheckIsNamedOnce(_ sql: String) throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.tamper(sql)
        let report = try t.db.verify()
        // The event is named once, for its value; the projection's own checks may name the tenant besides.
        let event = report.problems.filter { $0.hasPrefix("event ") }
        #expect(event.count == 1 && event[0].contains("the stored value of email was changed"), "\(report.problems)")
    }

    @Test func erasingAChangedValueDoesNotHideTheChange() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        try t.tamper("UPDATE value SET value = 'eve@example.org' WHERE attribute_id = 'email'")
        try t.db.record(ChangeRequest(tenant: "T0000001", payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
        #expect(try rows(t)["email"]?.digest.count == 4, "no whole digest can be derived from a changed row")
        let report = try t.db.verify()
        #expect(report.problems.contains { $0.contains("kiosk-test#1") && $0.contains("its values were removed or replaced") }, "\(report.problems)")
    }

    @Test func aValueChangedTogetherWithItsCheckFailsTheChain() throws {
        let t = try TempDatabase()
        try t.db.record(register("T0000001", annValues))
        let email = try #require(try rows(t)["email"])
        let forged = ValueDigest.of(.value("eve@example.org"), attribute: AttributeID("email"), salt: try #require(email.salt)).prefix(4)
        try t.tamper("UPDATE value SET value = 'eve@example.org', digest = X'\(forged.map { String(format: "%02X", $0) }.joined())' WHERE attribute_id = 'email'")
        let report = try t.db.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains("its values were removed or replaced") }, "\(report.problems)")
        // A push of the forged row is refused by the wire's own check: its digests no longer combine to the chain's.
        let sent = try #require(try t.db.outbox().events.first)
        #expect(ValueDigest.combine(sent.values.map { (AttributeID($0.attribute), $0.digest) }) != sent.record.valuesDigest)
    }
}

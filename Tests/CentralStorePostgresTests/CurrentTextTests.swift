import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import SyncProtocol
import Testing

/// A PostgreSQL centre keeps each current value's text beside it (`current_value.value`), which its exports read:
/// taken from the recorded value when the projection is written, gone when an erasure clears the value, filled
/// when a centre from before the copy is opened, and checked by the audit.
@Suite struct PostgresCurrentTextTests {
    static func texts(_ centre: Centre) async throws -> [[String?]] {
        try await centre.rows("SELECT t.ref, c.attribute_id, c.status, c.value FROM current_value c JOIN tenant t ON t.id = c.tenant_id ORDER BY 1, 2")
    }

    static let expected: [[String?]] = [
        ["T1", "email", "value", "t1@example.org"], ["T1", "full-name", "value", "Ann"], ["T1", "preferred-name", "value", "Annie"],
        ["T1", "sex", "prefer-not-to-say", nil],
        ["T2", "email", "erased", nil], ["T2", "full-name", "value", "Bo"],
    ]

    /// A registration, a correction, "prefer not to say" and an erasure, pushed in two batches.
    static func pushedCentre() async throws -> Centre {
        let centre = try await Centre.make()
        var desk = try await centre.enrolSigning("desk-a")
        _ = try await centre.store.push(desk.push([
            desk.event("T1", .registration(values: [AttributeID("email"): .value("t1@example.org"), AttributeID("full-name"): .value("Ann"),
                                                    AttributeID("preferred-name"): .value("Ann"), AttributeID("sex"): .preferNotToSay])),
            desk.event("T2", registration(["email": "t2@example.org", "full-name": "Bo"])),
        ]), from: "desk-a")
        _ = try await centre.store.push(desk.push([
            desk.event("T1", .correction(AttributeID("preferred-name"), .value("Annie"), pending: false)),
            desk.event("T2", .erasure(AttributeID("email"))),
        ]), from: "desk-a")
        return centre
    }

    @Test func eachCurrentValueKeepsItsRecordedTextAndTheAuditNamesAnAlteredCopy() async throws {
        let centre = try await Self.pushedCentre()
        defer { centre.store.shutdown() }
        #expect(try await Self.texts(centre) == Self.expected)
        #expect(try await centre.store.verify().ok)

        _ = try await centre.rows("UPDATE current_value SET value = 'Eve' WHERE attribute_id = 'full-name' AND tenant_id = (SELECT id FROM tenant WHERE ref = 'T2')")
        #expect(try await centre.store.verify().problems
                == ["tenant T2: the current text of full-name is not its recorded value's (the copy exports read was altered)"])
    }

    /// However a value's text is cleared, no copy of it is left behind.
    @Test func textClearedFromAValueIsClearedFromItsCopy() async throws {
        let centre = try await Self.pushedCentre()
        defer { centre.store.shutdown() }
        _ = try await centre.rows("UPDATE value SET value = NULL, salt = NULL WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T1') AND attribute_id = 'email'")
        #expect(try await centre.rows("SELECT count(*)::text FROM current_value WHERE value = 't1@example.org'") == [["0"]])
        #expect(try await centre.store.verify().problems == ["event desk-a#1 (central 1): the value of email is gone but no erasure was recorded"])
    }

    @Test func aCentreFromBeforeTheCopyFillsItWhenOpened() async throws {
        let centre = try await Self.pushedCentre()
        centre.store.shutdown()
        _ = try await Centre.rows([
            "DROP TRIGGER current_value_text ON current_value", "DROP FUNCTION current_value_text()",
            "DROP TRIGGER value_erased_forgets_current ON value", "DROP FUNCTION value_erased_forgets_current()",
            "ALTER TABLE current_value DROP COLUMN value", "DELETE FROM schema_version WHERE version >= 18",
        ], at: centre.location)
        let reopened = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        defer { reopened.shutdown() }
        #expect(try await Self.texts(centre) == Self.expected)
        #expect(try await reopened.verify().ok)
    }
}

import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import SyncProtocol
import Testing

/// `consent audit verify --database`'s checks on the PostgreSQL centre.
@Suite struct PostgresVerifyTests {
    /// A centre with one signing device that pushed a registration and two decisions.
    static func centreWithEvents() async throws -> (Centre, [WireEvent]) {
        let centre = try await Centre.make()
        var device = TestDevice("desk-1", signing: true)
        let code = try await centre.store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        _ = try await centre.store.enrol(EnrolRequest(code: code, device: device.id, signingKey: device.signingKey?.publicKey.rawRepresentation))
        let events = [device.event("T1", registration(["email": "t1@example.org", "full-name": "Ann"])),
                      device.decision("T1", "service-updates-email", ["email"], .granted),
                      device.decision("T1", "service-updates-email", ["email"], .withdrawn)]
        _ = try await centre.store.push(device.push(events), from: device.id)
        return (centre, try await centre.pullAll())
    }

    @Test func aChainRewrittenWithRecomputedHashesIsCaughtByTheSignedHead() async throws {
        let (centre, events) = try await Self.centreWithEvents()
        defer { centre.store.shutdown() }
        let clean = try await centre.store.verify()
        #expect(clean.ok && clean.events == 3 && clean.devices == 1, "\(clean.problems)")

        // The last withdrawal is turned into a grant, its hash recomputed and the chain head moved along: the chain itself still verifies.
        var forged = events[2].record
        forged.state = DecisionState.granted.rawValue
        let hash = forged.hash(after: events[1].hash).lowercaseHex
        for sql in ["ALTER TABLE ledger DISABLE TRIGGER ledger_append_only",
                    "UPDATE ledger SET state = 'granted', hash = '\\x\(hash)' WHERE device_seq = 3",
                    "UPDATE chain_head SET hash = '\\x\(hash)' WHERE seq = 3",
                    "ALTER TABLE ledger ENABLE TRIGGER ledger_append_only"] {
            _ = try await centre.rows(sql)
        }
        let report = try await centre.store.verify()
        #expect(!report.problems.contains { $0.hasPrefix("event ") }, "the chain itself verifies: \(report.problems)")
        #expect(report.problems.contains("device desk-1: event #3 no longer has the hash the device signed: its chain was rewritten at the centre"))
    }

    @Test func aProjectedDecisionThatDiffersFromTheLedgerIsNamed() async throws {
        let (centre, _) = try await Self.centreWithEvents()
        defer { centre.store.shutdown() }
        _ = try await centre.rows("UPDATE decision SET state = 'granted'")
        let report = try await centre.store.verify()
        #expect(report.problems == ["tenant T1: the projected decision for email/service-updates-email differs from the ledger"])
    }

    @Test func anEditedValueAndARemovedEventAreNamed() async throws {
        let (centre, _) = try await Self.centreWithEvents()
        defer { centre.store.shutdown() }
        _ = try await centre.rows("UPDATE value SET value = 'someone-else@example.org' WHERE attribute_id = 'email'")
        let edited = try await centre.store.verify()
        #expect(edited.problems.first?.hasPrefix("event desk-1#1 (central 1): the stored value of email was changed") == true, "\(edited.problems)")

        _ = try await centre.rows("ALTER TABLE ledger DISABLE TRIGGER ledger_append_only")
        _ = try await centre.rows("DELETE FROM ledger WHERE device_seq = 2")
        let removed = try await centre.store.verify()
        #expect(removed.problems.contains("event desk-1#3 (central 3): expected sequence 2 of desk-1; an event was removed, inserted or reordered"),
                "\(removed.problems)")
    }
}

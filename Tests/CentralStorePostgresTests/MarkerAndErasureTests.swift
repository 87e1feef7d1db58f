import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import SyncProtocol
import Testing

/// Markers projected at a PostgreSQL centre (last writer by HLC, then device id, as at a SQLite
/// centre), and the audit's erasure and projected-value checks.
@Suite struct PostgresMarkerAndErasureTests {
    /// The projected markers as (tenant, marker, active, writer) rows.
    static func markers(_ centre: Centre) async throws -> [[String?]] {
        try await centre.rows("""
            SELECT t.ref, m.marker, m.active::text, m.writer FROM tenant_marker m JOIN tenant t ON t.id = m.tenant_id ORDER BY 1, 2
            """)
    }

    /// Two desks set and clear markers with crossing clocks; returns the centre after both pushed.
    static func markedCentre() async throws -> Centre {
        let centre = try await Centre.make()
        var a = try await centre.enrolSigning("desk-a"), b = try await centre.enrolSigning("desk-b")
        b.clock += 60_000 // desk-b's clock runs a minute ahead
        _ = try await centre.store.push(a.push([a.event("T1", registration(["full-name": "Ann"])),
                                                a.event("T2", registration(["full-name": "Bo"]))]), from: "desk-a")
        // desk-b clears T1's marker with a later clock; desk-a's set, pushed after it, is older and must not win.
        _ = try await centre.store.push(b.push([b.event("T1", .marker("vulnerable", set: false))]), from: "desk-b")
        _ = try await centre.store.push(a.push([a.event("T1", .marker("vulnerable", set: true)),
                                                a.event("T2", .marker("safe-address", set: true))]), from: "desk-a")
        return centre
    }

    @Test func markersFollowTheLastWriterByClockWhateverOrderTheyArriveIn() async throws {
        let centre = try await Self.markedCentre()
        defer { centre.store.shutdown() }
        #expect(try await Self.markers(centre) == [["T1", "vulnerable", "false", "desk-b"], ["T2", "safe-address", "true", "desk-a"]])
        let report = try await centre.store.verify()
        #expect(report.ok, "\(report.problems)")

        _ = try await centre.rows("UPDATE tenant_marker SET active = true WHERE marker = 'vulnerable'")
        let tampered = try await centre.store.verify()
        #expect(tampered.problems == ["tenant T1: the projected marker vulnerable differs from the ledger"])
    }

    @Test func aCentreFromBeforeMarkersWereProjectedFillsThemFromItsLedger() async throws {
        let centre = try await Self.markedCentre()
        let expected = try await Self.markers(centre)
        centre.store.shutdown()
        // As a schema-3 centre left it: marker events in the ledger, no projection (and none of the
        // later tables: the staff registry, the sign-in tallies, the organisation key, the tenant's office,
        // the data-key rotation's state, the devices' kinds, the fetches on demand, the exports' origin, the restrictions in force,
        // what each device was served).
        _ = try await centre.rows("DROP TABLE tenant_marker")
        _ = try await centre.rows("DROP TABLE staff")
        _ = try await centre.rows("DROP TABLE sign_in_tally")
        _ = try await centre.rows("DROP TABLE sign_in_clear")
        _ = try await centre.rows("DROP TABLE organisation_key")
        _ = try await centre.rows("DROP TABLE key_rotation")
        _ = try await centre.rows("DROP TABLE tenant_fetch")
        _ = try await centre.rows("ALTER TABLE export DROP COLUMN origin, DROP COLUMN operator")
        _ = try await centre.rows("ALTER TABLE sync_device DROP COLUMN kind, DROP COLUMN served")
        _ = try await centre.rows("ALTER TABLE enrolment_code DROP COLUMN kind")
        _ = try await centre.rows("DROP TRIGGER current_value_office_write ON current_value")
        _ = try await centre.rows("DROP TRIGGER current_value_office_delete ON current_value")
        _ = try await centre.rows("DROP TRIGGER ledger_move ON ledger")
        _ = try await centre.rows("DROP FUNCTION tenant_follows_office()")
        _ = try await centre.rows("ALTER TABLE tenant DROP COLUMN office, DROP COLUMN office_central")
        _ = try await centre.rows("DROP INDEX ledger_requests")
        _ = try await centre.rows("ALTER TABLE disclosure DROP CONSTRAINT disclosure_pkey, ADD PRIMARY KEY (tenant_id, export_no)")
        _ = try await centre.rows("DROP TABLE restricted_attribute")
        _ = try await centre.rows("DELETE FROM schema_version WHERE version >= 4")
        let reopened = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        defer { reopened.shutdown() }
        #expect(try await Self.markers(centre) == expected)
        #expect(try await reopened.verify().ok)
    }

    @Test func aValueRemovedWithoutAnErasureIsNamedAndAnErasedOneIsNot() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        var a = try await centre.enrolSigning("desk-a")
        _ = try await centre.store.push(a.push([a.event("T1", registration(["email": "t1@example.org", "full-name": "Ann"])),
                                                a.event("T2", registration(["email": "t2@example.org", "full-name": "Bo"])),
                                                a.event("T2", .erasure(AttributeID("email")))]), from: "desk-a")
        // The push applied the erasure itself: T2's email row is cleared, and the audit accepts that.
        let erased = try await centre.rows("""
            SELECT (value IS NULL AND salt IS NULL)::text FROM value WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T2') AND attribute_id = 'email'
            """)
        #expect(erased == [["true"]], "the erasure cleared the value at the centre: \(erased)")
        #expect(try await centre.store.verify().ok)

        _ = try await centre.rows("UPDATE value SET value = NULL, salt = NULL WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T1') AND attribute_id = 'email'")
        let report = try await centre.store.verify()
        #expect(report.problems == ["event desk-a#1 (central 1): the value of email is gone but no erasure was recorded"])
    }

    @Test func aProjectedValueOrPendingCorrectionThatDiffersFromTheLedgerIsNamed() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        var a = try await centre.enrolSigning("desk-a")
        _ = try await centre.store.push(a.push([a.event("T1", registration(["email": "t1@example.org", "preferred-name": "Ann"])),
                                                a.event("T1", .correction(AttributeID("preferred-name"), .value("Anne"), pending: false)),
                                                a.event("T1", .correction(AttributeID("email"), .value("new@example.org"), pending: true))]),
                                        from: "desk-a")
        #expect(try await centre.store.verify().ok)
        // The projection is pointed back at the registration's name, as if the correction had been lost.
        _ = try await centre.rows("UPDATE current_value SET source_seq = 1 WHERE attribute_id = 'preferred-name'")
        #expect(try await centre.store.verify().problems == ["tenant T1: the projected value of preferred-name differs from the ledger"])
        _ = try await centre.rows("UPDATE current_value SET source_seq = 2 WHERE attribute_id = 'preferred-name'")
        _ = try await centre.rows("DELETE FROM pending_value")
        #expect(try await centre.store.verify().problems == ["tenant T1: the pending corrections of email differ from the ledger"])
    }
}

@testable import CentralStorePostgres
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// The restrictions read (every export makes it), an export's disclosures by number (every disclosure exchange) and
/// a few tenants' disclosures (the fetched tenants' read; disclosures are keyed by export, then tenant) use an index,
/// not a scan of the whole ledger or disclosure table: `EXPLAIN` on a real PostgreSQL centre holding 200,000 ledger
/// rows (a few of them requests), 41 exports and 200,000 disclosures, analysed.
@Suite struct ReadIndexTests {
    static func plan(_ centre: Centre, _ sql: String) async throws -> String {
        try await centre.rows("EXPLAIN " + sql).compactMap { $0.first ?? nil }.joined(separator: "\n")
    }

    @Test func theRestrictionReadAndDisclosuresByExportUseAnIndex() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        _ = try await centre.rows("""
            INSERT INTO ledger (central_seq, device_no, device_seq, tenant_id, kind, hlc, effective_at, actor, channel, hash)
            SELECT n, 1, n, n % 5000, CASE WHEN n % 20000 = 0 THEN 'restriction-request' ELSE 'decision' END, n, n, 'tenant', 'kiosk', '\\x00'::bytea
            FROM generate_series(1, 200000) AS n
            """)
        _ = try await centre.rows("""
            INSERT INTO disclosure (tenant_id, export_no, columns) SELECT n % 5000, n / 5000, 1 FROM generate_series(1, 200000) AS n
            """)
        _ = try await centre.rows("""
            INSERT INTO export (no, id, purpose_id, recipient, columns, at)
            SELECT n, 'exp-' || n, 'tenancy-management', 'landlord-staff', 'full-name', n FROM generate_series(0, 40) AS n
            """)
        _ = try await centre.rows("INSERT INTO tenant (id, ref) SELECT n, 'T' || n FROM generate_series(0, 4999) AS n")
        _ = try await centre.rows("INSERT INTO tenant_fetch (device, tenant_id, at) VALUES ('kiosk-north', 12, 1), ('kiosk-north', 4321, 1)")
        for table in ["ledger", "disclosure", "export", "tenant", "tenant_fetch"] { _ = try await centre.rows("ANALYZE \(table)") }

        let restrictions = try await Self.plan(centre, PostgresCentralStore.restrictedTenantsQuery)
        #expect(restrictions.contains("ledger_requests") && !restrictions.contains("Seq Scan"), "the restriction read scans the ledger:\n\(restrictions)")
        let disclosures = try await Self.plan(centre, "SELECT tenant_id, columns FROM disclosure WHERE export_no = 7 ORDER BY tenant_id")
        #expect(disclosures.contains("disclosure_pkey") && !disclosures.contains("Seq Scan"), "an export's disclosures scan the table:\n\(disclosures)")
        let fetched = try await Self.plan(centre, DisclosureSync.fetchedDisclosuresQuery { ["'kiosk-north'", "0", "'kiosk-north'"][$0 - 1] })
        #expect(fetched.contains("disclosure_pkey") && !fetched.contains("Seq Scan on disclosure"), "a few tenants' disclosures scan the table:\n\(fetched)")
        print("restrictions read:\n\(restrictions)\ndisclosures by export:\n\(disclosures)\nfetched tenants' disclosures:\n\(fetched)")
    }
}

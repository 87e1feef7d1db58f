import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import Foundation
import Testing

/// An export's disclosures at a PostgreSQL centre: every entry is recorded once with its columns however many
/// slices the copy takes, and a centre whose disclosures were keyed by tenant first is re-keyed by export with
/// every row kept.
@Suite struct PostgresDisclosureRecordTests {
    /// References a copy must carry as they are: a tab, a backslash, a newline and letters beyond ASCII.
    static let awkward = ["T\tab", "T\\back", "T\nline", "Ştefan-Ł1"]

    /// Bit 60 + `index` and bit 0 (bit 63 reads as a negative number in PostgreSQL's bigint).
    static func topBit(_ index: Int) -> UInt64 { UInt64(1) << UInt64(60 + index) | 1 }

    /// Every disclosure of one export as "ref:mask" lines, by reference.
    static func recorded(_ centre: Centre, _ exportID: String) async throws -> [String] {
        try await centre.rows("""
            SELECT t.ref || ':' || d.columns FROM disclosure d JOIN export e ON e.no = d.export_no JOIN tenant t ON t.id = d.tenant_id
            WHERE e.id = '\(exportID)' ORDER BY t.ref
            """).map { $0.first.flatMap { $0 } ?? "" }
    }

    @Test func manyEntriesAreRecordedEachOnceWithTheirColumnsAcrossSlices() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        // 150,000 entries of about 12 bytes each: two slices of the copy.
        let count = 150_000
        _ = try await centre.rows("INSERT INTO tenant (ref) SELECT 'R' || n FROM generate_series(1, \(count)) AS n")
        for ref in Self.awkward {
            _ = try await centre.rows("INSERT INTO tenant (ref) VALUES ('\(ref.replacingOccurrences(of: "'", with: "''"))')")
        }
        var entries: [(tenant: TenantRef, mask: UInt64)] = (1...count).map { (TenantRef("R\($0)"), UInt64($0 % 1000 + 1)) }
        for (index, ref) in Self.awkward.enumerated() { entries.append((TenantRef(ref), Self.topBit(index))) }
        entries.append((TenantRef("not-a-tenant"), 1))
        try await centre.store.recordDisclosures(exportID: "exp-many", purpose: "tenancy-management", recipient: "landlord-staff",
                                                 columns: ["full-name"], entries)

        let totals = try await centre.rows("""
            SELECT count(*)::text, (sum(d.columns) FILTER (WHERE t.ref LIKE 'R%'))::text,
                   (sum(d.columns * (substr(t.ref, 2)::bigint % 997)) FILTER (WHERE t.ref LIKE 'R%'))::text, count(DISTINCT d.tenant_id)::text
            FROM disclosure d JOIN export e ON e.no = d.export_no JOIN tenant t ON t.id = d.tenant_id WHERE e.id = 'exp-many'
            """)
        var (sum, weighted) = (0, 0)
        for number in 1...count {
            sum += number % 1000 + 1
            weighted += (number % 1000 + 1) * (number % 997)
        }
        let recorded = count + Self.awkward.count
        let expected: [String?] = [String(recorded), String(sum), String(weighted), String(recorded)]
        #expect(totals == [expected], "recorded \(totals), expected \(expected)")
        let awkward = try await centre.store.disclosures(exportID: "exp-many").filter { !$0.tenant.rawValue.hasPrefix("R") }
        #expect(awkward.map(\.tenant.rawValue).sorted() == Self.awkward.sorted())
        let awkwardMasks = Set((0..<Self.awkward.count).map(Self.topBit))
        #expect(Set(awkward.map(\.mask)) == awkwardMasks)
    }

    @Test func anExportThatSentNothingIsRecordedWithNoDisclosures() async throws {
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        try await centre.store.recordDisclosures(exportID: "exp-empty", purpose: "tenancy-management", recipient: "landlord-staff",
                                                 columns: ["full-name"], [(tenant: TenantRef, mask: UInt64)]())
        #expect(try await centre.rows("SELECT id FROM export") == [["exp-empty"]])
        #expect(try await centre.store.disclosures(exportID: "exp-empty").isEmpty)
    }

    @Test func aCentreKeyingDisclosuresByTenantIsRekeyedByExportWithEveryRow() async throws {
        let centre = try await Centre.make()
        _ = try await centre.rows("INSERT INTO tenant (ref) SELECT 'R' || n FROM generate_series(1, 300) AS n")
        for number in 1...3 {
            try await centre.store.recordDisclosures(exportID: "exp-\(number)", purpose: "tenancy-management", recipient: "landlord-staff",
                                                     columns: ["full-name"], (1...300).filter { $0 % number == 0 }.map { (tenant: TenantRef("R\($0)"), mask: UInt64(number)) })
        }
        let before = try await centre.rows("SELECT tenant_id::text, export_no::text, columns::text FROM disclosure ORDER BY tenant_id, export_no")
        centre.store.shutdown()
        // As schema 20 left it: the primary key tenant first, and an index by export.
        _ = try await Centre.rows([
            "ALTER TABLE disclosure DROP CONSTRAINT disclosure_pkey, ADD PRIMARY KEY (tenant_id, export_no)",
            "CREATE INDEX disclosure_by_export ON disclosure (export_no, tenant_id)",
            "DELETE FROM schema_version WHERE version >= 21",
        ], at: centre.location)

        let reopened = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        defer { reopened.shutdown() }
        let indexes = try await centre.rows("SELECT indexdef FROM pg_indexes WHERE tablename = 'disclosure' ORDER BY indexname")
        #expect(indexes == [["CREATE UNIQUE INDEX disclosure_pkey ON public.disclosure USING btree (export_no, tenant_id)"]], "\(indexes)")
        #expect(try await centre.rows("SELECT tenant_id::text, export_no::text, columns::text FROM disclosure ORDER BY tenant_id, export_no") == before)
        #expect(before.count == 300 + 150 + 100)
        // The key still refuses a second row for one tenant in one export.
        await #expect(throws: (any Error).self) {
            _ = try await centre.rows("INSERT INTO disclosure (tenant_id, export_no, columns) SELECT tenant_id, export_no, 9 FROM disclosure LIMIT 1")
        }
        #expect(try await reopened.verify().ok)
    }
}

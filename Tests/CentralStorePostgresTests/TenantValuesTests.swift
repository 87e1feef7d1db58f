import CentralStore
@testable import CentralStorePostgres
import ConsentCore
import ConsentVault
import Foundation
import SyncProtocol
import Testing

/// A PostgreSQL centre keeps each tenant's current values as one text (`tenant_values`, schema 19), which its
/// exports read: rebuilt by every push that changes a current value, filled when a centre from before it is
/// opened, and checked by the audit.
@Suite struct PostgresTenantValuesTests {
    /// Each tenant's text, as its `current_value` rows make it: the source of its earliest value by clock (then device
    /// number and sequence), `;`, then by attribute each cell `<length>:<attribute><status letter>`, `=` where
    /// its source is that one or else `<device>,<seq>,<hlc>,<length>:<writer>`, then `<length>:<text>` or `-` (lengths
    /// in bytes), written out here from the rows' columns.
    static func expected(_ centre: Centre) async throws -> [[String?]] {
        let rows = try await centre.rows("""
            SELECT t.ref, c.attribute_id, c.status, c.source_device::text, c.source_seq::text, c.hlc::text, c.writer, c.value
            FROM current_value c JOIN tenant t ON t.id = c.tenant_id ORDER BY t.ref, c.attribute_id
            """)
        var texts: [(ref: String, shared: (hlc: Int, device: Int, seq: Int, text: String), cells: [(head: String, source: String, text: String)])] = []
        for row in rows {
            let (ref, attribute, status, device, seq, hlc, writer) = (row[0] ?? "", row[1] ?? "", row[2] ?? "", row[3] ?? "", row[4] ?? "",
                                                                      row[5] ?? "", row[6] ?? "")
            let source = "\(device),\(seq),\(hlc),\(writer.utf8.count):\(writer)"
            let text = row[7].map { "\($0.utf8.count):\($0)" } ?? "-"
            let cell = (head: "\(attribute.utf8.count):\(attribute)\(status.prefix(1))", source: source, text: text)
            let order = (hlc: Int(hlc) ?? 0, device: Int(device) ?? 0, seq: Int(seq) ?? 0, text: source)
            if texts.last?.ref == ref {
                texts[texts.count - 1].cells.append(cell)
                let shared = texts[texts.count - 1].shared
                if (order.hlc, order.device, order.seq) < (shared.hlc, shared.device, shared.seq) {
                    texts[texts.count - 1].shared = order
                }
            } else {
                texts.append((ref, order, [cell]))
            }
        }
        return texts.map { tenant in
            [tenant.ref, tenant.shared.text + ";" + tenant.cells.map { cell in
                cell.head + (cell.source == tenant.shared.text ? "=" : cell.source) + cell.text
            }.joined()]
        }
    }

    static func stored(_ centre: Centre) async throws -> [[String?]] {
        try await centre.rows("SELECT t.ref, v.cells FROM tenant_values v JOIN tenant t ON t.id = v.tenant_id ORDER BY t.ref")
    }

    @Test func everyPushThatChangesAValueRewritesItsTenantsTextAndTheAuditNamesAnAlteredOne() async throws {
        let centre = try await PostgresCurrentTextTests.pushedCentre()
        defer { centre.store.shutdown() }
        let expected = try await Self.expected(centre)
        #expect(expected.count == 2 && expected[0][1]?.contains("14:preferred-namev") == true && expected[1][1]?.contains("5:emaile") == true
                && expected.allSatisfy { $0[1]?.contains("v=") == true },
                "the correction and the erasure are in the rows: \(expected)")
        #expect(try await Self.stored(centre) == expected)
        #expect(try await centre.store.verify().ok)

        _ = try await centre.rows("UPDATE tenant_values SET cells = replace(cells, 'Annie', 'Eve')")
        #expect(try await centre.store.verify().problems == ["tenant T1: the values exports read (tenant_values) are not the tenant's current values"])
        _ = try await centre.rows("DELETE FROM tenant_values")
        #expect(try await centre.store.verify().problems.count == 2, "both tenants' texts are missing")
    }

    /// Someone with the database writes a tenant's text so it no longer parses: an export refuses the page, naming the
    /// tenant, instead of reading what it can or leaving that tenant's values out.
    @Test func anExportRefusesATextThatDoesNotParse() async throws {
        let centre = try await PostgresCurrentTextTests.pushedCentre()
        defer { centre.store.shutdown() }
        _ = try await centre.rows("UPDATE tenant_values SET cells = '9:full-namev1,1' WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T2')")
        let slice = TenantSlice(purpose: PurposeID("tenancy-management"), attributes: [AttributeID("full-name")], special: [], readsDecisions: false)
        var read: [String] = []
        await #expect(throws: StoreError.damagedProjection(TenantRef("T2"))) {
            _ = try await centre.store.eachTenant(slice, opener: nil) { ref, _ in read.append(ref.rawValue) }
        }
        #expect(read.isEmpty, "no tenant of the page reached the export: \(read)")
    }

    /// A current value whose text is gone (status "value", text NULL) reads as unavailable, not as the answer "", and
    /// a cell with a status letter none of `v`, `p`, `e` stops the export.
    @Test func aValueWithNoTextIsUnavailableAndAnUnknownStatusStopsTheExport() async throws {
        let centre = try await PostgresCurrentTextTests.pushedCentre()
        defer { centre.store.shutdown() }
        _ = try await centre.rows("UPDATE current_value SET value = NULL WHERE attribute_id = 'full-name' AND tenant_id = (SELECT id FROM tenant WHERE ref = 'T2')")
        let slice = TenantSlice(purpose: PurposeID("tenancy-management"), attributes: [AttributeID("full-name")], special: [], readsDecisions: false)
        var read: [String: ValueState] = [:]
        _ = try await centre.store.eachTenant(slice, opener: nil) { ref, state in read[ref.rawValue] = state.value(AttributeID("full-name")) }
        #expect(read["T2"]?.isUnavailable == true, "\(read)")
        #expect(read["T1"]?.answer != nil, "the other tenant's name is read: \(read)")

        _ = try await centre.rows("UPDATE tenant_values SET cells = replace(cells, '9:full-namev', '9:full-namex') WHERE tenant_id = (SELECT id FROM tenant WHERE ref = 'T1')")
        await #expect(throws: StoreError.damagedProjection(TenantRef("T1"))) {
            _ = try await centre.store.eachTenant(slice, opener: nil) { _, _ in }
        }
    }

    @Test func aCentreFromBeforeTheTextFillsItWhenOpened() async throws {
        let centre = try await PostgresCurrentTextTests.pushedCentre()
        centre.store.shutdown()
        _ = try await Centre.rows([
            "DROP TRIGGER tenant_values_insert ON current_value", "DROP TRIGGER tenant_values_update ON current_value",
            "DROP TRIGGER tenant_values_delete ON current_value", "DROP FUNCTION tenant_values_refresh()", "DROP TABLE tenant_values",
            "DELETE FROM schema_version WHERE version >= 19",
        ], at: centre.location)
        let reopened = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        defer { reopened.shutdown() }
        #expect(try await Self.stored(centre) == Self.expected(centre))
        #expect(try await reopened.verify().ok)
    }

    /// A centre whose texts were written before the shared source (schema 19): opening it writes every text again.
    @Test func aCentresTextsFromBeforeTheSharedSourceAreWrittenAgain() async throws {
        let centre = try await PostgresCurrentTextTests.pushedCentre()
        centre.store.shutdown()
        let everyCellWithItsSource = "string_agg(\(ValueCells.cellSQL("c.") { "octet_length(\($0))" }), '' ORDER BY c.attribute_id)"
        _ = try await Centre.rows([
            "DELETE FROM tenant_values",
            "INSERT INTO tenant_values (tenant_id, cells) SELECT c.tenant_id, \(everyCellWithItsSource) FROM current_value c GROUP BY c.tenant_id",
            "DELETE FROM schema_version WHERE version >= 20",
        ], at: centre.location)
        #expect(try await Self.stored(centre) != Self.expected(centre))
        let reopened = try await PostgresCentralStore.open(centre.location, catalogue: centre.catalogue)
        defer { reopened.shutdown() }
        #expect(try await Self.stored(centre) == Self.expected(centre))
        #expect(try await reopened.verify().ok)
    }
}

import Foundation

/// What has been sent out about a tenant a kiosk fetched on demand (a tenant of another office, `TenantFetchCheck`):
/// their disclosures lie outside the device's scope (``DisclosureSync/scope(mark:)``), and most were made before the
/// fetch, behind the device's disclosure cursor. So while the device keeps the fetched tenant (``TenantFetchCheck/kept``),
/// the last page of each disclosure exchange also carries every export naming them (made anywhere but on the device),
/// cut to the tenants it fetched; the device recognises what it already holds. Both centres run the same query.
extension DisclosureSync {
    /// Rows (export number, tenant reference, columns mask), by export then tenant, of the disclosures naming tenants
    /// `device` was sent after a moment, in exports it did not make. Arguments: the device's id, the moment (ms:
    /// `TenantFetchCheck.forgetBefore(now:)`, so only tenants it still keeps), the device's id again.
    public static func fetchedDisclosuresQuery(mark: (Int) -> String) -> String {
        """
        SELECT d.export_no, t.ref, d.columns FROM tenant_fetch f JOIN tenant t ON t.id = f.tenant_id \
        JOIN disclosure d ON d.tenant_id = f.tenant_id JOIN export e ON e.no = d.export_no \
        WHERE f.device = \(mark(1)) AND f.at > \(mark(2)) AND (e.origin IS NULL OR e.origin <> \(mark(3))) \
        ORDER BY d.export_no, t.id
        """
    }

    /// `exports` (a reply's page) with `fetched` (exports cut to fetched tenants) added: an export already in the page
    /// gains the fetched tenants it lacks, any other is appended.
    public static func adding(fetched: [WireExport], to exports: [WireExport]) -> [WireExport] {
        var result = exports
        for export in fetched {
            if let i = result.firstIndex(where: { $0.id == export.id }) {
                let named = Set(result[i].entries.map(\.tenant))
                result[i].entries += export.entries.filter { !named.contains($0.tenant) }
            } else if !export.entries.isEmpty {
                result.append(export)
            }
        }
        return result
    }
}

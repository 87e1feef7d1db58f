import ConsentBench
import Foundation

/// Prints where a register's bytes go: the total per tenant against the goal, then each table of at least 1% of it.
/// `flat`, when given, is the plainest storage of the same cells (bytes per row) and the register's ratio to it.
func printStorage(_ storage: StorageReport, against flat: (bytesPerRow: Double, ratio: Double)? = nil) {
    print(String(format: "storage: %.0f bytes per tenant over %d tenants, vault included (goal <= %.0f; ",
                 storage.bytesPerTenant, storage.tenants, StorageReport.goalBytesPerTenant) + "\(storage.method))")
    if let flat {
        print(String(format: "  the flat table sqlite3 .import made of the same file: %.0f bytes per row; %.1fx", flat.bytesPerRow, flat.ratio))
    }
    let shown = storage.tables.filter { $0.bytesPerTenant >= storage.bytesPerTenant / 100 }
    for t in shown {
        print("  \(t.file) \(t.name): " + String(format: "%.0f bytes/tenant (%.1f MB)", t.bytesPerTenant, Double(t.bytes) / 1_000_000))
    }
    let rest = storage.tables.count - shown.count
    if rest > 0 {
        let bytes = storage.bytesPerTenant - shown.reduce(0) { $0 + $1.bytesPerTenant }
        print("  \(rest) smaller tables (each under 1%; --json lists them): " + String(format: "%.0f bytes/tenant", bytes))
    }
}

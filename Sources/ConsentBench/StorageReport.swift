import ConsentStore
import Foundation
import GRDB

/// Where a register's bytes go: each table (its indexes counted with it) of the main file and of the vault file,
/// in bytes per tenant, so a change to the storage can be seen against the goal (≤ 1.2 KB per tenant, vault
/// included). Sizes come from SQLite's `dbstat` table where the library has it, else from page counts (one row
/// per file).
public struct StorageReport: Codable, Sendable {
    /// One table's share.
    public struct Table: Codable, Sendable {
        /// `register` or `vault`.
        public var file: String
        /// The table (indexes and automatic indexes are counted with their table), `(free pages)`, or `(whole file)`.
        public var name: String
        public var bytes: Int
        public var bytesPerTenant: Double
    }

    public var tenants: Int
    /// `dbstat` or `page counts`.
    public var method: String
    /// Largest first, per file.
    public var tables: [Table]
    /// All files' bytes (pages in use and free pages) per tenant.
    public var bytesPerTenant: Double
    /// The goal, for the report.
    public static let goalBytesPerTenant = 1200.0

    /// Measures the register at `path` and its vault beside it, opened read-only.
    public static func measure(register path: String) throws -> StorageReport {
        let register = try DatabaseQueue(path: path, configuration: readOnly)
        let tenants = try register.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM tenant") ?? 0 }
        var files: [(String, DatabaseQueue)] = [("register", register)]
        let vault = ConsentDatabase.vaultPath(for: path)
        if FileManager.default.fileExists(atPath: vault) { files.append(("vault", try DatabaseQueue(path: vault, configuration: readOnly))) }
        var tables: [Table] = []
        var method = "dbstat"
        for (file, queue) in files {
            let (sizes, measured) = try queue.read { db in try sizesByTable(db) }
            if !measured { method = "page counts" }
            tables += sizes.map { Table(file: file, name: $0.0, bytes: $0.1, bytesPerTenant: perTenant($0.1, tenants)) }
        }
        let total = tables.reduce(0) { $0 + $1.bytes }
        return StorageReport(tenants: tenants, method: method, tables: tables, bytesPerTenant: perTenant(total, tenants))
    }

    private static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }

    private static func perTenant(_ bytes: Int, _ tenants: Int) -> Double { tenants > 0 ? Double(bytes) / Double(tenants) : 0 }

    /// Bytes per table (largest first) and free pages; with `false` when `dbstat` is missing and only the whole file
    /// could be counted.
    private static func sizesByTable(_ db: Database) throws -> ([(String, Int)], Bool) {
        let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
        let free = (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0) * pageSize
        let rows: [Row]
        do {
            rows = try Row.fetchAll(db, sql: """
                SELECT coalesce(m.tbl_name, d.name) AS name, sum(d.pgsize) AS bytes FROM dbstat d
                LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC
                """)
        } catch {
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            return ([("(whole file)", pages * pageSize)], false)
        }
        let sizes = rows.map { (($0["name"] as String?) ?? "?", ($0["bytes"] as Int?) ?? 0) }
        return (sizes + (free > 0 ? [("(free pages)", free)] : []), true)
    }
}

import ConsentCore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Records an export and its disclosures (what left the system about whom) in one transaction,
    /// reading the entries as they come so a whole-register export never holds them all. Each
    /// entry's mask selects the export's `columns` that tenant got; an entry naming no tenant held
    /// here is skipped.
    ///
    /// The rows are appended: `disclosure` is keyed by (export, tenant), and an export's entries come
    /// in register order, so their tenants' ids are read by one ordered scan of `tenant` (``TenantIDs``)
    /// rather than a seek by reference each.
    public func recordDisclosures(
        exportID: String, purpose: String, recipient: String, columns: [String], operator: String? = nil,
        _ entries: some Sequence<(tenant: TenantRef, mask: UInt64)>
    ) throws {
        let now = Millis.from(clock())
        try queue.write { db in
            try db.execute(sql: "INSERT INTO export (id, purpose_id, recipient, columns, at, operator) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [exportID, purpose, recipient, columns.joined(separator: ","), now, `operator`])
            let export = db.lastInsertedRowID
            var rows = DisclosureRows(db, export: export)
            var tenants = try TenantIDs(db)
            defer { tenants.finish() }
            for entry in entries {
                guard let id = try tenants.id(entry.tenant) else { continue }
                try rows.append(tenant: id, mask: entry.mask)
            }
            try rows.flush()
        }
    }
}

/// An export's disclosure rows, inserted `batch` at a time by one multi-row statement (a statement a row spent as
/// long in SQLite's per-statement work as in writing the rows).
private struct DisclosureRows {
    static let batch = 100
    private static let wholeBatch = insert(batch)
    private let db: Database
    private let export: Int64
    private var pending: [(tenant: Int64, mask: UInt64)] = []

    init(_ db: Database, export: Int64) {
        self.db = db
        self.export = export
        pending.reserveCapacity(Self.batch)
    }

    mutating func append(tenant: Int64, mask: UInt64) throws {
        pending.append((tenant, mask))
        if pending.count == Self.batch { try flush() }
    }

    /// Inserts the rows held so far.
    mutating func flush() throws {
        guard !pending.isEmpty else { return }
        var insert = try RawStatement(db, pending.count == Self.batch ? Self.wholeBatch : Self.insert(pending.count))
        for row in pending {
            insert.bind(row.tenant)
            insert.bind(export)
            insert.bind(Int64(bitPattern: row.mask))
        }
        try insert.execute()
        pending.removeAll(keepingCapacity: true)
    }

    /// The statement that inserts `rows` rows.
    private static func insert(_ rows: Int) -> String {
        "INSERT INTO disclosure (tenant_id, export_no, columns) VALUES " + Array(repeating: "(?, ?, ?)", count: rows).joined(separator: ", ")
    }
}

/// Tenants' ids for references that mostly come in register order (an export's entries): each is
/// matched against the next few rows of one ordered scan of `tenant`; any other is sought by its
/// reference, and the scan goes on from there. Every id returned is the one whose reference is
/// exactly the one asked for.
struct TenantIDs {
    /// How many rows of the scan a reference is looked for in before it is sought instead (tenants an
    /// export leaves out are skipped this way).
    static let lookahead = 16
    private let db: Database
    private let scanStatement: Statement
    private let seekStatement: Statement
    private var scan: RawStatement
    private var hasRow: Bool

    init(_ db: Database) throws {
        self.db = db
        scanStatement = try db.makeStatement(sql: "SELECT id, ref FROM tenant WHERE id > ? ORDER BY id")
        seekStatement = try db.makeStatement(sql: "SELECT id FROM tenant WHERE ref = ?")
        scan = try RawStatement(db, scanStatement)
        scan.bind(Int64(0))
        hasRow = try scan.step()
    }

    /// The id of the tenant with reference `ref`, or nil when none is held here.
    mutating func id(_ ref: TenantRef) throws -> Int64? {
        let bytes = Array(ref.rawValue.utf8)
        var looked = 0
        while hasRow, looked < Self.lookahead {
            let matches = scan.withBytes(1) { AttributeNames.same(bytes, $0) }
            let id = scan.int64(0)
            hasRow = try scan.step()
            if matches { return id }
            looked += 1
        }
        var seek = try RawStatement(db, seekStatement)
        seek.bind(ref.rawValue)
        guard try seek.step(), let id = seek.int64(0) else { return nil }
        seek.done()
        scan = try RawStatement(db, scanStatement)
        scan.bind(id)
        hasRow = try scan.step()
        return id
    }

    /// Ends the scan.
    func finish() { scan.done() }
}

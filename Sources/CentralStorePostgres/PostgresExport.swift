import CentralStore
import ConsentCore
import ConsentVault
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresCentralStore {
    /// Tenants read per page by ``eachTenant(_:pageSize:_:)``: memory holds one page at a time.
    public static let exportPageSize = 1_000

    /// Calls `body` for every tenant of one REPEATABLE READ snapshot, in tenant-number order (the
    /// order tenants first reached the centre, as at a SQLite centre; kept by `consent migrate`),
    /// each with the slice's current values, its purpose's decisions and the tenant's restrictions in
    /// force (which the gate denies for every use). Tenants are read in pages
    /// keyed by number, so memory holds one page however large the register. Returns the highest
    /// central sequence the snapshot includes.
    /// Sealed special categories open with `opener` (the organisation's key, which the centre never
    /// holds); without it they read as ``ValueState/unavailable(source:)``. Tenants the slice passes
    /// over (``TenantSlice/passesOver(_:)``) are counted, not given to `body`.
    public func eachTenant(_ slice: TenantSlice, opener: SealedValueOpener?, pageSize: Int = exportPageSize,
                           _ body: (TenantRef, TenantState) throws -> Void) async throws -> SliceRead {
        try await withTransaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") { connection in
            let position = try await Self.first(Int64.self, "SELECT COALESCE(max(central_seq), 0) FROM ledger", on: connection, logger: logger) ?? 0
            let restricted = try await Self.restrictions(on: connection, logger: logger)
            let reader = try await TenantPageReader(connection: connection, logger: logger, slice: slice, opener: opener)
            var passedOver = 0
            var page = try await reader.page(after: 0, limit: pageSize)
            while true {
                // The next page is read and parsed while `body` takes this one (at most two pages in memory): the
                // server's work and the cells' parsing no longer wait for the gate and the file, nor they for them.
                let more = page.count == pageSize ? page.last?.id : nil
                async let following = Self.page(of: reader, after: more, limit: pageSize)
                for (_, var state) in page {
                    if slice.passesOver(state) {
                        passedOver += 1
                        continue
                    }
                    state.restricted = restricted[state.ref.rawValue] ?? []
                    try body(state.ref, state)
                }
                page = try await following
                if more == nil { break }
            }
            return SliceRead(position: position, passedOver: passedOver)
        }
    }

    /// The page after tenant number `after` (none when nil: the last page was short).
    private static func page(of reader: TenantPageReader, after: Int64?, limit: Int) async throws -> [(id: Int64, state: TenantState)] {
        guard let after else { return [] }
        return try await reader.page(after: after, limit: limit)
    }

    /// The data keys held here (wrapped), for a ``SealedValueOpener``.
    public func wrappedDataKeys() async throws(CentralStoreError) -> [(keyID: String, kekID: String, wrapped: Data)] {
        try await transaction { connection in
            var out: [(keyID: String, kekID: String, wrapped: Data)] = []
            for try await row in try await connection.query("SELECT key_id, kek_id, wrapped FROM data_key ORDER BY created_at, key_id",
                                                            logger: self.logger).decode((String, String, Data).self) {
                out.append((row.0, row.1, row.2))
            }
            return out
        }
    }

    /// Records an export and which of its columns each tenant was sent (bit `i` of a mask for
    /// column `i`), in one transaction. The entries are copied (`COPY`, in slices of about 1 MB, so memory
    /// stays flat) into a scratch table that dies with the transaction, then matched to their tenants
    /// by one join: chunks of references sought one by one took longer than storing the rows.
    public func recordDisclosures(exportID: String, purpose: String, recipient: String, columns: [String], operator: String? = nil,
                                  _ entries: some Sequence<(tenant: TenantRef, mask: UInt64)>) async throws {
        do {
            try await withTransaction { connection in
                try await connection.query("CREATE TEMPORARY TABLE disclosed (ref text NOT NULL, mask bigint NOT NULL) ON COMMIT DROP",
                                           logger: logger)
                try await connection.copyFrom(table: "disclosed", columns: ["ref", "mask"], logger: logger) { writer in
                    var rows = CopyRows(capacity: 1 << 20)
                    for entry in entries {
                        rows.text(entry.tenant.rawValue)
                        rows.int(Int64(bitPattern: entry.mask))
                        rows.endRow()
                        if rows.storage.count >= 1 << 20 { try await rows.send(to: writer) }
                    }
                    try await rows.send(to: writer)
                }
                // Export numbers become visible in order (a device's disclosure cursor never passes one uncommitted):
                // the lock is taken after the copy, so it is held only while the rows go in.
                try await connection.query("LOCK TABLE export IN EXCLUSIVE MODE", logger: logger)
                let number = try await Self.first(Int64.self, """
                    INSERT INTO export (id, purpose_id, recipient, columns, at, operator)
                    VALUES (\(exportID), \(purpose), \(recipient), \(columns.joined(separator: ",")), \(self.now()), \(`operator`)) RETURNING no
                    """, on: connection, logger: logger) ?? 0
                try await connection.query("""
                    INSERT INTO disclosure (tenant_id, export_no, columns)
                    SELECT t.id, \(number), x.mask FROM disclosed x JOIN tenant t ON t.ref = x.ref ORDER BY t.id
                    """, logger: logger)
            }
        } catch {
            throw CentralStoreError.storage(Self.describe(error))
        }
    }

    /// The tenants an export was disclosed to, with their column masks (for tests and audits).
    public func disclosures(exportID: String) async throws(CentralStoreError) -> [(tenant: TenantRef, mask: UInt64)] {
        try await transaction { connection in
            var out: [(tenant: TenantRef, mask: UInt64)] = []
            for try await (ref, mask) in try await connection.query("""
                SELECT t.ref, d.columns FROM disclosure d JOIN export e ON e.no = d.export_no JOIN tenant t ON t.id = d.tenant_id
                WHERE e.id = \(exportID) ORDER BY t.ref
                """, logger: self.logger).decode((String, Int64).self) {
                out.append((TenantRef(ref), UInt64(bitPattern: mask)))
            }
            return out
        }
    }

    /// The recalls owed for an export made from this centre (or migrated to it): changes numbered
    /// after `position` that stop use of what it disclosed, per tenant in central order. The same
    /// rule as ``ConsentDatabase/recalls(exportID:purpose:after:)``.
    public func recalls(exportID: String, purpose: String, after position: Int64) async throws -> [Recall] {
        let found = try await transaction { connection -> [Recall]? in
            guard let export = try await connection.query("SELECT no, columns FROM export WHERE id = \(exportID)", logger: self.logger)
                .decode((Int64, String).self).first(where: { _ in true }) else { return nil }
            var recalls: [Recall] = []
            for try await (ref, mask, kind, state, attribute, effective, central) in try await connection.query("""
                SELECT t.ref, d.columns, l.kind, l.state, l.attribute_id, l.effective_at, l.central_seq
                FROM ledger l JOIN disclosure d ON d.tenant_id = l.tenant_id AND d.export_no = \(export.0)
                JOIN tenant t ON t.id = l.tenant_id
                WHERE l.central_seq > \(position)
                  AND ((l.kind = 'decision' AND l.purpose_id = \(purpose) AND l.state IN ('withdrawn', 'objected')) OR l.kind = 'erasure')
                ORDER BY l.tenant_id, l.central_seq
                """, logger: self.logger).decode((String, Int64, String, String?, String?, Int64, Int64).self) {
                guard let recall = Recall(tenant: ref, exportColumns: export.1, mask: mask, kind: kind, state: state, attributes: attribute,
                                          effectiveAt: effective, ledgerPosition: central) else { continue }
                recalls.append(recall)
            }
            return recalls
        }
        guard let found else { throw StoreError.unknownExport(exportID) }
        return found
    }

    /// The first column of the first row of a query, or nil when it returns none.
    static func first<T: PostgresDecodable & Sendable>(_ type: T.Type, _ query: PostgresQuery, on connection: PostgresConnection,
                                                      logger: Logger) async throws -> T? {
        for try await value in try await connection.query(query, logger: logger).decode(T.self) { return value }
        return nil
    }
}

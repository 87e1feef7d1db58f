import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// Disclosures exchanged with devices on PostgreSQL, as the SQLite centre exchanges them: one
/// transaction takes a device's exports or parts of them (only the tenants it may hold,
/// `DisclosureSync.scope`), then the next exports made elsewhere are read, each cut to the tenants the
/// device may hold. Export numbers are taken under a lock on `export` held to commit (here and in
/// `recordDisclosures`), so they become visible in order and no device's cursor passes one still uncommitted.
extension PostgresCentralStore {
    public func exchangeDisclosures(_ request: DisclosureExchange, from device: String) async throws(CentralStoreError) -> DisclosureReply {
        let now = self.now()
        if let problem = DisclosureSync.problem(request, authenticated: device, catalogue: catalogue, now: Millis.date(now)) { throw problem }
        let logger = self.logger
        let (office, own) = try await transaction { connection in
            guard let office = try await Self.first(String.self, "SELECT office FROM sync_device WHERE id = \(device)", on: connection, logger: logger)
            else { throw CentralStoreError.unauthenticated(device) }
            let own = try await Self.first(Int64.self, "SELECT no FROM device WHERE id = \(device)", on: connection, logger: logger) ?? -1
            guard !request.exports.isEmpty else { return (office, own) }
            try await connection.query("LOCK TABLE export IN EXCLUSIVE MODE", logger: logger)
            var (taken, named) = (0, 0)
            for export in request.exports {
                var number: Int64?, origin: String?, stored: (String, String, String, Int64)?
                for try await (no, found, purpose, recipient, columns, at) in try await connection.query("""
                    SELECT no, origin, purpose_id, recipient, columns, at FROM export WHERE id = \(export.id)
                    """, logger: logger).decode((Int64, String?, String, String, String, Int64).self) {
                    (number, origin, stored) = (no, found, (purpose, recipient, columns, at))
                }
                if number != nil, origin != device { throw CentralStoreError.invalid("export id \(export.id) is already used at the centre") }
                if let (purpose, recipient, columns, at) = stored,
                   let problem = DisclosureSync.partProblem(export, purpose: purpose, recipient: recipient, columns: columns, at: at) {
                    throw CentralStoreError.invalid(problem)
                }
                if number == nil {
                    number = try await Self.first(Int64.self, """
                        INSERT INTO export (id, purpose_id, recipient, columns, at, origin, operator)
                        VALUES (\(export.id), \(export.purpose), \(export.recipient), \(export.columns.joined(separator: ",")), \(export.at),
                                \(device), \(export.operator)) RETURNING no
                        """, on: connection, logger: logger)
                }
                var binds = PostgresBindings()
                binds.append(number ?? 0)
                binds.append(export.entries.map(\.tenant))
                binds.append(export.entries.map { Int64(bitPattern: $0.columns) })
                binds.append(office)
                binds.append(office)
                binds.append(own)
                // Without a pull cursor (an older device) no tenant who moved away is taken: none moved after the last event.
                binds.append(request.pulled ?? Int64.max)
                let inserted = try await Self.first(Int64.self, PostgresQuery(unsafeSQL: """
                    WITH added AS (INSERT INTO disclosure (tenant_id, export_no, columns)
                      SELECT t.id, $1, x.m FROM unnest($2::text[], $3::bigint[]) AS x(r, m) JOIN tenant t ON t.ref = x.r
                      WHERE \(DisclosureSync.heldScope { "$\($0 + 3)" })
                      ON CONFLICT DO NOTHING RETURNING 1)
                    SELECT count(*) FROM added
                    """, binds: binds), on: connection, logger: logger) ?? 0
                taken += Int(inserted)
                if stored != nil, inserted > 0, let old = number {
                    // A later part: the export takes the next number, so a device whose cursor passed it receives it again.
                    let next = try await Self.first(Int64.self, """
                        UPDATE export SET no = nextval(pg_get_serial_sequence('export', 'no')) WHERE no = \(old) RETURNING no
                        """, on: connection, logger: logger) ?? old
                    try await connection.query("UPDATE disclosure SET export_no = \(next) WHERE export_no = \(old)", logger: logger)
                }
                named += export.entries.count
            }
            try await Self.audit(device: device, what: "disclosures: took \(request.exports.count) export(s) naming \(taken) tenant(s) of \(named) named",
                                 at: now, on: connection, logger: logger)
            return (office, own)
        }
        guard request.receive != false else { return DisclosureReply(exports: [], cursor: request.cursor, more: false) }
        return try await transaction { connection in
            var numbers: [Int64] = []
            for try await no in try await connection.query("""
                SELECT no FROM export WHERE no > \(request.cursor) ORDER BY no LIMIT \(Int64(DisclosureSync.maxExports))
                """, logger: logger).decode(Int64.self) { numbers.append(no) }
            var (exports, entries, cursor) = ([WireExport](), 0, request.cursor)
            for no in numbers {
                if entries >= DisclosureSync.maxEntries { break }
                cursor = no
                var found: WireExport?
                for try await (id, purpose, recipient, columns, at, who, origin) in try await connection.query("""
                    SELECT id, purpose_id, recipient, columns, at, operator, origin FROM export WHERE no = \(no)
                    """, logger: logger).decode((String, String, String, String, Int64, String?, String?).self) {
                    found = WireExport(id: id, purpose: purpose, recipient: recipient, columns: columns.split(separator: ",").map(String.init),
                                       at: at, operator: who, origin: origin, entries: [])
                }
                guard var export = found, export.origin != device else { continue }
                var binds = PostgresBindings()
                binds.append(no)
                binds.append(office)
                binds.append(office)
                binds.append(own)
                for try await (ref, mask) in try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT t.ref, d.columns FROM disclosure d JOIN tenant t ON t.id = d.tenant_id
                    WHERE d.export_no = $1 AND \(DisclosureSync.scope { "$\($0 + 1)" }) ORDER BY d.tenant_id
                    """, binds: binds), logger: logger).decode((String, Int64).self) {
                    export.entries.append(WireDisclosure(tenant: ref, columns: UInt64(bitPattern: mask)))
                }
                entries += export.entries.count
                if !export.entries.isEmpty { exports.append(export) }
            }
            let more = numbers.count == DisclosureSync.maxExports || numbers.last.map { $0 != cursor } == true
            if !more { exports = DisclosureSync.adding(fetched: try await self.fetchedDisclosures(device: device, on: connection), to: exports) }
            return DisclosureReply(exports: exports, cursor: cursor, more: more)
        }
    }

    /// The exports naming tenants `device` was sent on demand and still keeps, each cut to those tenants
    /// (`DisclosureSync.fetchedDisclosuresQuery`).
    private func fetchedDisclosures(device: String, on connection: PostgresConnection) async throws -> [WireExport] {
        var binds = PostgresBindings()
        binds.append(device)
        binds.append(TenantFetchCheck.forgetBefore(now: now()))
        binds.append(device)
        var rows: [(Int64, String, Int64)] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: DisclosureSync.fetchedDisclosuresQuery { "$\($0)" }, binds: binds),
                                                        logger: logger).decode((Int64, String, Int64).self) { rows.append(row) }
        var exports: [WireExport] = []
        var numbers: [Int64] = []
        for (no, ref, mask) in rows {
            if numbers.last != no {
                var found: WireExport?
                for try await (id, purpose, recipient, columns, at, who, origin) in try await connection.query("""
                    SELECT id, purpose_id, recipient, columns, at, operator, origin FROM export WHERE no = \(no)
                    """, logger: logger).decode((String, String, String, String, Int64, String?, String?).self) {
                    found = WireExport(id: id, purpose: purpose, recipient: recipient, columns: columns.split(separator: ",").map(String.init),
                                       at: at, operator: who, origin: origin, entries: [])
                }
                guard let export = found else { continue }
                exports.append(export)
                numbers.append(no)
            }
            exports[exports.count - 1].entries.append(WireDisclosure(tenant: ref, columns: UInt64(bitPattern: mask)))
        }
        return exports
    }
}

import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// Disclosures exchanged with devices on PostgreSQL, as the SQLite centre exchanges them: one
/// transaction takes a device's exports (only tenants it may hold, `DisclosureSync.scope`) and answers
/// with the next exports made elsewhere, each cut to the tenants the device may hold.
extension PostgresCentralStore {
    public func exchangeDisclosures(_ request: DisclosureExchange, from device: String) async throws(CentralStoreError) -> DisclosureReply {
        if let problem = DisclosureSync.problem(request, authenticated: device) { throw problem }
        let logger = self.logger, now = self.now()
        return try await transaction { connection in
            guard let office = try await Self.first(String.self, "SELECT office FROM sync_device WHERE id = \(device)", on: connection, logger: logger)
            else { throw CentralStoreError.unauthenticated(device) }
            let own = try await Self.first(Int64.self, "SELECT no FROM device WHERE id = \(device)", on: connection, logger: logger) ?? -1
            var taken = 0
            for export in request.exports {
                var known = false, origin: String?
                for try await found in try await connection.query("SELECT origin FROM export WHERE id = \(export.id)", logger: logger)
                    .decode(String?.self) { (known, origin) = (true, found) }
                if known {
                    guard origin == device else { throw CentralStoreError.invalid("export id \(export.id) is already used at the centre") }
                    continue
                }
                let refs = export.entries.map(\.tenant), masks = export.entries.map { Int64(bitPattern: $0.columns) }
                var binds = PostgresBindings()
                binds.append(refs)
                binds.append(office)
                binds.append(office)
                binds.append(own)
                let outside = try await Self.first(String.self, PostgresQuery(unsafeSQL: """
                    SELECT x.r FROM unnest($1::text[]) AS x(r) WHERE NOT EXISTS (
                      SELECT 1 FROM tenant t WHERE t.ref = x.r AND \(DisclosureSync.scope { "$\($0 + 1)" })) LIMIT 1
                    """, binds: binds), on: connection, logger: logger)
                if let outside {
                    throw CentralStoreError.invalid("export \(export.id) names \(outside), whom \(device) does not hold; nothing was stored")
                }
                let number = try await Self.first(Int64.self, """
                    INSERT INTO export (id, purpose_id, recipient, columns, at, origin, operator)
                    VALUES (\(export.id), \(export.purpose), \(export.recipient), \(export.columns.joined(separator: ",")), \(export.at),
                            \(device), \(export.operator)) RETURNING no
                    """, on: connection, logger: logger) ?? 0
                try await connection.query("""
                    INSERT INTO disclosure (tenant_id, export_no, columns)
                    SELECT t.id, \(number), x.m FROM unnest(\(refs), \(masks)) AS x(r, m) JOIN tenant t ON t.ref = x.r
                    """, logger: logger)
                taken += refs.count
            }
            var numbers: [Int64] = []
            for try await no in try await connection.query("""
                SELECT no FROM export WHERE no > \(request.cursor) ORDER BY no LIMIT \(Int64(DisclosureSync.maxExports))
                """, logger: logger).decode(Int64.self) { numbers.append(no) }
            var exports: [WireExport] = []
            for no in numbers {
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
                if !export.entries.isEmpty { exports.append(export) }
            }
            if !request.exports.isEmpty || !exports.isEmpty {
                try await Self.audit(device: device, what: "disclosures: took \(request.exports.count) export(s) naming \(taken) tenant(s); sent \(exports.count) export(s)",
                                     at: now, on: connection, logger: logger)
            }
            return DisclosureReply(exports: exports, cursor: numbers.last ?? request.cursor, more: numbers.count == DisclosureSync.maxExports)
        }
    }
}

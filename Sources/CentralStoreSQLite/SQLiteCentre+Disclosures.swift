import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Takes the exports `device` made (each naming only tenants it may hold, `DisclosureSync.scope`; a
    /// resent export is recognised by its id and origin) and answers with the next exports after the
    /// device's cursor made anywhere else, each with only the tenants the device may hold. One
    /// transaction, audited; an export that names a tenant outside the device's scope, or reuses another
    /// export's id, refuses the whole exchange and stores nothing.
    package func exchangeDisclosures(_ request: DisclosureExchange, from device: String) throws(StoreError) -> DisclosureReply {
        try requireCentre()
        if let problem = DisclosureSync.problem(request, authenticated: device) { throw .sync(problem) }
        let now = clock()
        return try write { db in
            try refuseIfMoved(db)
            guard let office = try String.fetchOne(db, sql: "SELECT office FROM sync_device WHERE id = ?", arguments: [device]) else {
                throw CentralStoreError.unauthenticated(device)
            }
            let own = try Int64.fetchOne(db, sql: "SELECT no FROM device WHERE id = ?", arguments: [device]) ?? -1
            var taken = 0
            for export in request.exports {
                if let origin = try String?.fetchOne(db, sql: "SELECT origin FROM export WHERE id = ?", arguments: [export.id]) {
                    guard origin == device else { throw CentralStoreError.invalid("export id \(export.id) is already used at the centre") }
                    continue
                }
                let outside = try Self.outsideScope(db, export.entries.map(\.tenant), office: office, device: own)
                if let outside {
                    throw CentralStoreError.invalid("export \(export.id) names \(outside), whom \(device) does not hold; nothing was stored")
                }
                try db.execute(sql: """
                    INSERT INTO export (id, purpose_id, recipient, columns, at, origin, operator) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [export.id, export.purpose, export.recipient, export.columns.joined(separator: ","), export.at,
                                     device, export.operator])
                taken += try Self.insertDisclosures(db, export: db.lastInsertedRowID, export.entries)
            }
            let numbers = try Int64.fetchAll(db, sql: "SELECT no FROM export WHERE no > ? ORDER BY no LIMIT ?",
                                             arguments: [request.cursor, DisclosureSync.maxExports])
            var exports: [WireExport] = []
            for no in numbers {
                let origin = try String?.fetchOne(db, sql: "SELECT origin FROM export WHERE no = ?", arguments: [no]) ?? nil
                guard origin != device, var export = try Self.export(db, no: no, origin: origin) else { continue }
                let held = Set(try String.fetchAll(db, sql: """
                    SELECT t.ref FROM disclosure d JOIN tenant t ON t.id = d.tenant_id WHERE d.export_no = ? AND \(DisclosureSync.scope())
                    """, arguments: [no, office, office, own]))
                export.entries.removeAll { !held.contains($0.tenant) }
                if !export.entries.isEmpty { exports.append(export) }
            }
            if !request.exports.isEmpty || !exports.isEmpty {
                try Self.audit(db, at: now, device: device, what: """
                    disclosures: took \(request.exports.count) export(s) naming \(taken) tenant(s); sent \(exports.count) export(s)
                    """)
            }
            return DisclosureReply(exports: exports, cursor: numbers.last ?? request.cursor, more: numbers.count == DisclosureSync.maxExports)
        }
    }

    /// The first of `refs` that is not a tenant here the device may hold, if any.
    private static func outsideScope(_ db: Database, _ refs: [String], office: String, device: Int64) throws -> String? {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM tenant t WHERE t.ref = ? AND \(DisclosureSync.scope())")
        for ref in refs where try Int.fetchOne(statement, arguments: [ref, office, office, device]) == nil {
            return ref
        }
        return nil
    }
}

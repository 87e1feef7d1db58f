import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Takes the exports `device` made, or parts of them (an export already taken from it gains the
    /// tenants of a later part; a resent part adds nothing), recording only the tenants it may hold
    /// (`DisclosureSync.scope`; the others are left out and counted in the audit log), then answers with the
    /// next exports after the device's cursor made anywhere else, each with only the tenants the device
    /// may hold, up to `DisclosureSync.maxEntries` tenants a reply. An export whose id another origin
    /// already uses, or any field `DisclosureSync.problem` refuses, refuses the whole exchange.
    package func exchangeDisclosures(_ request: DisclosureExchange, from device: String) throws(StoreError) -> DisclosureReply {
        try requireCentre()
        let now = clock()
        if let problem = DisclosureSync.problem(request, authenticated: device, catalogue: catalogue, now: now) { throw .sync(problem) }
        let (office, own) = try write { db in
            try refuseIfMoved(db)
            guard let office = try String.fetchOne(db, sql: "SELECT office FROM sync_device WHERE id = ?", arguments: [device]) else {
                throw CentralStoreError.unauthenticated(device)
            }
            let own = try Int64.fetchOne(db, sql: "SELECT no FROM device WHERE id = ?", arguments: [device]) ?? -1
            var (taken, left) = (0, 0)
            for export in request.exports {
                var number: Int64, appended = false
                if let row = try Row.fetchOne(db, sql: "SELECT no, origin, purpose_id, recipient, columns, at FROM export WHERE id = ?",
                                              arguments: [export.id]) {
                    guard (row["origin"] as String?) == device else {
                        throw CentralStoreError.invalid("export id \(export.id) is already used at the centre")
                    }
                    if let problem = DisclosureSync.partProblem(export, purpose: row["purpose_id"], recipient: row["recipient"],
                                                                columns: row["columns"], at: row["at"]) { throw CentralStoreError.invalid(problem) }
                    (number, appended) = (row["no"], true)
                } else {
                    try db.execute(sql: """
                        INSERT INTO export (id, purpose_id, recipient, columns, at, origin, operator) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [export.id, export.purpose, export.recipient, export.columns.joined(separator: ","), export.at,
                                         device, export.operator])
                    number = db.lastInsertedRowID
                }
                let inScope = try Self.inScope(db, export.entries, office: office, device: own, pulled: request.pulled)
                left += export.entries.count - inScope.count
                let added = try Self.insertDisclosures(db, export: number, inScope)
                taken += added
                if appended, added > 0 {
                    // A later part: the export takes the next number, so a device whose cursor passed it receives it again.
                    let next = (try Int64.fetchOne(db, sql: "SELECT max(no) FROM export") ?? number) + 1
                    try db.execute(sql: "UPDATE export SET no = ? WHERE no = ?", arguments: [next, number])
                    try db.execute(sql: "UPDATE disclosure SET export_no = ? WHERE export_no = ?", arguments: [next, number])
                }
            }
            if !request.exports.isEmpty {
                try Self.audit(db, at: now, device: device, what: """
                    disclosures: took \(request.exports.count) export(s) naming \(taken) tenant(s)\(left > 0 ? "; left out \(left) tenant(s) the device does not hold" : "")
                    """)
            }
            return (office, own)
        }
        guard request.receive != false else { return DisclosureReply(exports: [], cursor: request.cursor, more: false) }
        return try read { db in
            let numbers = try Int64.fetchAll(db, sql: "SELECT no FROM export WHERE no > ? ORDER BY no LIMIT ?",
                                             arguments: [request.cursor, DisclosureSync.maxExports])
            var (exports, entries, cursor) = ([WireExport](), 0, request.cursor)
            for no in numbers {
                if entries >= DisclosureSync.maxEntries { break }
                cursor = no
                guard var export = try Self.export(db, no: no), export.origin != device else { continue }
                export.entries = try Self.inScope(db, export.entries, office: office, device: own)
                entries += export.entries.count
                if !export.entries.isEmpty { exports.append(export) }
            }
            let more = numbers.count == DisclosureSync.maxExports || numbers.last.map { $0 != cursor } == true
            if !more { exports = DisclosureSync.adding(fetched: try Self.fetchedDisclosures(db, device: device, now: now), to: exports) }
            return DisclosureReply(exports: exports, cursor: cursor, more: more)
        }
    }

    /// The exports naming tenants `device` was sent on demand and still keeps, each cut to those tenants
    /// (`DisclosureSync.fetchedDisclosuresQuery`).
    private static func fetchedDisclosures(_ db: Database, device: String, now: Date) throws -> [WireExport] {
        var exports: [WireExport] = []
        var number: Int64 = 0
        let rows = try Row.fetchAll(db, sql: DisclosureSync.fetchedDisclosuresQuery { _ in "?" },
                                    arguments: [device, TenantFetchCheck.forgetBefore(now: Millis.from(now)), device])
        for row in rows {
            let no: Int64 = row[0]
            if no != number {
                guard var export = try Self.export(db, no: no, limit: 0) else { continue }
                export.entries = []
                exports.append(export)
                number = no
            }
            exports[exports.count - 1].entries.append(WireDisclosure(tenant: row[1], columns: UInt64(bitPattern: row[2] as Int64)))
        }
        return exports
    }

    /// The entries naming tenants here the device may hold; with the device's pull cursor (`pulled`), also those it
    /// held at that cursor (`DisclosureSync.heldScope`), which an export it sends may name.
    private static func inScope(_ db: Database, _ entries: [WireDisclosure], office: String, device: Int64,
                                pulled: Int64? = nil) throws -> [WireDisclosure] {
        if let pulled {
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM tenant t WHERE t.ref = ?1 AND \(DisclosureSync.heldScope { "?\($0 + 1)" })")
            return try entries.filter { try Int.fetchOne(statement, arguments: [$0.tenant, office, office, device, pulled]) != nil }
        }
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM tenant t WHERE t.ref = ? AND \(DisclosureSync.scope())")
        return try entries.filter { try Int.fetchOne(statement, arguments: [$0.tenant, office, office, device]) != nil }
    }
}

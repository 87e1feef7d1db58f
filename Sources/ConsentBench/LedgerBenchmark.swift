import ConsentCore
import ConsentStore
import Foundation
import GRDB

/// `consent-bench ledger`: appending decisions through the ledger (rules, clock, event, projection,
/// hash chain, committed in batches) against plain SQL writing the same rows into the same schema,
/// and against a bare one-table upsert; same pragmas, same batches, same run.
public enum LedgerBenchmark {
    public struct Result: Codable, Sendable {
        public var events: Int
        public var batch: Int
        public var ledgerSeconds: Double
        /// The same ledger and projection rows written with plain SQL (no rules, clock, hash or merge).
        public var sameRowsSeconds: Double
        /// One row per decision upserted into a single bare table.
        public var plainSeconds: Double
        public var ledgerPerSecond: Double { Double(events) / ledgerSeconds }
        public var sameRowsPerSecond: Double { Double(events) / sameRowsSeconds }
        public var plainPerSecond: Double { Double(events) / plainSeconds }
        /// Ledger time over plain SQL writing the same rows (the goal: ≤ 1.5).
        public var ratio: Double { ledgerSeconds / sameRowsSeconds }
        /// Ledger time over a bare one-table upsert (for scale: the ledger writes two rows and two indexes).
        public var bareRatio: Double { ledgerSeconds / plainSeconds }
    }

    /// Runs the three variants `repeat` times, interleaved (so a slow moment of the disk hurts all
    /// alike), each on a fresh database in `directory`, and reports the median time of each.
    /// The decisions alternate grant and withdraw over `tenants` tenants.
    public static func run(events: Int, batch: Int, tenants: Int, repeat: Int = 3, directory: URL, validator: Validator) throws -> Result {
        let catalogue = validator.catalogue
        let keys = catalogue.purposes.filter { $0.legalBasis.control == .optIn }.flatMap { p in p.attributes.map { (p, $0) } }
        let refs = (0..<tenants).map { TenantRef(String(format: "B%07d", $0 + 1)) }
        func request(_ i: Int) -> ChangeRequest {
            let (purpose, attribute) = keys[i % keys.count]
            let state: DecisionState = (i / keys.count) % 2 == 0 ? .granted : .withdrawn
            return ChangeRequest(
                tenant: refs[(i / 7) % tenants],
                payload: .decision(purpose.id, [attribute], state,
                                   notice: state == .granted ? NoticeShown(version: 1, language: "en") : nil, validUntil: nil),
                actor: .tenant, channel: .kiosk)
        }
        func registered(_ name: String) throws -> ConsentDatabase {
            let path = directory.appendingPathComponent(name).path
            for file in ConsentDatabase.files(at: path) { try? FileManager.default.removeItem(atPath: file) }
            let db = try ConsentDatabase.create(at: path, validator: validator)
            try db.batch { b in
                for ref in refs {
                    try b.record(ChangeRequest(tenant: ref, payload: .registration(values: [AttributeID("full-name"): .value("Bench Tenant")]),
                                               actor: .system("bench"), channel: .importFile))
                }
            }
            return db
        }

        // 1. Through the ledger: rules, clock, hash chain, merge, projection.
        func ledger() throws -> Double {
            let db = try registered("ledger.sqlite")
            defer { try? db.close() }
            let start = Date()
            var i = 0
            while i < events {
                let end = min(i + batch, events)
                try db.batch { b in for j in i..<end { try b.record(request(j)) } }
                i = end
            }
            return Date().timeIntervalSince(start)
        }

        // 2. The same rows (ledger row + decision projection row) written with plain SQL into a
        //    database of the same schema: no rules, no clock, no hashing, no merge.
        func sameRows() throws -> Double {
            let db = try registered("same-rows.sqlite")
            defer { try? db.close() }
            return try db.plainWrite(events: events, batch: batch, tenants: tenants) { request($0) }
        }

        // 3. A bare upsert of one row per decision into a single table.
        func bare() throws -> Double {
            var config = Configuration.durableWAL()
            config.prepareDatabase { d in try d.execute(sql: "PRAGMA cache_size = -32000") }
            let path = directory.appendingPathComponent("plain.sqlite").path
            for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
            let plain = try DatabaseQueue(path: path, configuration: config)
            defer { try? plain.close() }
            try plain.write { d in
                try d.execute(sql: """
                    CREATE TABLE decision (tenant TEXT NOT NULL, attribute_id TEXT NOT NULL, purpose_id TEXT NOT NULL, state TEXT NOT NULL,
                        effective_at INTEGER NOT NULL, notice_version INTEGER, language TEXT, channel TEXT NOT NULL,
                        PRIMARY KEY (tenant, attribute_id, purpose_id)) WITHOUT ROWID
                    """)
            }
            let start = Date()
            var i = 0
            while i < events {
                let end = min(i + batch, events)
                try plain.write { d in
                    let statement = try d.cachedStatement(sql: "INSERT OR REPLACE INTO decision VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    for j in i..<end {
                        let r = request(j)
                        guard case let .decision(purpose, attributes, state, notice, _) = r.payload else { continue }
                        try statement.execute(arguments: [
                            r.tenant.rawValue, attributes[0].rawValue, purpose.rawValue, state.rawValue,
                            Int64(Date().timeIntervalSince1970 * 1000), notice?.version, notice?.language, r.channel.rawValue,
                        ])
                    }
                }
                i = end
            }
            return Date().timeIntervalSince(start)
        }

        var times: ([Double], [Double], [Double]) = ([], [], [])
        for _ in 0..<max(`repeat`, 1) {
            times.0.append(try ledger())
            times.1.append(try sameRows())
            times.2.append(try bare())
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        return Result(events: events, batch: batch, ledgerSeconds: median(times.0), sameRowsSeconds: median(times.1),
                      plainSeconds: median(times.2))
    }
}

extension ConsentDatabase {
    /// The benchmark's baseline: for each decision, insert its ledger row and upsert its projection
    /// row with plain SQL — the same columns filled as the ledger fills them (validity of a grant, …),
    /// a fixed hash — in batches. Returns the seconds taken.
    func plainWrite(events: Int, batch: Int, tenants: Int, request: (Int) -> ChangeRequest) throws -> Double {
        let tenantIDs = try read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, ref FROM tenant").map { ($0["ref"] as String, $0["id"] as Int64) })
        }
        let hash = Data(repeating: 7, count: 32)
        let start = Date()
        var i = 0
        var sequence: Int64 = Int64(tenants)
        while i < events {
            let end = min(i + batch, events)
            try write { db in
                let ledger = try db.cachedStatement(sql: """
                    INSERT INTO ledger (device_no, device_seq, tenant_id, kind, attribute_id, purpose_id, state, notice_version,
                        language, valid_until, hlc, effective_at, actor, channel, hash)
                    VALUES (1, ?, ?, 'decision', ?, ?, ?, ?, ?, ?, ?, ?, 'tenant', ?, ?)
                    """)
                let decision = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO decision (tenant_id, attribute_id, purpose_id, state, event_device, event_seq,
                        effective_at, valid_until, blocking)
                    VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
                    """)
                for j in i..<end {
                    let r = request(j)
                    guard case let .decision(purpose, attributes, state, notice, _) = r.payload else { continue }
                    sequence += 1
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    let tenant = tenantIDs[r.tenant.rawValue] ?? 0
                    let until = state == .granted ? now + 730 * 86_400_000 : nil
                    let blocking: String? = nil // as the ledger stores it when the stop is the row's own event
                    try ledger.execute(arguments: [sequence, tenant, attributes[0].rawValue, purpose.rawValue, state.rawValue,
                                                   notice?.version, notice?.language, until, now << 16, now, r.channel.rawValue, hash])
                    try decision.execute(arguments: [tenant, attributes[0].rawValue, purpose.rawValue, state.rawValue, sequence,
                                                     now, until, blocking])
                }
            }
            i = end
        }
        return Date().timeIntervalSince(start)
    }
}

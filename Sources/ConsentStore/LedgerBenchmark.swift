import ConsentCore
import Foundation
import GRDB

/// `consent bench ledger`: appending decisions through the ledger (event, projection, hash chain,
/// committed in batches) against a plain SQLite upsert of the same rows, same pragmas, same batches,
/// in the same run.
public enum LedgerBenchmark {
    public struct Result: Codable, Sendable {
        public var events: Int
        public var batch: Int
        public var ledgerSeconds: Double
        public var plainSeconds: Double
        public var ledgerPerSecond: Double { Double(events) / ledgerSeconds }
        public var plainPerSecond: Double { Double(events) / plainSeconds }
        /// Ledger time over plain upsert time (goal ≤ 1.5).
        public var ratio: Double { ledgerSeconds / plainSeconds }
    }

    /// Runs both in `directory`. The decisions alternate grant and withdraw over `tenants` tenants.
    public static func run(events: Int, batch: Int, tenants: Int, directory: URL, validator: Validator) throws -> Result {
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

        let db = try ConsentDatabase.create(at: directory.appendingPathComponent("ledger.sqlite").path, validator: validator)
        try db.batch { b in
            for ref in refs {
                try b.record(ChangeRequest(tenant: ref, payload: .registration(values: [AttributeID("full-name"): .value("Bench Tenant")]),
                                           actor: .system("bench"), channel: .importFile))
            }
        }
        let ledgerStart = Date()
        var i = 0
        while i < events {
            let end = min(i + batch, events)
            try db.batch { b in for j in i..<end { try b.record(request(j)) } }
            i = end
        }
        let ledgerSeconds = Date().timeIntervalSince(ledgerStart)
        try db.close()

        var config = Configuration()
        config.journalMode = .wal
        config.prepareDatabase { d in
            try d.execute(sql: "PRAGMA synchronous = FULL")
            try d.execute(sql: "PRAGMA cache_size = -32000")
        }
        let plain = try DatabaseQueue(path: directory.appendingPathComponent("plain.sqlite").path, configuration: config)
        try plain.write { d in
            try d.execute(sql: """
                CREATE TABLE decision (tenant TEXT NOT NULL, attribute_id TEXT NOT NULL, purpose_id TEXT NOT NULL, state TEXT NOT NULL,
                    effective_at INTEGER NOT NULL, notice_version INTEGER, language TEXT, channel TEXT NOT NULL,
                    PRIMARY KEY (tenant, attribute_id, purpose_id)) WITHOUT ROWID
                """)
        }
        let plainStart = Date()
        i = 0
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
        let plainSeconds = Date().timeIntervalSince(plainStart)
        try plain.close()
        return Result(events: events, batch: batch, ledgerSeconds: ledgerSeconds, plainSeconds: plainSeconds)
    }
}

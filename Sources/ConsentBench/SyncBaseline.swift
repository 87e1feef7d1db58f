import ConsentStore
import Foundation
import GRDB
import SyncProtocol

/// The baseline the sync benchmark compares with: the same events' rows inserted straight into a
/// SQLite table with the ledger's columns, in one transaction, with WAL and synchronous=FULL.
public enum SyncBaseline {
    /// Seconds to insert `events` into a new database at `path`.
    public static func insert(_ events: [WireEvent], at path: String) throws -> Double {
        let queue = try DatabaseQueue(path: path, configuration: .durableWAL())
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE ledger (position INTEGER PRIMARY KEY, device TEXT NOT NULL, device_seq INTEGER NOT NULL,
                    central_seq INTEGER, tenant TEXT NOT NULL, kind TEXT NOT NULL, attribute_id TEXT, purpose_id TEXT, state TEXT,
                    notice_version INTEGER, language TEXT, hlc INTEGER NOT NULL, effective_at INTEGER NOT NULL, actor TEXT NOT NULL,
                    channel TEXT NOT NULL, causal_seq INTEGER, hash BLOB NOT NULL, UNIQUE (device, device_seq))
                """)
        }
        let started = Date()
        try queue.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO ledger (device, device_seq, central_seq, tenant, kind, attribute_id, purpose_id, state, notice_version,
                    language, hlc, effective_at, actor, channel, causal_seq, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for e in events {
                let r = e.record
                try insert.execute(arguments: [r.device, r.sequence, e.central, r.tenant, r.kind, r.attribute, r.purpose, r.state,
                                               r.noticeVersion, r.language, r.hlc, r.effectiveAt, r.actor, r.channel, r.causal, e.hash])
            }
        }
        let seconds = Date().timeIntervalSince(started)
        try queue.close()
        return seconds
    }

    /// The bytes of a tight binary encoding of the events, the yardstick for the wire's size:
    /// per event, numbers as 8 bytes, each text as one length byte plus its UTF-8, the hash as is.
    public static func minimalBytes(_ events: [WireEvent]) -> Int {
        events.reduce(0) { total, e in
            let r = e.record
            let texts = [r.device, r.tenant, r.kind, r.actor, r.channel] + [r.attribute, r.purpose, r.state, r.language, r.actorID].compactMap { $0 }
            let numbers = 4 + [r.noticeVersion, r.causal, e.central].compactMap { $0 }.count
            return total + texts.reduce(0) { $0 + 1 + $1.utf8.count } + numbers * 8 + e.hash.count
        }
    }
}

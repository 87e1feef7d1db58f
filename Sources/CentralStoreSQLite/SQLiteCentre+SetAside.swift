import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Sets aside, at the device's request, the event after its chain head that this centre refuses
    /// (`PushPlanner.setAside`): nothing of it is stored or applied; its hash becomes the head of the
    /// device's chain here and the link the next event follows (`chain_link`, which `ledger verify`
    /// checks it against), its refusal is kept as its result (`sync_result`, for a resend of the event
    /// after it) and audited.
    public func setAside(_ request: PushRequest, from device: String) throws(StoreError) -> SetAsideReply {
        try requireCentre()
        if let problem = PushPlanner.precheck(request, authenticated: device) { throw .sync(problem) }
        let planner = PushPlanner(validator: validator)
        let now = clock()
        return try writeLedger { db in
            try refuseIfMoved(db)
            let state = try Self.pushState(request, from: device, ageLimits: planner.ageLimits, in: db)
            let reason = try planner.setAside(request, from: device, state: state, now: Millis.from(now))
            guard let event = request.events.first else { throw CentralStoreError.invalid("a set-aside names one event") }
            var devices = try DeviceNumbers(db)
            let deviceNo = try devices.number(DeviceID(device), in: db)
            let sequence = event.record.sequence
            try db.execute(sql: "INSERT OR REPLACE INTO chain_link (device_no, device_seq, prev_hash) VALUES (?, ?, ?)",
                           arguments: [deviceNo, sequence + 1, event.hash])
            try db.execute(sql: """
                INSERT INTO chain_head (device_no, seq, hash) VALUES (?, ?, ?)
                ON CONFLICT (device_no) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                """, arguments: [deviceNo, sequence, event.hash])
            try db.execute(sql: "INSERT OR REPLACE INTO sync_result (device_no, device_seq, outcome, central, reason) VALUES (?, ?, ?, NULL, ?)",
                           arguments: [deviceNo, sequence, PushOutcome.rejected.rawValue, reason])
            try Self.audit(db, at: now, device: device, what: PushPlanner.setAsideAudit(event, reason: reason))
            return SetAsideReply(sequence: sequence, reason: reason)
        }
    }

    /// An event of `device` set aside here at `sequence`: its hash (kept as the link of the event after
    /// it) and the refusal it got; nil for none.
    static func setAsideLink(_ db: Database, device: String, sequence: Int64) throws -> PushState.Stored? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT k.prev_hash, r.reason FROM device n JOIN chain_link k ON k.device_no = n.no AND k.device_seq = ?
            JOIN sync_result r ON r.device_no = n.no AND r.device_seq = ? AND r.central IS NULL WHERE n.id = ?
            """), arguments: [sequence + 1, sequence, device]) else { return nil }
        return PushState.Stored(hash: row["prev_hash"], result: PushResult(sequence: sequence, outcome: .rejected, central: nil, reason: row["reason"]))
    }

    /// The hash of event `sequence` of device number `deviceNo` here: the stored event's, or that of one
    /// set aside (kept as the link of the event after it); nil when neither is here.
    static func predecessorHash(_ db: Database, deviceNo: Int64, sequence: Int64) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: """
            SELECT hash FROM ledger WHERE device_no = ? AND device_seq = ?
            UNION ALL SELECT prev_hash FROM chain_link WHERE device_no = ? AND device_seq = ?
            """), arguments: [deviceNo, sequence, deviceNo, sequence + 1])
    }
}

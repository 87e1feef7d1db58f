import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// An event of this device that its centre refuses and that was set aside (`consent sync set-aside`): it
/// stays in the ledger (and in what this device shows), out of the outbox, so the events after it are sent.
public struct SetAsideEvent: Codable, Equatable, Sendable {
    /// Its device sequence.
    public var sequence: Int64
    /// The tenant it is about.
    public var tenant: String
    /// Its kind (`registration`, `decision`, ...).
    public var kind: String
    /// Why the centre refuses it, in the centre's words.
    public var reason: String
    /// When it was set aside.
    public var at: Date
}

extension ConsentDatabase {
    /// The event at the head of this device's outbox, as a push of that one event (with its signed head),
    /// for the centre to set aside; nil when nothing waits to be sent.
    public func outboxHead() throws(StoreError) -> PushRequest? {
        let request = try outbox(limit: 1)
        return request.events.isEmpty ? nil : request
    }

    /// Records that the centre set aside this device's event `reply.sequence`: out of the outbox (marked sent,
    /// without a central number), kept in the ledger, listed in `set_aside` with the centre's reason, and noted
    /// in this device's audit log. Refused unless that event is this device's and still unsent.
    public func recordSetAside(_ reply: SetAsideReply) throws(StoreError) -> SetAsideEvent {
        let now = clock()
        return try write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT t.ref, l.kind FROM ledger l JOIN tenant t ON t.id = l.tenant_id
                WHERE l.device_no = (SELECT no FROM device WHERE id = ?) AND l.device_seq = ? AND l.pushed = 0
                """, arguments: [device.rawValue, reply.sequence]) else {
                throw CentralStoreError.invalid("event \(device)#\(reply.sequence) is not an unsent event of this device; nothing was set aside here")
            }
            let event = SetAsideEvent(sequence: reply.sequence, tenant: row["ref"], kind: row["kind"], reason: reply.reason, at: now)
            try db.execute(sql: """
                UPDATE ledger SET pushed = 1 WHERE device_no = (SELECT no FROM device WHERE id = ?) AND device_seq = ?
                """, arguments: [device.rawValue, reply.sequence])
            try db.execute(sql: "INSERT INTO set_aside (device_seq, tenant, kind, reason, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [event.sequence, event.tenant, event.kind, event.reason, Millis.from(now)])
            try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, ?, ?)", arguments: [
                Millis.from(now), device.rawValue, """
                set aside event \(device)#\(event.sequence) (\(event.kind) for \(event.tenant)), which the centre refuses: \(event.reason); \
                kept here, not sent (`consent sync set-aside --list`)
                """])
            return event
        }
    }

    /// The events set aside on this device, oldest first.
    public func setAsideEvents() throws(StoreError) -> [SetAsideEvent] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT device_seq, tenant, kind, reason, at FROM set_aside ORDER BY device_seq").map {
                SetAsideEvent(sequence: $0["device_seq"], tenant: $0["tenant"], kind: $0["kind"], reason: $0["reason"], at: Millis.date($0["at"]))
            }
        }
    }
}

/// An export record made on this device that the centre refuses and that was set aside (`consent sync set-aside
/// --export`): the export and its disclosures stay here (tenants still see it at this kiosk); it is not sent again.
public struct SetAsideExport: Codable, Equatable, Sendable {
    /// The export's id.
    public var exportID: String
    /// Why the centre refuses it, in the centre's words.
    public var reason: String
    /// When it was set aside.
    public var at: Date
}

extension ConsentDatabase {
    /// Records that the centre refuses export `exportID` made here (at `through`, its number here): the disclosure outbox
    /// moves past it (`disclosure-sent`), the export stays, listed in `set_aside_export` with the reason and noted in this
    /// device's audit log. Refused unless it is the next export this device has to send.
    public func recordSetAsideExport(_ exportID: String, reason: String) throws(StoreError) -> SetAsideExport {
        let now = clock()
        return try write { db in
            let done = DisclosureProgress(try Self.meta(db, Self.disclosureSentKey))
            guard let no = try Int64.fetchOne(db, sql: "SELECT no FROM export WHERE id = ? AND origin IS NULL", arguments: [exportID]),
                  no > done.through || (no == done.through && done.afterTenant > 0) else {
                throw CentralStoreError.invalid("export \(exportID) is not one this device has still to send; nothing was set aside here")
            }
            try Self.setMeta(db, Self.disclosureSentKey, DisclosureProgress(through: no, afterTenant: 0).text)
            try db.execute(sql: "INSERT OR REPLACE INTO set_aside_export (export_id, reason, at) VALUES (?, ?, ?)",
                           arguments: [exportID, reason, Millis.from(now)])
            try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, ?, ?)", arguments: [
                Millis.from(now), device.rawValue, """
                set aside the record of export \(exportID), which the centre refuses: \(reason); kept here, not sent \
                (`consent sync set-aside --list`)
                """])
            return SetAsideExport(exportID: exportID, reason: reason, at: now)
        }
    }

    /// The export records set aside on this device, oldest first.
    public func setAsideExports() throws(StoreError) -> [SetAsideExport] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT export_id, reason, at FROM set_aside_export ORDER BY at, export_id").map {
                SetAsideExport(exportID: $0["export_id"], reason: $0["reason"], at: Millis.date($0["at"]))
            }
        }
    }
}

import CentralStore
import ConsentCore
import ConsentStore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// The staff registry at a SQLite centre: handed out to devices (`GET /v1/staff`), taken from their
/// offers, and read by each push's plan (who may act, who took a held change).
extension ConsentDatabase {
    /// Every member of staff here, active or not, for devices to copy (no password travels).
    public func staffRegistry() throws(StoreError) -> StaffRegistry {
        try read { db in StaffRegistry(members: try Self.members(db, where: "1")) }
    }

    /// Adds the members of staff a device added offline that a centre takes (`StaffRegistry.adoption`: support
    /// staff from a staff terminal, a few a day), without a password, each marked and audited with the device
    /// that offered them; what it holds back from a kiosk or past the day's limit is audited once. An offer
    /// that breaks the rules of every registry is refused whole.
    public func adoptOfferedStaff(_ offer: StaffRegistry, from device: String) throws(StoreError) -> StaffOfferReply {
        try requireCentre()
        if let problem = offer.problem { throw .sync(.invalid(problem)) }
        let now = clock(), since = Millis.from(now) - StaffRegistry.offerWindowMillis
        return try write { db in
            let known = Set(try String.fetchAll(db, sql: "SELECT id FROM staff"))
            let kind = DeviceKind.recorded(try String.fetchOne(db, sql: "SELECT kind FROM sync_device WHERE id = ?", arguments: [device]))
            let recent = try Int.fetchOne(db, sql: "SELECT count(*) FROM staff WHERE offered_by = ? AND created_at >= ?",
                                          arguments: [device, since]) ?? 0
            let offerer = StaffOfferer(device: device, kind: kind, addedRecently: recent)
            let (add, notAdded, heldBack) = StaffRegistry.adoption(of: offer, known: known, by: offerer)
            for member in add {
                try db.execute(sql: """
                    INSERT INTO staff (id, name, role, kdf, salt, hash, created_at, offered_by) VALUES (?, ?, ?, ?, x'', x'', ?, ?)
                    """, arguments: [member.id, member.name, member.role.rawValue, SecretHasher.noPassword, Millis.from(now), device])
                try Self.audit(db, at: now, device: device, what: "staff member \(member.id) (\(member.role.rawValue)) added by the device")
            }
            if heldBack > 0 { try Self.audit(db, at: now, device: device, what: StaffRegistry.heldBackOffer(heldBack, kind: kind)) }
            return StaffOfferReply(added: add.map(\.id), notAdded: notAdded)
        }
    }

    /// Which of `ids` name active members of staff here, with their roles.
    static func activeStaff(_ ids: Set<String>, in db: Database) throws -> [String: StaffRole] {
        var found: [String: StaffRole] = [:]
        for id in ids {
            guard let role = try String.fetchOne(db, sql: "SELECT role FROM staff WHERE id = ? AND disabled = 0", arguments: [id]) else { continue }
            found[id] = StaffRole(rawValue: role) ?? .support
        }
        return found
    }

    /// Who took each of `events` that a member of staff took and may not confirm (their staff id; not an
    /// access request, `WireCheck.needsSecondPerson`), by device and sequence.
    static func staffTakers(_ events: Set<EventID>, in db: Database) throws -> [EventID: String] {
        var takers: [EventID: String] = [:]
        for key in events {
            guard let id = try String.fetchOne(db.cachedStatement(sql: """
                SELECT l.actor_id FROM ledger l JOIN device n ON n.no = l.device_no WHERE n.id = ? AND l.device_seq = ? AND l.actor = 'staff' AND l.kind <> ?
                """), arguments: [key.device.rawValue, key.sequence, RequestKind.access.eventKind]) else { continue }
            takers[key] = id
        }
        return takers
    }
}

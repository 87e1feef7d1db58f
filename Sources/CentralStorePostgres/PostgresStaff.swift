import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// The centre's staff registry on PostgreSQL: the members of staff a device may name as the author
/// of a change (`WireCheck.staffProblem`). Staff sign in on devices; here they are only known.
extension PostgresCentralStore {
    /// Adds members of staff to the registry; ids already present keep their entry, except that a member a
    /// device added (`offered_by`) under the same name and role is now registered at the centre. Returns how
    /// many were new or so registered.
    @discardableResult
    public func addStaff(_ members: [StaffMember]) async throws(CentralStoreError) -> Int {
        for member in members { if let problem = StaffMember.problem(id: member.id, name: member.name) { throw .invalid(problem) } }
        let now = self.now()
        return try await transaction { connection in
            var added = 0
            for member in members {
                for try await _ in try await connection.query("""
                    INSERT INTO staff (id, name, role, created_at) VALUES (\(member.id), \(member.name), \(member.role.rawValue), \(now))
                    ON CONFLICT (id) DO UPDATE SET offered_by = NULL
                    WHERE staff.offered_by IS NOT NULL AND staff.name = excluded.name AND staff.role = excluded.role RETURNING id
                    """, logger: self.logger) {
                    added += 1
                }
            }
            return added
        }
    }

    /// Every member of staff in the registry, active or not, for devices to copy.
    public func staffRegistry() async throws(CentralStoreError) -> StaffRegistry {
        try await transaction { connection in
            var members: [WireStaffMember] = []
            for try await (id, name, role, disabled) in try await connection.query(
                "SELECT id, name, role, disabled FROM staff ORDER BY id COLLATE \"C\"", logger: self.logger
            ).decode((String, String, String, Int32).self) {
                members.append(WireStaffMember(id: id, name: name, role: StaffRole(rawValue: role) ?? .support, active: disabled == 0))
            }
            return StaffRegistry(members: members)
        }
    }

    /// Adds the members of staff a device added offline that a centre takes (`StaffRegistry.adoption`: support
    /// staff from a staff terminal, a few a day), each marked and audited with the device that offered them;
    /// what it holds back from a kiosk or past the day's limit is audited once. An offer that breaks the
    /// rules of every registry is refused whole.
    public func adoptStaff(_ offer: StaffRegistry, from device: String) async throws(CentralStoreError) -> StaffOfferReply {
        if let problem = offer.problem { throw .invalid(problem) }
        let now = self.now(), since = now - StaffRegistry.offerWindowMillis
        return try await transaction { connection in
            // One offer at a time, so two devices offering the same new id cannot both add it, and one
            // device's offers made at once count each other against its day's limit.
            try await connection.query("LOCK TABLE staff IN SHARE ROW EXCLUSIVE MODE", logger: self.logger)
            var known = Set<String>()
            for try await id in try await connection.query("SELECT id FROM staff", logger: self.logger).decode(String.self) {
                known.insert(id)
            }
            var recordedKind: String?
            for try await kind in try await connection.query("SELECT kind FROM sync_device WHERE id = \(device)", logger: self.logger)
                .decode(String?.self) { recordedKind = kind }
            var recent = 0
            for try await count in try await connection.query(
                "SELECT count(*) FROM staff WHERE offered_by = \(device) AND created_at >= \(since)", logger: self.logger
            ).decode(Int64.self) { recent = Int(count) }
            let kind = DeviceKind.recorded(recordedKind)
            let (add, notAdded, heldBack) = StaffRegistry.adoption(of: offer, known: known,
                                                                   by: StaffOfferer(device: device, kind: kind, addedRecently: recent))
            for member in add {
                try await connection.query("""
                    INSERT INTO staff (id, name, role, created_at, offered_by) VALUES (\(member.id), \(member.name), \(member.role.rawValue), \(now), \(device))
                    """, logger: self.logger)
                try await Self.audit(device: device, what: "staff member \(member.id) (\(member.role.rawValue)) added by the device",
                                     at: now, on: connection, logger: self.logger)
            }
            if heldBack > 0 {
                try await Self.audit(device: device, what: StaffRegistry.heldBackOffer(heldBack, kind: kind), at: now, on: connection, logger: self.logger)
            }
            return StaffOfferReply(added: add.map(\.id), notAdded: notAdded)
        }
    }

    /// Stops (or lets again) a member of staff act: a change pushed in the name of a disabled member
    /// is refused, and devices disable them at their next sync.
    public func setStaffActive(_ id: String, _ active: Bool) async throws(CentralStoreError) {
        let changed = try await transaction { connection in
            var count = 0
            for try await _ in try await connection.query(
                "UPDATE staff SET disabled = \(active ? 0 : 1) WHERE id = \(id) RETURNING id", logger: self.logger) {
                count += 1
            }
            return count
        }
        if changed == 0 { throw .invalid("no member of staff is called \(id) in the centre's registry; see `consent staff add`") }
    }

    /// Which of `ids` name active members of staff in the registry, with their roles.
    func activeStaff(_ ids: Set<String>, on connection: PostgresConnection) async throws -> [String: StaffRole] {
        guard !ids.isEmpty else { return [:] }
        var found: [String: StaffRole] = [:]
        for try await (id, role) in try await connection.query(
            "SELECT id, role FROM staff WHERE disabled = 0 AND id = ANY(\(Array(ids)))", logger: logger
        ).decode((String, String).self) {
            found[id] = StaffRole(rawValue: role) ?? .support
        }
        return found
    }

    /// Who took each of `events` that a member of staff took and may not confirm (their staff id; not an
    /// access request, `WireCheck.needsSecondPerson`), by device and sequence.
    func staffTakers(_ events: Set<EventID>, on connection: PostgresConnection) async throws -> [EventID: String] {
        var takers: [EventID: String] = [:]
        for key in events {
            for try await id in try await connection.query("""
                SELECT l.actor_id FROM ledger l JOIN device n ON n.no = l.device_no
                WHERE n.id = \(key.device.rawValue) AND l.device_seq = \(key.sequence) AND l.actor = 'staff' AND l.actor_id IS NOT NULL AND l.kind <> \(RequestKind.access.eventKind)
                """, logger: logger).decode(String.self) {
                takers[key] = id
            }
        }
        return takers
    }
}

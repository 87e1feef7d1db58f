import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// The staff registry as it travels, on a device: it adopts the centre's registry (`GET /v1/staff`, handed
/// out by the centre's own code) at each sync, and offers the members it added offline; a leaver disabled
/// at the centre can act at no device afterwards.
extension ConsentDatabase {
    /// The active members of staff here that the centre is not known to hold (added here while
    /// offline), which a device offers the centre before pushing the changes they made.
    public func staffToOffer() throws(StoreError) -> StaffRegistry {
        try read { db in StaffRegistry(members: try Self.members(db, where: "disabled = 0 AND at_centre = 0")) }
    }

    /// The staff rows matching `condition` (a fixed SQL condition), by id; also what a SQLite centre
    /// hands out as its registry.
    package static func members(_ db: Database, where condition: String) throws -> [WireStaffMember] {
        try Row.fetchAll(db, sql: "SELECT id, name, role, disabled FROM staff WHERE \(condition) ORDER BY id").map { row in
            let role: String = row["role"]
            return WireStaffMember(id: row["id"], name: row["name"], role: StaffRole(rawValue: role) ?? .support,
                                   active: (row["disabled"] as Int) == 0)
        }
    }

    /// Notes that the centre now holds these members (it took them from this device's offer).
    public func markStaffAtCentre(_ ids: [String]) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try write { db in
            for id in ids { try db.execute(sql: "UPDATE staff SET at_centre = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Stops a member of staff from acting (a leaver): devices refuse their sign-in and, once
    /// synced, their changes; a centre refuses changes pushed in their name. Their past changes stand.
    public func setStaffActive(_ id: String, _ active: Bool) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE staff SET disabled = ? WHERE id = ?", arguments: [active ? 0 : 1, id])
            guard db.changesCount == 1 else { throw StoreError.unknownStaff(id) }
        }
    }

    /// Makes this device's registry agree with the centre's: members it lacks are added (without a
    /// password: `consent staff add` with the same name and role sets one here), and the
    /// name, role and active state of each member the centre knows become the centre's. Members
    /// added here and not yet at the centre stay as they are. Returns how many members were added
    /// or changed; when none differs (the usual round), nothing is written.
    /// A registry that breaks the rules of every registry is refused whole, and nothing changes.
    public func adoptStaffRegistry(_ registry: StaffRegistry) throws(StoreError) -> Int {
        if let problem = registry.problem { throw .badStaff(problem) }
        let (held, unmarked) = try read { db in
            (Dictionary(uniqueKeysWithValues: try Self.members(db, where: "1").map { ($0.id, $0) }),
             Set(try String.fetchAll(db, sql: "SELECT id FROM staff WHERE at_centre = 0")))
        }
        let changed = registry.members.filter { held[$0.id] != $0 }
        let marks = registry.members.filter { unmarked.contains($0.id) && held[$0.id] == $0 }
        guard !changed.isEmpty || !marks.isEmpty else { return 0 }
        let now = Millis.from(clock())
        try write { db in
            let upsert = try db.makeStatement(sql: """
                INSERT INTO staff (id, name, role, kdf, salt, hash, created_at, disabled, at_centre) VALUES (?, ?, ?, ?, x'', x'', ?, ?, 1)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, disabled = excluded.disabled, at_centre = 1
                """)
            for member in changed + marks {
                try upsert.execute(arguments: [member.id, member.name, member.role.rawValue, SecretHasher.noPassword, now, member.active ? 0 : 1])
            }
        }
        return changed.count
    }
}

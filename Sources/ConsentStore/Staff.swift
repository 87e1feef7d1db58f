import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Adds a member of staff with a password (hashed with scrypt). Ids are 2–32 letters, digits, `.`, `_` or `-`.
    /// A member already here without a password (copied from the centre's registry) sets theirs, when
    /// the name and role given are those held; any other id already here is refused. At a centre, a member
    /// a device added (`offered_by`) is so registered at the centre (`RecordedUnlock.registeredAtCentre`).
    public func addStaff(_ id: String, name: String, role: StaffRole, password: String) throws(StoreError) {
        if let problem = StaffMember.problem(id: id, name: name) { throw .badStaff(problem) }
        guard password.count >= 10 else { throw .badStaff("a staff password needs at least 10 characters") }
        let secret: (kdf: String, salt: Data, hash: Data)
        do { secret = try SecretHasher.hash(password) } catch { throw Self.map(error) }
        let now = clock()
        try write { db in
            if let held = try Row.fetchOne(db, sql: "SELECT name, role, kdf FROM staff WHERE id = ?", arguments: [id]) {
                // A member known from the centre's registry (or as an author) sets their password here,
                // as the centre named them; anyone else with this id is someone else.
                guard held["kdf"] == SecretHasher.noPassword, held["name"] == name, held["role"] == role.rawValue else {
                    throw StoreError.staffExists(id)
                }
                try db.execute(sql: "UPDATE staff SET kdf = ?, salt = ?, hash = ?, offered_by = NULL WHERE id = ?",
                               arguments: [secret.kdf, secret.salt, secret.hash, id])
                return
            }
            try db.execute(sql: "INSERT INTO staff (id, name, role, kdf, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [id, name, role.rawValue, secret.kdf, secret.salt, secret.hash, Millis.from(now)])
        }
    }

    /// Adds members of staff who cannot sign in here (no password): the authors of changes this
    /// database holds or receives, such as the demo register's staff. Ids already present are kept, except
    /// that at a centre a member a device added under the same name and role is now registered at the centre.
    public func registerStaff(_ members: [StaffMember]) throws(StoreError) {
        for member in members { if let problem = StaffMember.problem(id: member.id, name: member.name) { throw .badStaff(problem) } }
        let now = Millis.from(clock())
        try write { db in
            for member in members {
                try db.execute(sql: """
                    INSERT INTO staff (id, name, role, kdf, salt, hash, created_at) VALUES (?, ?, ?, ?, x'', x'', ?)
                    ON CONFLICT (id) DO UPDATE SET offered_by = NULL
                    WHERE offered_by IS NOT NULL AND name = excluded.name AND role = excluded.role
                    """, arguments: [member.id, member.name, member.role.rawValue, SecretHasher.noPassword, now])
            }
        }
    }

    /// The member of staff with this id, if active.
    public func staffMember(_ id: String) throws(StoreError) -> StaffMember? {
        try read { db in try Self.staffMember(id, in: db) }
    }

    static func staffMember(_ id: String, in db: Database) throws -> StaffMember? {
        try Row.fetchOne(db, sql: "SELECT id, name, role FROM staff WHERE id = ? AND disabled = 0", arguments: [id]).map {
            StaffMember(id: $0["id"], name: $0["name"], role: StaffRole(rawValue: $0["role"]) ?? .support)
        }
    }
}

extension LedgerAppender {
    /// The member of staff with this id, if active, read in the appender's transaction.
    func staffMember(_ id: String) throws -> StaffMember? { try ConsentDatabase.staffMember(id, in: db) }
}

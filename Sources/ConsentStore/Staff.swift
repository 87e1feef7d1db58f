import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// A member of staff, as the register knows them.
public struct StaffMember: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: StaffRole

    public init(id: String, name: String, role: StaffRole) {
        self.id = id
        self.name = name
        self.role = role
    }
}

extension StaffMember {
    /// Why this id and name cannot be a member of staff's, or nil: ids are 2–32 letters, digits,
    /// `.`, `_` or `-`; names are plain text of at most 120 characters. Every registry checks these.
    public static func problem(id: String, name: String) -> String? {
        guard id.count >= 2, id.count <= 32, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            return "a staff id is 2 to 32 letters, digits, '.', '_' or '-'"
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 120, !TextSafety.hasForbiddenCharacter(name) else {
            return "give the staff member's name (plain text, at most 120 characters)"
        }
        return nil
    }
}

extension ConsentDatabase {
    /// Adds a member of staff with a password (hashed with scrypt). Ids are 2–32 letters, digits, `.`, `_` or `-`.
    public func addStaff(_ id: String, name: String, role: StaffRole, password: String) throws(StoreError) {
        if let problem = StaffMember.problem(id: id, name: name) { throw .badStaff(problem) }
        guard password.count >= 10 else { throw .badStaff("a staff password needs at least 10 characters") }
        let secret: (kdf: String, salt: Data, hash: Data)
        do { secret = try SecretHasher.hash(password) } catch { throw Self.map(error) }
        let now = clock()
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM staff WHERE id = ?", arguments: [id]) == nil else { throw StoreError.staffExists(id) }
            try db.execute(sql: "INSERT INTO staff (id, name, role, kdf, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [id, name, role.rawValue, secret.kdf, secret.salt, secret.hash, Millis.from(now)])
        }
    }

    /// Adds members of staff who cannot sign in here (no password): the authors of changes this
    /// database holds or receives, such as the demo register's staff. Ids already present are kept.
    public func registerStaff(_ members: [StaffMember]) throws(StoreError) {
        for member in members { if let problem = StaffMember.problem(id: member.id, name: member.name) { throw .badStaff(problem) } }
        let now = Millis.from(clock())
        try write { db in
            for member in members {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO staff (id, name, role, kdf, salt, hash, created_at) VALUES (?, ?, ?, ?, x'', x'', ?)
                    """, arguments: [member.id, member.name, member.role.rawValue, SecretHasher.noPassword, now])
            }
        }
    }

    /// Which of `ids` name active members of staff here.
    package static func activeStaff(_ ids: Set<String>, in db: Database) throws -> Set<String> {
        var found = Set<String>()
        for id in ids where try Int.fetchOne(db, sql: "SELECT 1 FROM staff WHERE id = ? AND disabled = 0", arguments: [id]) != nil {
            found.insert(id)
        }
        return found
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

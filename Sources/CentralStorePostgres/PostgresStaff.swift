import CentralStore
import ConsentStore
import Foundation
import PostgresNIO
import SyncProtocol

/// The centre's staff registry on PostgreSQL: the members of staff a device may name as the author
/// of a change (`WireCheck.staffProblem`). Staff sign in on devices; here they are only known.
extension PostgresCentralStore {
    /// Adds members of staff to the registry; ids already present keep their entry. Returns how many were new.
    @discardableResult
    public func addStaff(_ members: [StaffMember]) async throws(CentralStoreError) -> Int {
        for member in members { if let problem = StaffMember.problem(id: member.id, name: member.name) { throw .invalid(problem) } }
        let now = Self.now()
        return try await transaction { connection in
            var added = 0
            for member in members {
                for try await _ in try await connection.query("""
                    INSERT INTO staff (id, name, role, created_at) VALUES (\(member.id), \(member.name), \(member.role.rawValue), \(now))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """, logger: self.logger) {
                    added += 1
                }
            }
            return added
        }
    }

    /// Which of `ids` name active members of staff in the registry.
    func activeStaff(_ ids: Set<String>, on connection: PostgresConnection) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        var found = Set<String>()
        for try await id in try await connection.query("SELECT id FROM staff WHERE disabled = 0 AND id = ANY(\(Array(ids)))", logger: logger)
            .decode(String.self) {
            found.insert(id)
        }
        return found
    }
}

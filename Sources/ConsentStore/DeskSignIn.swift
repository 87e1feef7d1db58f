import ConsentCore
import ConsentVault
import Crypto
import Foundation
import GRDB
import SyncProtocol

/// Why a desk command did not accept the member of staff it names. Each says what to do.
public enum DeskSignInError: Error, Equatable, CustomStringConvertible {
    /// No password was given, none could be asked for, and the member has no desk session here.
    case passwordNeeded(staff: String)
    /// A wrong staff id or password (the same answer for both); the failure was counted.
    case refused
    /// Too soon after earlier failures: try again after this many seconds.
    case wait(seconds: Int)
    /// Five failures in a row: the data-protection lead must unlock the account.
    case locked(staff: String)
    /// The member's desk session has passed its end or was ended (`consent staff logout`).
    case sessionEnded(staff: String)

    public var description: String {
        switch self {
        case .passwordNeeded(let id):
            "a desk command needs the password of the member of staff it names: type it when asked (on a terminal), "
                + "give it on standard input with --password-stdin, or run `consent staff login \(id)` first"
        case .refused:
            "wrong staff id or password; nothing was done. Failures are counted as at the staff terminal, and five lock the account"
        case .wait(let seconds):
            "too many failed sign-ins: wait \(seconds) seconds, then try again"
        case .locked(let id):
            "\(id) is locked after five failed sign-ins; the data-protection lead unlocks it with `consent staff unlock-staff \(id)`"
        case .sessionEnded(let id):
            "\(id)'s desk session has ended (they last 15 minutes, or until `consent staff logout`); "
                + "run `consent staff login \(id)` again, or give the password"
        }
    }
}

/// A desk session: what `consent staff login` leaves beside the database so that the desk commands
/// of the next minutes need no password.
///
/// The session file holds only a random token (0600, in a 0700 folder beside the database); the
/// database holds only the token's SHA-256, the staff id and the end. So a copy of the file works
/// only with this database, only for this member of staff, only until the end or a logout, and only
/// as far as desk commands go (it cannot sign in at the staff terminal or change the password); a
/// copy of the database yields no token at all.
public struct DeskSession: Sendable, Equatable {
    /// How long a session lasts from `consent staff login`; it is never extended.
    public static let lifetime: TimeInterval = 15 * 60

    public var staff: StaffMember
    public var ends: Date

    /// The folder of desk sessions of the database at `databasePath`: `X.sessions` beside `X.sqlite`.
    public static func folder(forDatabase databasePath: String) -> String {
        let url = URL(fileURLWithPath: databasePath)
        return (url.pathExtension.isEmpty ? url.path : url.deletingPathExtension().path) + ".sessions"
    }

    /// The session file of the member of staff `id` for the database at `databasePath`, or nil for an
    /// id that cannot be a member of staff's (so never a path outside the folder).
    public static func file(forDatabase databasePath: String, staff id: String) -> String? {
        guard StaffMember.idProblem(id) == nil else { return nil }
        return URL(fileURLWithPath: folder(forDatabase: databasePath)).appendingPathComponent(id).path
    }

    static let header = """
        # A TenantConsent desk session (`consent staff login`): it stands in for one member of staff's password
        # on desk commands until it ends (15 minutes) or `consent staff logout`. Never copy or share it.

        """

    static func digest(_ token: Data) -> Data { Data(SHA256.hash(data: token)) }
}

extension ConsentDatabase {
    /// The member of staff `id` at a desk command, proven by their password, else by their desk
    /// session here, else by the password `ask` returns (a prompt on a terminal; nil when there is
    /// none). Passwords go through ``staffSignIn(_:password:)``, so failures are counted and throttled
    /// exactly as at the staff terminal. A session that has ended is removed.
    public func deskSignIn(_ id: String, password: String?, ask: () -> String? = { nil }) throws -> StaffMember {
        if let password { return try checkDeskPassword(id, password) }
        var ended = false
        if let file = DeskSession.file(forDatabase: path, staff: id), FileManager.default.fileExists(atPath: file) {
            let token = try KeyFile.readSecret(file, bytes: 32)
            if let member = try deskSessionMember(id, token: token) { return member }
            unlink(file)
            ended = true
        }
        if let asked = ask() { return try checkDeskPassword(id, asked) }
        throw ended ? DeskSignInError.sessionEnded(staff: id) : DeskSignInError.passwordNeeded(staff: id)
    }

    /// Checks a password as the staff terminal does, or says why not.
    private func checkDeskPassword(_ id: String, _ password: String) throws -> StaffMember {
        switch try staffSignIn(id, password: password) {
        case .signedIn(let member): return member
        case .failed: throw DeskSignInError.refused
        case .wait(let seconds): throw DeskSignInError.wait(seconds: seconds)
        case .locked: throw DeskSignInError.locked(staff: id)
        }
    }

    /// The member whose unexpired session here has this token, if they are still active and not locked.
    private func deskSessionMember(_ id: String, token: Data) throws(StoreError) -> StaffMember? {
        let now = Millis.from(clock())
        return try read { db in
            try Row.fetchOne(db, sql: """
                SELECT s.id, s.name, s.role FROM staff_session x JOIN staff s ON s.id = x.staff_id
                LEFT JOIN staff_sign_in_failure f ON f.staff_id = s.id
                WHERE x.token_hash = ? AND x.staff_id = ? AND x.ends_at > ? AND s.disabled = 0 AND coalesce(f.locked, 0) = 0
                """, arguments: [DeskSession.digest(token), id, now]).map {
                StaffMember(id: $0["id"], name: $0["name"], role: StaffRole(rawValue: $0["role"]) ?? .support)
            }
        }
    }

    /// `consent staff login`: checks the password (counted as at the staff terminal), then starts a
    /// desk session of `lifetime` seconds for this member here, replacing any earlier one, and writes
    /// its token to the member's session file (0600) beside the database.
    public func startDeskSession(_ id: String, password: String, lifetime: TimeInterval = DeskSession.lifetime) throws -> DeskSession {
        let member = try checkDeskPassword(id, password)
        guard let file = DeskSession.file(forDatabase: path, staff: member.id) else { throw DeskSignInError.refused }
        let token = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let now = clock()
        let ends = Millis.date(Millis.from(now.addingTimeInterval(lifetime)))
        try write { db in
            try db.execute(sql: "DELETE FROM staff_session WHERE staff_id = ? OR ends_at <= ?", arguments: [member.id, Millis.from(now)])
            try db.execute(sql: "INSERT INTO staff_session (token_hash, staff_id, ends_at) VALUES (?, ?, ?)",
                           arguments: [DeskSession.digest(token), member.id, Millis.from(ends)])
        }
        do {
            let folder = DeskSession.folder(forDatabase: path)
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw StoreError.keyFileWrite(path: folder, reason: String(cString: strerror(errno)))
            }
            guard chmod(folder, 0o700) == 0 else { throw StoreError.keyFileWrite(path: folder, reason: String(cString: strerror(errno))) }
            try KeyFile.writePrivate(file, DeskSession.header + token.base64EncodedString() + "\n")
        } catch {
            try? write { db in try db.execute(sql: "DELETE FROM staff_session WHERE staff_id = ?", arguments: [member.id]) }
            throw error
        }
        return DeskSession(staff: member, ends: ends)
    }

    /// `consent staff logout`: ends every desk session of the member `id` here and removes their
    /// session file. Returns whether there was one to end.
    @discardableResult
    public func endDeskSession(_ id: String) throws(StoreError) -> Bool {
        let ended = try write { db in
            try db.execute(sql: "DELETE FROM staff_session WHERE staff_id = ?", arguments: [id])
            return db.changesCount > 0
        }
        guard let file = DeskSession.file(forDatabase: path, staff: id) else { return ended }
        return unlink(file) == 0 || ended
    }
}

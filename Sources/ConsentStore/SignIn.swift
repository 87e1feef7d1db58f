import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// What happened at a sign-in attempt. Unknown references and wrong details get the same
/// ``failed`` answer, so the kiosk cannot be used to find out who is a tenant.
public enum SignInOutcome: Equatable, Sendable {
    case signedIn(TenantRef)
    case failed
    /// Too soon after the last failure: try again after this many seconds.
    case wait(seconds: Int)
    /// Five failures: staff must unlock.
    case locked
}

extension ConsentDatabase {
    /// Failures allowed before the account locks.
    public static let maxSignInFailures = 5

    /// Seconds to wait after `failures` failures: none for the first two, then 2, 4, 8…
    public static func signInDelay(afterFailures failures: Int) -> Int {
        failures < 3 ? 0 : 1 << (failures - 2)
    }

    /// What earlier failures bar now, for tenants and staff alike.
    enum FailureBar { case locked, wait(seconds: Int) }

    /// Reads a failure row's `failures`, `last_at` and `locked` columns: locked, a wait still to
    /// run, or nil when a sign-in may be tried.
    static func failureBar(_ row: Row, now: Date) -> FailureBar? {
        if (row["locked"] as Int? ?? 0) != 0 { return .locked }
        guard let last = row["last_at"] as Int64? else { return nil }
        let wait = signInDelay(afterFailures: row["failures"] as Int? ?? 0) - Int((Millis.from(now) - last) / 1000)
        return wait > 0 ? .wait(seconds: wait) : nil
    }

    /// Checks a tenancy reference, date of birth and PIN (or a one-time code), counting failures
    /// in the database so a restart does not reset them.
    public func signIn(_ ref: TenantRef, dateOfBirth: String, secret: String, usingCode: Bool = false) throws(StoreError) -> SignInOutcome {
        let now = clock()
        let table = usingCode ? "sign_in_code" : "credential"
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT t.id, c.kdf, c.salt, c.hash, f.failures, f.last_at, f.locked, \(usingCode ? "c.expires_at" : "NULL AS expires_at")
                FROM tenant t LEFT JOIN \(table) c ON c.tenant_id = t.id LEFT JOIN sign_in_failure f ON f.tenant_id = t.id
                WHERE t.ref = ?
                """, arguments: [ref.rawValue])
        }
        guard let row, let tenantID = row["id"] as Int64? else { return try unknownReference(ref, secret: secret, now: now) }
        let failures = row["failures"] as Int? ?? 0
        switch Self.failureBar(row, now: now) {
        case .locked?: return .locked
        case .wait(let seconds)?: return .wait(seconds: seconds)
        case nil: break
        }
        var ok = false
        if let kdf = row["kdf"] as String?, let salt = row["salt"] as Data?, let hash = row["hash"] as Data? {
            let expired = (row["expires_at"] as Int64?).map { $0 < Millis.from(now) } ?? false
            let matches = (try? SecretHasher.matches(secret, kdf: kdf, salt: salt, hash: hash)) ?? false
            let dob = try tenantState(ref)?.value(AttributeID("date-of-birth")).answer?.text
            let given = Validator.date(dateOfBirth)
            ok = matches && !expired && dob != nil && dob == given
        } else {
            _ = try? SecretHasher.hash(secret)
        }
        if ok {
            try write { db in try db.execute(sql: "DELETE FROM sign_in_failure WHERE tenant_id = ?", arguments: [tenantID]) }
            return .signedIn(ref)
        }
        let count = failures + 1
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO sign_in_failure (tenant_id, failures, last_at, locked) VALUES (?, ?, ?, ?)",
                           arguments: [tenantID, count, Millis.from(now), count >= Self.maxSignInFailures ? 1 : 0])
        }
        return count >= Self.maxSignInFailures ? .locked : .failed
    }

    /// A reference that is no tenant's gets exactly what a real one would: failures counted (so
    /// "Please wait" and "locked" come after the same tries), the same slow hash, the same answers.
    /// Nothing at the kiosk tells a stranger whether a reference exists.
    private func unknownReference(_ ref: TenantRef, secret: String, now: Date) throws(StoreError) -> SignInOutcome {
        let row = try read { db in
            try Row.fetchOne(db, sql: "SELECT failures, last_at, locked FROM sign_in_guess WHERE ref = ?", arguments: [ref.rawValue])
        }
        if let row {
            switch Self.failureBar(row, now: now) {
            case .locked?: return .locked
            case .wait(let seconds)?: return .wait(seconds: seconds)
            case nil: break
            }
        }
        _ = try? SecretHasher.hash(secret) // the same work as a real check
        let count = (row?["failures"] as Int? ?? 0) + 1
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO sign_in_guess (ref, failures, last_at, locked) VALUES (?, ?, ?, ?)",
                           arguments: [ref.rawValue, count, Millis.from(now), count >= Self.maxSignInFailures ? 1 : 0])
        }
        return count >= Self.maxSignInFailures ? .locked : .failed
    }

    /// Issues a one-time sign-in code (8 digits, valid 7 days) for a tenant's first sign-in or a
    /// forgotten PIN; the ledger records that staff issued it.
    public func issueSignInCode(_ ref: TenantRef, by staff: Actor, channel: Channel) throws(StoreError) -> String {
        var generator = SystemRandomNumberGenerator()
        let code = String(format: "%08d", Int.random(in: 0..<100_000_000, using: &generator))
        let secret: (kdf: String, salt: Data, hash: Data)
        do { secret = try SecretHasher.hash(code) } catch { throw Self.map(error) }
        try credentialChange("code-issued", for: ref, actor: staff, channel: channel) { db, tenantID, now in
            try db.execute(sql: """
                INSERT OR REPLACE INTO sign_in_code (tenant_id, kdf, salt, hash, expires_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [tenantID, secret.kdf, secret.salt, secret.hash, Millis.from(now) + 7 * 86_400_000])
        }
        return code
    }

    /// Sets a PIN after a code was accepted: checks the PIN policy, stores the PIN and spends the code.
    public func setFirstPIN(_ pin: String, for ref: TenantRef) throws(StoreError) -> PINPolicy.Problem? {
        let dob = try tenantState(ref)?.value(AttributeID("date-of-birth")).answer?.text
        if let problem = PINPolicy.problem(pin, dateOfBirth: dob) { return problem }
        try storePIN(pin, for: ref, actor: .tenant, channel: .kiosk, spendingCode: true)
        return nil
    }

    /// Clears a locked tenant's failures (staff only); the ledger records who unlocked.
    public func unlockSignIn(_ ref: TenantRef, by staff: Actor, channel: Channel) throws(StoreError) {
        try credentialChange("unlocked", for: ref, actor: staff, channel: channel) { db, tenantID, _ in
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE tenant_id = ?", arguments: [tenantID])
        }
    }

    /// Failures recorded for a tenant (0 when none).
    public func signInFailures(_ ref: TenantRef) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: """
                SELECT f.failures FROM sign_in_failure f JOIN tenant t ON t.id = f.tenant_id WHERE t.ref = ?
                """, arguments: [ref.rawValue]) ?? 0
        }
    }
}

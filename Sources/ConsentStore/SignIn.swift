import ConsentCore
import ConsentVault
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
    /// Too many failures in a row at this kiosk, with any references (``KioskThrottle``): whoever is
    /// there tries again after this many seconds. Nothing was tried.
    case kioskWait(seconds: Int)
    /// Five failures: locked for `SignInThrottle.lockSeconds`, or until staff unlock.
    case locked
}

extension ConsentDatabase {
    /// Failures allowed before a member of staff's account locks (tenants: `SignInThrottle`).
    public static let maxSignInFailures = 5

    /// Seconds to wait after `failures` failures: none for the first two, then 2, 4, 8…
    public static func signInDelay(afterFailures failures: Int) -> Int {
        failures < 3 ? 0 : 1 << (failures - 2)
    }

    /// What earlier failures bar now, for a member of staff.
    enum FailureBar { case locked, wait(seconds: Int) }

    /// Reads a failure row's `failures`, `last_at` and `locked` columns: locked, a wait still to
    /// run, or nil when a sign-in may be tried.
    static func failureBar(_ row: Row, now: Date) -> FailureBar? {
        if (row["locked"] as Int? ?? 0) != 0 { return .locked }
        guard let last = row["last_at"] as Int64? else { return nil }
        let wait = signInDelay(afterFailures: row["failures"] as Int? ?? 0) - Int((Millis.from(now) - last) / 1000)
        return wait > 0 ? .wait(seconds: wait) : nil
    }

    /// Checks a tenancy reference, date of birth and PIN (or a one-time code). Failures are counted
    /// by reference (``SignInThrottle``), in the database so a restart resets nothing, and synced so
    /// every kiosk slows and locks the same reference alike. A reference that is no tenant's goes
    /// through exactly the same steps: the same count, the same slow hash, the same answers, so
    /// nothing at any kiosk tells a stranger whether a reference exists.
    ///
    /// `countedAtCentre`: the centre has just counted this attempt as a failure (it was asked for a
    /// tenant this device does not hold and sent none, `TenantFetchCheck`), and its count reaches this
    /// device at the next sync; a failure here is then not counted a second time, only judged with it
    /// (a reference locks after exactly ``SignInThrottle/lockAfter`` failures, held here or not).
    public func signIn(_ ref: TenantRef, dateOfBirth: String, secret: String, usingCode: Bool = false,
                       countedAtCentre: Bool = false) throws(StoreError) -> SignInOutcome {
        let now = clock()
        let bar = SignInThrottle.bar(try signInTally(ref.rawValue), now: now)
        if case .locked? = bar { return .locked }
        if let seconds = KioskThrottle.bar(try kioskStreak(), now: now) { return .kioskWait(seconds: seconds) }
        if case .wait(let seconds)? = bar { return .wait(seconds: seconds) }
        let table = usingCode ? "sign_in_code" : "credential"
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT t.id, c.kdf, c.salt, c.hash, \(usingCode ? "c.expires_at" : "NULL AS expires_at")
                FROM tenant t LEFT JOIN \(table) c ON c.tenant_id = t.id WHERE t.ref = ?
                """, arguments: [ref.rawValue])
        }
        // An expired code is checked as no code: the same work, and it matches nothing.
        let expired = (row?["expires_at"] as Int64?).map { $0 < Millis.from(now) } ?? false
        let stored = expired ? nil : row.flatMap(StoredSecret.init)
        var ok = try secretMatches(secret, stored)
        if let row, let stored {
            let dob = try tenantValue(ref, Catalogue.signInAttribute)?.answer?.text
            let given = Validator.date(dateOfBirth)
            ok = ok && dob != nil && dob == given
            if ok && !usingCode {
                // Left unkeyed when this fails (busy, disk full): it still signs in, and is keyed at a later sign-in.
                do { try rekeyPIN(secret, tenantID: row["id"], stored) } catch {}
            }
        }
        if ok {
            if try signInTally(ref.rawValue).failures > 0 { try forgetSignInFailures(ref.rawValue, at: now) }
            try endKioskStreak()
            return .signedIn(ref)
        }
        try recordKioskFailure(at: now)
        let failures = countedAtCentre ? try signInTally(ref.rawValue).failures + 1 : try recordSignInFailure(ref.rawValue, at: now).failures
        return failures >= SignInThrottle.lockAfter ? .locked : .failed
    }

    /// Issues a one-time sign-in code (8 digits, valid 7 days) for a tenant's first sign-in or a
    /// forgotten PIN; the ledger records that staff issued it.
    public func issueSignInCode(_ ref: TenantRef, by staff: Actor, channel: Channel) throws(StoreError) -> String {
        var generator = SystemRandomNumberGenerator()
        let code = String(format: "%08d", Int.random(in: 0..<100_000_000, using: &generator))
        let secret = try newSecretHash(code)
        try credentialChange("code-issued", for: ref, actor: staff, channel: channel) { db, tenantID, now, _ in
            try db.execute(sql: """
                INSERT OR REPLACE INTO sign_in_code (tenant_id, kdf, salt, hash, expires_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [tenantID, secret.kdf, secret.salt, secret.hash, Millis.from(now) + 7 * 86_400_000])
        }
        return code
    }

    /// Sets a PIN after a code was accepted: checks the PIN policy, stores the PIN and spends the code.
    public func setFirstPIN(_ pin: String, for ref: TenantRef) throws(StoreError) -> PINPolicy.Problem? {
        let dob = try tenantValue(ref, Catalogue.signInAttribute)?.answer?.text
        if let problem = PINPolicy.problem(pin, dateOfBirth: dob) { return problem }
        try storePIN(pin, for: ref, actor: .tenant, channel: .kiosk, spendingCode: true)
        return nil
    }

    /// Clears a locked tenant's failures (staff only), on every kiosk once synced, and ends this kiosk's
    /// streak of failures (``KioskThrottle``); the ledger records who unlocked. The clear takes the
    /// event's effective time, by which a centre finds the event and checks the member of staff before
    /// it takes the clear (``SignInTallies/clearProblem(_:)``). It replaces whatever clear was here, and
    /// counts dated ahead of this clock go, so no date another clock set can outlast an unlock.
    public func unlockSignIn(_ ref: TenantRef, by staff: Actor, channel: Channel) throws(StoreError) {
        try credentialChange("unlocked", for: ref, actor: staff, channel: channel) { db, _, _, effective in
            try Self.dropAhead(db, now: Millis.from(self.clock()))
            try Self.clear(db, ref.rawValue, at: Millis.from(effective), replacing: true)
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.kioskStreakKey])
        }
    }

    /// Failures counted for a reference on every kiosk this device has heard from (0 when none).
    public func signInFailures(_ ref: TenantRef) throws(StoreError) -> Int {
        try signInTally(ref.rawValue).failures
    }
}

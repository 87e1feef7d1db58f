import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// Failed kiosk sign-ins by reference (`sign_in_tally`: one row per reference and device that saw
/// failures; `sign_in_clear`: when each reference's failures were last forgotten), on devices and at
/// a SQLite centre alike (its side of the exchange is `CentralStore`'s). A device writes only its own
/// rows; sync brings the others' (``SignInTallies``).
extension ConsentDatabase {
    /// The failures of `ref` on every device since it was last cleared.
    public func signInTally(_ ref: String) throws(StoreError) -> SignInTally {
        try read { db in try Self.tally(db, ref) }
    }

    static func tally(_ db: Database, _ ref: String) throws -> SignInTally {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT coalesce(sum(t.failures), 0) AS failures, max(CASE WHEN t.failures > 0 THEN t.last_at END) AS last_at FROM sign_in_tally t
            WHERE t.ref = ? AND t.first_at > coalesce((SELECT at FROM sign_in_clear WHERE ref = t.ref), -1)
            """), arguments: [ref]) else { return SignInTally() }
        let last: Int64? = row["last_at"]
        return SignInTally(failures: row["failures"] as Int? ?? 0, lastAt: last.map(Millis.date))
    }

    /// Counts a failure of `ref` on this device and returns the tally after it.
    func recordSignInFailure(_ ref: String, at now: Date) throws(StoreError) -> SignInTally {
        let at = Millis.from(now), me = device.rawValue
        return try write { db in
            try Self.dropAhead(db, now: at)
            let cleared = try Int64.fetchOne(db, sql: "SELECT at FROM sign_in_clear WHERE ref = ?", arguments: [ref]) ?? -1
            let own = try Row.fetchOne(db, sql: "SELECT failures, first_at FROM sign_in_tally WHERE ref = ? AND device = ?", arguments: [ref, me])
            if let own, (own["first_at"] as Int64) > cleared {
                try db.execute(sql: "UPDATE sign_in_tally SET failures = failures + 1, last_at = max(last_at, ?) WHERE ref = ? AND device = ?",
                               arguments: [at, ref, me])
            } else {
                // A count begun after the clear (a clock that stands still still begins after it).
                let first = max(at, cleared + 1)
                try db.execute(sql: "INSERT OR REPLACE INTO sign_in_tally (ref, device, failures, first_at, last_at) VALUES (?, ?, 1, ?, ?)",
                               arguments: [ref, me, first, first])
            }
            return try Self.tally(db, ref)
        }
    }

    /// Forgets the failures of `ref` after a successful sign-in: all of them here, and this device's own
    /// everywhere (once synced, its count starts afresh at 0). Other kiosks' counts stand there: only a
    /// staff unlock clears a reference at every kiosk, for a centre takes a kiosk's word for nothing more.
    func forgetSignInFailures(_ ref: String, at now: Date) throws(StoreError) {
        let at = Millis.from(now), me = device.rawValue
        try write { db in
            try Self.clear(db, ref, at: at)
            try db.execute(sql: "INSERT OR REPLACE INTO sign_in_tally (ref, device, failures, first_at, last_at) VALUES (?, ?, 0, ?, ?)",
                           arguments: [ref, me, at, at])
        }
    }

    /// Records that `ref`'s failures were forgotten at `at`: the latest clear stands, but one `replacing`
    /// (a staff unlock here) stands whatever was there, so an unlock always lifts the lock it is asked to.
    static func clear(_ db: Database, _ ref: String, at: Int64, replacing: Bool = false) throws {
        try db.execute(sql: """
            INSERT INTO sign_in_clear (ref, at) VALUES (?, ?) ON CONFLICT (ref) DO UPDATE SET at = CASE WHEN ? THEN excluded.at ELSE max(at, excluded.at) END
            """, arguments: [ref, at, replacing])
    }

    /// Drops the counts and clears dated more than ``SignInTallies/aheadAllowance`` ahead of `now` (ms): made
    /// while a clock was ahead, or taken before such were refused. A count dated ahead stays "just now" (a
    /// lock for good); a clear dated ahead hides every failure before that date.
    package static func dropAhead(_ db: Database, now: Int64) throws {
        let latest = SignInTallies.latestTaken(now: now)
        try db.execute(sql: "DELETE FROM sign_in_tally WHERE last_at > ?", arguments: [latest])
        try db.execute(sql: "DELETE FROM sign_in_clear WHERE at > ?", arguments: [latest])
    }

    /// What this device tells the centre: its own counts from the last day (none dated ahead of its clock,
    /// which the centre would refuse), and the clears of that day
    /// that stand for a staff unlock the centre already holds (its event pushed or pulled) by a member
    /// of staff still active here (the registry as last copied from the centre), so an honest device
    /// never sends a clear the centre would refuse.
    public func signInTalliesToSend() throws(StoreError) -> SignInTallies {
        try read { db in
            let now = Millis.from(clock())
            var tallies = try Self.tallies(db, since: now - SignInTallies.keptMillis, until: SignInTallies.latestTaken(now: now), device: device.rawValue)
            let unlocks = try Self.recordedUnlocks(db, of: tallies.clears, synced: true)
            tallies.clears.removeAll { !$0.standsFor(unlocks) }
            return tallies
        }
    }

    /// The staff unlocks this database's ledger holds for `clears` (each clear's reference at its moment),
    /// with the unlocking member's standing in its staff registry (at a centre, whether a device added them); only events the centre has
    /// (`synced`: numbered by it, or pushed and acknowledged) when asked.
    package static func recordedUnlocks(_ db: Database, of clears: [SignInTallies.Clear], synced: Bool = false) throws -> [RecordedUnlock] {
        var found: [RecordedUnlock] = []
        for clear in clears {
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT l.actor_id, s.role, s.disabled, s.offered_by FROM tenant t JOIN ledger l ON l.tenant_id = t.id LEFT JOIN staff s ON s.id = l.actor_id
                WHERE t.ref = ? AND l.kind = 'credential' AND l.state = 'unlocked' AND l.actor = 'staff' AND l.effective_at = ?
                  AND (? = 0 OR l.central_seq IS NOT NULL OR l.pushed = 1)
                """), arguments: [clear.ref, clear.at, synced])
            for row in rows {
                let role = (row["role"] as String?).flatMap(StaffRole.init(rawValue:))
                let disabled = row["disabled"] as Int?
                found.append(RecordedUnlock(ref: clear.ref, at: clear.at, staff: row["actor_id"] ?? "", role: role, active: disabled == 0,
                                            registeredAtCentre: (row["offered_by"] as String?) == nil))
            }
        }
        return found
    }

    /// Every count and clear dated from `since` to `until` (`device` nil), or one device's counts and every clear.
    package static func tallies(_ db: Database, since: Int64, until: Int64, device: String?) throws -> SignInTallies {
        let entries = try Row.fetchAll(db, sql: """
            SELECT ref, device, failures, first_at, last_at FROM sign_in_tally WHERE last_at >= ? AND last_at <= ? AND (? IS NULL OR device = ?)
            """, arguments: [since, until, device, device]).map { row in
            SignInTallies.Entry(ref: row["ref"], device: row["device"], failures: row["failures"], firstAt: row["first_at"], lastAt: row["last_at"])
        }
        let clears = try Row.fetchAll(db, sql: "SELECT ref, at FROM sign_in_clear WHERE at >= ? AND at <= ?", arguments: [since, until]).map { row in
            SignInTallies.Clear(ref: row["ref"], at: row["at"])
        }
        return SignInTallies(entries: entries, clears: clears)
    }

    /// Takes in counts and clears from elsewhere: each entry where it moves that device's count
    /// forward (never this device's own, which only it writes), each clear where it is later; none dated
    /// ahead of this clock (``SignInTallies/latestTaken(now:)``). Rows untouched for a day are dropped, and
    /// so are rows dated ahead (``dropAhead(_:now:)``).
    public func adoptSignInTallies(_ tallies: SignInTallies) throws(StoreError) {
        let me = device.rawValue, now = Millis.from(clock()), since = now - SignInTallies.keptMillis
        let latest = SignInTallies.latestTaken(now: now)
        try write { db in
            for entry in tallies.entries where entry.device != me && entry.lastAt <= latest {
                let stored = try Row.fetchOne(db, sql: "SELECT failures, first_at, last_at FROM sign_in_tally WHERE ref = ? AND device = ?",
                                              arguments: [entry.ref, entry.device]).map { row in
                    SignInTallies.Entry(ref: entry.ref, device: entry.device, failures: row["failures"], firstAt: row["first_at"], lastAt: row["last_at"])
                }
                guard entry.supersedes(stored) else { continue }
                try db.execute(sql: "INSERT OR REPLACE INTO sign_in_tally (ref, device, failures, first_at, last_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [entry.ref, entry.device, entry.failures, entry.firstAt, entry.lastAt])
            }
            for clear in tallies.clears where clear.at <= latest { try Self.clear(db, clear.ref, at: clear.at) }
            try db.execute(sql: "DELETE FROM sign_in_tally WHERE last_at < ?", arguments: [since])
            try db.execute(sql: "DELETE FROM sign_in_clear WHERE at < ?", arguments: [since])
            try Self.dropAhead(db, now: now)
        }
    }
}

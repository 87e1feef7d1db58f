import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// This kiosk's failed sign-ins in a row (``KioskThrottle``), kept in `meta` so a restart resets
/// nothing. Only this device's: it slows whoever stands at this kiosk, and never travels.
extension ConsentDatabase {
    static let kioskStreakKey = "kiosk_sign_in_streak"

    /// The failures in a row at this kiosk (`failures` and the last one's time in milliseconds).
    public func kioskStreak() throws(StoreError) -> SignInTally {
        try read { db in try Self.kioskStreak(db) }
    }

    static func kioskStreak(_ db: Database) throws -> SignInTally {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [kioskStreakKey]) else {
            return SignInTally()
        }
        let parts = text.split(separator: " ").compactMap { Int64($0) }
        guard parts.count == 2 else { return SignInTally() }
        return SignInTally(failures: Int(parts[0]), lastAt: Millis.date(parts[1]))
    }

    /// Counts one more failure at this kiosk.
    func recordKioskFailure(at now: Date) throws(StoreError) {
        try write { db in
            let next = KioskThrottle.after(try Self.kioskStreak(db), failureAt: now)
            let value = "\(next.failures) \(Millis.from(next.lastAt ?? now))"
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [Self.kioskStreakKey, value])
        }
    }

    /// Ends this kiosk's streak: a successful sign-in here.
    func endKioskStreak() throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [Self.kioskStreakKey]) }
    }
}

import ConsentCore
import Foundation

/// A kiosk's request for a tenant it does not hold (`POST /v1/tenant`, JSON): someone at the kiosk
/// typed this reference and date of birth. The centre answers with the tenant's events (a pull page,
/// applied with the same code) only when the date of birth is the one it holds (``TenantFetchCheck``).
public struct TenantFetchRequest: Codable, Equatable, Sendable {
    /// The tenancy reference typed at the kiosk.
    public var tenant: String
    /// The date of birth typed there, as `YYYY-MM-DD` (``Validator/date(_:)``).
    public var dateOfBirth: String

    public init(tenant: String, dateOfBirth: String) {
        self.tenant = tenant
        self.dateOfBirth = dateOfBirth
    }
}

/// Why the centre sent no tenant. An unknown reference and a wrong date of birth are the same
/// ``Reason/notFound``, word for word, so the answer tells no one which references exist.
public struct TenantFetchRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The reasons a centre sends no tenant.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// No tenant with that reference and date of birth (either may be wrong).
        case notFound = "not-found"
        /// Too many failed fetches of that reference, or from that device: try again after ``TenantFetchRefusal/seconds``.
        case throttled
    }

    /// How a throttled fetch is held back, as the centre decided it (``SignInThrottle`` for a reference).
    public enum Hold: String, Codable, Sendable, CaseIterable {
        /// A short wait the kiosk counts down (after the third failure: 2 s, then 4 s).
        case wait
        /// A lock: the kiosk says to ask at the desk, or to come back after ``TenantFetchRefusal/seconds``.
        case lock
    }

    public let reason: Reason
    /// For ``Reason/throttled``: seconds before the next try is answered.
    public let seconds: Int
    /// For ``Reason/throttled``: a wait or a lock; nil from a centre that did not say (older than this field).
    public let hold: Hold?

    public init(_ reason: Reason, seconds: Int = 0, hold: Hold? = nil) {
        self.reason = reason
        self.seconds = reason == .throttled ? max(1, seconds) : 0
        self.hold = reason == .throttled ? hold : nil
    }

    /// Below this many seconds, a throttled fetch from a centre that did not say which it was is
    /// taken for a wait, from it on for a lock (the kiosk's rule before centres said).
    public static let oldCentreLockFrom = 60

    /// What a kiosk shows for this refusal: the centre's wait or lock; nil when it is no throttle.
    ///
    /// ```swift
    /// TenantFetchRefusal(.throttled, seconds: 30, hold: .lock).bar  // .locked(seconds: 30)
    /// TenantFetchRefusal(.throttled, seconds: 30).bar               // .wait(seconds: 30): an older centre
    /// ```
    public var bar: SignInThrottle.Bar? {
        guard reason == .throttled else { return nil }
        switch hold ?? (seconds < Self.oldCentreLockFrom ? .wait : .lock) {
        case .wait: return .wait(seconds: seconds)
        case .lock: return .locked(seconds: seconds)
        }
    }

    /// The one answer for an unknown reference and a wrong date of birth.
    public static let notFound = TenantFetchRefusal(.notFound)

    public var description: String {
        switch reason {
        case .notFound: "the centre holds no tenant with that reference and date of birth"
        case .throttled: "too many failed fetches of this reference or from this device; try again in \(seconds) s"
        }
    }
}

/// What a centre checks before it sends a kiosk a tenant, and the SQL it reads and counts with, written
/// once for SQLite and PostgreSQL. Pure, tested without a server.
///
/// Every failed fetch (unknown reference or wrong date of birth alike) is counted in the centre's
/// `sign_in_tally` under the reference and ``tallyDevice(_:)`` of the asking device, so it travels to
/// every kiosk at the next sync like a failed sign-in there: the reference is slowed and locked
/// everywhere by ``SignInThrottle`` (5 failures lock it for 15 minutes), and a device that keeps
/// failing with any references is refused for ``deviceWindow`` once it has ``deviceFailures`` failures
/// in that window. A throttled fetch is refused before the date of birth is looked at.
///
/// ```swift
/// TenantFetchCheck.refusal(reference: SignInTally(failures: 5, lastAt: now), device: SignInTally(), now: now)
/// // TenantFetchRefusal(.throttled, seconds: 900, hold: .lock)
/// ```
public enum TenantFetchCheck {
    /// Failed fetches from one device within ``deviceWindow`` after which it is refused.
    public static let deviceFailures = 10
    /// The window, in milliseconds, over which a device's failed fetches are counted.
    public static let deviceWindow: Int64 = 900_000

    /// The `sign_in_tally` device under which the centre counts `device`'s failed fetches (a device
    /// reports only its own id, so it can never lower this count).
    public static func tallyDevice(_ device: String) -> String { "\(device)/fetch" }

    /// The refusal of a fetch held back now, or nil: `reference` is the reference's tally over every
    /// device (and the centre's fetches), `device` the asking device's failed fetches in the last
    /// ``deviceWindow``. A reference is held back as ``SignInThrottle`` decides, a wait or a lock; a
    /// device that failed too often is locked out for the rest of its window, whatever the reference.
    public static func refusal(reference: SignInTally, device: SignInTally, now: Date) -> TenantFetchRefusal? {
        switch SignInThrottle.bar(reference, now: now) {
        case .wait(let seconds)?: return TenantFetchRefusal(.throttled, seconds: seconds, hold: .wait)
        case .locked(let seconds)?: return TenantFetchRefusal(.throttled, seconds: seconds, hold: .lock)
        case nil: break
        }
        guard device.failures >= deviceFailures, let last = device.lastAt else { return nil }
        let left = Int((Double(deviceWindow) / 1000 - now.timeIntervalSince(last)).rounded(.up))
        return left > 0 ? TenantFetchRefusal(.throttled, seconds: left, hold: .lock) : nil
    }

    /// Whether the date of birth the centre holds (`YYYY-MM-DD`, nil when none is held or the tenant
    /// is unknown) is the one given (in any form ``Validator/date(_:)`` reads).
    public static func matches(held: String?, given: String) -> Bool {
        guard let held, let given = Validator.date(given) else { return false }
        return held == given
    }

    /// The reference's tally (failures, latest failure in ms) over every device since its latest clear.
    /// Argument: the reference.
    public static func referenceTallyQuery(mark: (Int) -> String) -> String {
        """
        SELECT CAST(coalesce(sum(t.failures), 0) AS BIGINT), max(CASE WHEN t.failures > 0 THEN t.last_at END) FROM sign_in_tally t \
        WHERE t.ref = \(mark(1)) AND t.first_at > coalesce((SELECT c.at FROM sign_in_clear c WHERE c.ref = t.ref), -1)
        """
    }

    /// A device's failed fetches (failures, latest in ms) counted since a moment. Arguments: ``tallyDevice(_:)``, the moment.
    public static func deviceTallyQuery(mark: (Int) -> String) -> String {
        """
        SELECT CAST(coalesce(sum(t.failures), 0) AS BIGINT), max(t.last_at) FROM sign_in_tally t WHERE t.device = \(mark(1)) AND t.last_at > \(mark(2))
        """
    }

    /// The date of birth held for a tenant. Argument: the reference.
    public static func birthDateQuery(mark: (Int) -> String) -> String {
        """
        SELECT v.value FROM tenant t JOIN current_value c ON c.tenant_id = t.id AND c.attribute_id = '\(Catalogue.signInAttribute.rawValue)' \
        JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id WHERE t.ref = \(mark(1))
        """
    }

    /// Counts one failed fetch: the device's row for the reference goes up by one, or starts afresh
    /// at one when it began before the reference's latest clear. Arguments: the reference,
    /// ``tallyDevice(_:)``, the moment (ms, after the clear). The same statement on SQLite and PostgreSQL.
    public static func countFailure(mark: (Int) -> String) -> String {
        let cleared = "coalesce((SELECT c.at FROM sign_in_clear c WHERE c.ref = excluded.ref), -1)"
        return """
            INSERT INTO sign_in_tally (ref, device, failures, first_at, last_at) VALUES (\(mark(1)), \(mark(2)), 1, \(mark(3)), \(mark(3))) \
            ON CONFLICT (ref, device) DO UPDATE SET \
            failures = CASE WHEN sign_in_tally.first_at > \(cleared) THEN sign_in_tally.failures + 1 ELSE 1 END, \
            first_at = CASE WHEN sign_in_tally.first_at > \(cleared) THEN sign_in_tally.first_at ELSE excluded.first_at END, \
            last_at = excluded.last_at
            """
    }

    /// Drops the counts and clears dated ahead of the centre's clock (taken before such were refused), before a
    /// fetch reads them: a count dated ahead would lock the reference for good, a clear dated ahead would hide
    /// its failures. Argument: ``SignInTallies/latestTaken(now:)``. The same statements on SQLite and PostgreSQL.
    public static func dropAheadQueries(mark: (Int) -> String) -> [String] {
        ["DELETE FROM sign_in_tally WHERE last_at > \(mark(1))", "DELETE FROM sign_in_clear WHERE at > \(mark(1))"]
    }

    /// The moment a failure is counted at: now, but after the reference's latest clear (`cleared`, ms), which
    /// lies at most ``SignInTallies/aheadAllowance`` ahead (``dropAheadQueries(mark:)``).
    public static func countedAt(now: Int64, cleared: Int64?) -> Int64 { max(now, (cleared ?? -1) + 1) }

    /// The clear of a reference. Argument: the reference.
    public static func clearQuery(mark: (Int) -> String) -> String {
        "SELECT at FROM sign_in_clear WHERE ref = \(mark(1))"
    }

    /// What the centre writes in its audit log for a tenant it sent.
    public static func auditLine(_ request: TenantFetchRequest) -> String {
        "sent tenant \(request.tenant.prefix(64)) to a kiosk that was given their date of birth (fetch on demand)"
    }
}

/// How long a kiosk keeps a tenant of another office it fetched and did not change, and the SQL both
/// centres record fetches and name such tenants with.
///
/// Each tenant sent is recorded in `tenant_fetch` (device, tenant, when: the latest fetch). Once a
/// fetch is older than ``kept``, every pull of that device names the tenant in `departed`, so the
/// kiosk forgets them as it forgets a tenant who moved away, as long as they are still outside its
/// scope: their office is another one and the device has not changed them since they joined it (the
/// following rule of ``OfficePull/filter(greatest:mark:)``). A kiosk that changed them keeps them.
///
/// ```swift
/// let sql = TenantFetchCheck.forgottenQuery { "?\($0)" } // args: device, cutoff (ms), office, device number
/// ```
extension TenantFetchCheck {
    /// How long, in milliseconds, a fetched tenant the device has not changed stays there: one day.
    public static let kept: Int64 = 86_400_000

    /// The latest moment (ms) a fetch may have been made for its tenant to be forgotten at `now` (ms).
    public static func forgetBefore(now: Int64) -> Int64 { now - kept }

    /// Records that `device` was sent the tenant (or that it was again). Arguments: the device's id, the
    /// reference, the moment (ms). The same statement on SQLite and PostgreSQL.
    public static func recordFetch(mark: (Int) -> String) -> String {
        """
        INSERT INTO tenant_fetch (device, tenant_id, at) SELECT \(mark(1)), t.id, \(mark(3)) FROM tenant t WHERE t.ref = \(mark(2)) \
        ON CONFLICT (device, tenant_id) DO UPDATE SET at = excluded.at
        """
    }

    /// The references a device fetched at or before a moment and is to forget: their office is set and is
    /// not the device's, and it has no event of theirs since the move that set it (`OfficeColumns`). Arguments: the device's
    /// id, the moment (ms, ``forgetBefore(now:)``), its office, its device number (or -1).
    public static func forgottenQuery(mark: (Int) -> String) -> String {
        """
        SELECT t.ref FROM tenant_fetch f JOIN tenant t ON t.id = f.tenant_id \
        WHERE f.device = \(mark(1)) AND f.at <= \(mark(2)) AND t.office IS NOT NULL AND t.office <> \(mark(3)) \
        AND NOT EXISTS (SELECT 1 FROM ledger m WHERE m.tenant_id = t.id AND m.device_no = \(mark(4)) AND m.central_seq >= \(OfficeColumns.officeSetAt)) \
        ORDER BY t.ref
        """
    }
}

import ConsentCore
import Foundation

/// Failed kiosk sign-ins by tenancy reference, as devices and the centre exchange them at each sync
/// (`POST /v1/sign-in-tallies`, JSON), so that a reference slowed or locked on one kiosk is slowed or
/// locked on every kiosk. References that are no tenant's travel too: a kiosk treats them exactly
/// like real ones, so sync must as well, or a second kiosk would tell them apart.
///
/// Each device counts only its own failures (``Entry``, one per reference and device, written only by
/// that device; a successful sign-in there starts its count afresh at 0). A staff unlock is a ``Clear``
/// of the reference, which every side keeps as the latest time; a centre takes a clear only for an
/// unlock its ledger holds (``clearProblem(_:)``), so no device can unlock a reference on its own.
/// A reference's tally is the sum of the entries begun after its clear.
public struct SignInTallies: Codable, Equatable, Sendable {
    /// One device's failures with one reference since `firstAt`.
    public struct Entry: Codable, Equatable, Sendable {
        public var ref: String
        public var device: String
        public var failures: Int
        public var firstAt: Int64
        public var lastAt: Int64

        public init(ref: String, device: String, failures: Int, firstAt: Int64, lastAt: Int64) {
            self.ref = ref
            self.device = device
            self.failures = failures
            self.firstAt = firstAt
            self.lastAt = lastAt
        }

        /// Whether this entry replaces `other` (the same reference and device): a later count, or a
        /// count begun after a clear. Each device only ever moves its own entry forward.
        public func supersedes(_ other: Entry?) -> Bool {
            guard let other else { return true }
            return (firstAt, failures, lastAt) > (other.firstAt, other.failures, other.lastAt)
        }
    }

    /// A reference's failures forgotten at `at` (milliseconds): a staff unlock, whose ledger event has
    /// this effective time.
    public struct Clear: Codable, Equatable, Sendable {
        public var ref: String
        public var at: Int64

        public init(ref: String, at: Int64) {
            self.ref = ref
            self.at = at
        }
    }

    public var entries: [Entry]
    public var clears: [Clear]

    public init(entries: [Entry] = [], clears: [Clear] = []) {
        self.entries = entries
        self.clears = clears
    }

    /// How far back sides exchange and keep tallies: a reference with no failure for a day starts afresh.
    public static let keptMillis: Int64 = 86_400_000
    /// The most entries and clears in one message.
    public static let maxItems = 50_000
    /// How far ahead of a side's clock (milliseconds) a count or clear may be dated: five minutes, as for
    /// an effective time (`ChangeRules`). One dated further ahead is left out at the centre and dropped
    /// everywhere (``latestTaken(now:)``, ``leavingOutAhead(now:)``): its failures would stay "just now", a lock
    /// for good, and a clear would hide every failure before that date; a staff unlock could lift neither.
    public static let aheadAllowance: Int64 = 300_000

    /// The latest moment (ms) a count or clear may be dated for a side whose clock reads `now` (ms).
    public static func latestTaken(now: Int64) -> Int64 { now + aheadAllowance }

    /// This message without the counts and clears dated past ``latestTaken(now:)`` for a side whose clock reads
    /// `now` (ms), and how many it left out. Each is left out on its own: one fast clock must not hold back the
    /// rest of a report.
    public func leavingOutAhead(now: Int64) -> (kept: SignInTallies, leftOut: Int) {
        let latest = Self.latestTaken(now: now)
        let kept = SignInTallies(entries: entries.filter { $0.lastAt <= latest }, clears: clears.filter { $0.at <= latest })
        return (kept, entries.count + clears.count - kept.entries.count - kept.clears.count)
    }

    /// What a centre audits when it left out `count` items dated ahead of its clock.
    public static func leftOutAhead(_ count: Int) -> String {
        "left out \(count) sign-in count(s) or clear(s) dated more than \(aheadAllowance / 60_000) minutes ahead of the centre's clock: "
            + "the device's clock is or was ahead; set it right"
    }

    /// The most references one device may count failed sign-ins for within ``keptMillis``. A kiosk at a counter sees
    /// a few a day; one reporting more is broken or tampered with, and could otherwise lock every tenant out of every
    /// kiosk. Past it a centre leaves the device's new references out and audits it (``limitingReferences(alreadyCounted:)``).
    public static let maxReferencesPerDevice = 200

    /// This message with no more references than ``maxReferencesPerDevice`` counting failures for its device, given
    /// the references a centre already holds failures of that device for (`counted`, within ``keptMillis``), and how
    /// many entries it left out. Entries for references already counted, and counts of 0 (a device forgetting its own
    /// failures), are always kept; new references are taken in the order sent while there is room.
    public func limitingReferences(alreadyCounted counted: Set<String>) -> (kept: SignInTallies, leftOut: Int) {
        var room = Self.maxReferencesPerDevice - counted.count
        var taken = counted
        var kept = SignInTallies(clears: clears)
        for entry in entries {
            if entry.failures == 0 || taken.contains(entry.ref) {
                kept.entries.append(entry)
            } else if room > 0 {
                room -= 1
                taken.insert(entry.ref)
                kept.entries.append(entry)
            }
        }
        return (kept, entries.count - kept.entries.count)
    }

    /// What a centre audits when it left out `count` entries of a device past ``maxReferencesPerDevice``.
    public static func leftOutReferences(_ count: Int) -> String {
        "left out failed sign-ins for \(count) reference(s): one device may count at most \(maxReferencesPerDevice) references in a day, "
            + "so this one is broken or tampered with; check it, and revoke it if it is not in use"
    }

    /// Why a centre refuses what `device` sent, or nil: it may speak only of its own failures, with sane counts
    /// and times, and references that are short plain text. What is dated ahead is left out, not refused
    /// (``leavingOutAhead(now:)``).
    public func problem(from device: String) -> String? {
        guard entries.count + clears.count <= Self.maxItems else {
            return "a sign-in tally may carry at most \(Self.maxItems) entries and clears; this one had \(entries.count + clears.count)"
        }
        func badRef(_ ref: String) -> Bool {
            ref.isEmpty || ref.utf8.count > 64 || ref.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F }
        }
        for entry in entries {
            if entry.device != device {
                return "a device reports only its own failed sign-ins; \(device) sent some for \(entry.device.prefix(100))"
            }
            if badRef(entry.ref) { return "a sign-in tally names a reference that is empty, longer than 64 bytes or not plain text" }
            // A count of 0 is a device forgetting its own failures (a successful sign-in there).
            if entry.failures < 0 || entry.failures > 1_000_000 || entry.firstAt > entry.lastAt || entry.firstAt < 0 {
                return "a sign-in tally for \(entry.ref) has an impossible count or times"
            }
        }
        for clear in clears where badRef(clear.ref) || clear.at < 0 {
            return "a sign-in clear names a reference that is empty, longer than 64 bytes or not plain text, or a time before 1970"
        }
        return nil
    }
}

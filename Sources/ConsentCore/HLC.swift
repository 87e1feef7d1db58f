import Foundation

/// A hybrid logical clock time: wall-clock milliseconds plus a logical counter, totally ordered.
/// Packs into one `Int64` (48 bits of milliseconds, 16 of counter) for storage.
public struct HLCTimestamp: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var millis: Int64
    public var counter: UInt16

    public init(millis: Int64, counter: UInt16 = 0) {
        self.millis = millis
        self.counter = counter
    }

    /// Restores a timestamp from its packed form.
    public init(packed: Int64) {
        millis = packed >> 16
        counter = UInt16(truncatingIfNeeded: packed & 0xFFFF)
    }

    /// The timestamp packed into one integer whose order is the timestamp's order.
    public var packed: Int64 { (millis << 16) | Int64(counter) }

    public var description: String { "\(millis).\(counter)" }

    public static func < (a: Self, b: Self) -> Bool { (a.millis, a.counter) < (b.millis, b.counter) }
}

extension HLCError {
    /// A moment in milliseconds as a UTC date and time (`2100-01-01T00:00:00Z`).
    static func day(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).formatted(.iso8601)
    }
}

/// Why a clock refused a remote timestamp.
public enum HLCError: Error, Equatable, CustomStringConvertible {
    /// A remote clock is further ahead of ours than the allowed drift.
    case driftTooLarge(remoteMillis: Int64, localMillis: Int64, maxDriftMillis: Int64)
    /// The logical counter would overflow (more than 65,535 events in one millisecond).
    case counterOverflow
    /// This clock's last time is further ahead of the wall clock than the allowed drift: it ran while the
    /// wall clock was wrong (or followed a time that far ahead), and a new time would date a change ahead.
    case aheadOfWallClock(lastMillis: Int64, wallMillis: Int64, maxDriftMillis: Int64)

    public var description: String {
        switch self {
        case let .driftTooLarge(remote, local, max):
            "a remote clock is \(remote - local) ms ahead of ours (limit \(max) ms); check the device's clock"
        case .counterOverflow:
            "too many events in one millisecond for the hybrid logical clock"
        case let .aheadOfWallClock(last, wall, max):
            """
            this device's last change is dated \(Self.day(last)), \((last - wall) / 3_600_000) hours after its system clock now \
            (limit \(max / 3_600_000) hours), so nothing more is recorded here: its clock is or was ahead. Set the system clock right; \
            if it is right, enrol a new device database and record the changes there, and revoke this one at the centre
            """
        }
    }
}

/// A hybrid logical clock (Kulkarni et al.): never goes backwards, stays close to wall time, and
/// orders an event after every event its device has seen.
public struct HybridLogicalClock: Sendable {
    public private(set) var last: HLCTimestamp
    /// How far a device's clock may run ahead of its wall clock: each clock may be a day off, so two may be
    /// two days apart. A device follows a received time up to this far ahead, and records up to this far ahead.
    public static let deviceDriftMillis: Int64 = 2 * 86_400_000
    /// How far ahead of our wall clock a remote time may be before it is refused.
    public var maxDriftMillis: Int64

    public init(last: HLCTimestamp = HLCTimestamp(millis: 0), maxDriftMillis: Int64 = 86_400_000) {
        self.last = last
        self.maxDriftMillis = maxDriftMillis
    }

    /// The time for a new local event, given the wall clock now. More than 65,535 events in one
    /// millisecond (a bulk import) move the clock a millisecond ahead instead of failing. A clock whose
    /// last time is more than ``maxDriftMillis`` ahead of the wall clock refuses (``HLCError/aheadOfWallClock(lastMillis:wallMillis:maxDriftMillis:)``):
    /// it never goes back, so once ahead it would date every later change ahead too, and a change
    /// dated ahead wins every later write of its value.
    public mutating func tick(wallMillis: Int64) throws(HLCError) -> HLCTimestamp {
        if last.millis - wallMillis > maxDriftMillis {
            throw .aheadOfWallClock(lastMillis: last.millis, wallMillis: wallMillis, maxDriftMillis: maxDriftMillis)
        }
        if wallMillis > last.millis {
            last = HLCTimestamp(millis: wallMillis)
        } else if last.counter < .max {
            last.counter += 1
        } else {
            last = HLCTimestamp(millis: last.millis + 1)
        }
        return last
    }

    /// Advances the clock past a timestamp received from another device.
    public mutating func receive(_ remote: HLCTimestamp, wallMillis: Int64) throws(HLCError) -> HLCTimestamp {
        if remote.millis - wallMillis > maxDriftMillis {
            throw .driftTooLarge(remoteMillis: remote.millis, localMillis: wallMillis, maxDriftMillis: maxDriftMillis)
        }
        let millis = max(wallMillis, last.millis, remote.millis)
        var counter: UInt16 = 0
        if millis == last.millis && millis == remote.millis {
            counter = max(last.counter, remote.counter)
        } else if millis == last.millis {
            counter = last.counter
        } else if millis == remote.millis {
            counter = remote.counter
        } else {
            last = HLCTimestamp(millis: millis)
            return last
        }
        guard counter < .max else { throw .counterOverflow }
        last = HLCTimestamp(millis: millis, counter: counter + 1)
        return last
    }
}

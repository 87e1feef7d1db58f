import ConsentCore
import Foundation

/// A staff unlock as a ledger holds it (a `credential` event `unlocked`, recorded by a member of
/// staff), with that member's standing in the same side's staff registry now.
public struct RecordedUnlock: Equatable, Sendable {
    /// The tenancy reference unlocked.
    public var ref: String
    /// The event's effective time (milliseconds): the moment of the ``SignInTallies/Clear`` it stands for.
    public var at: Int64
    /// The member of staff the event names.
    public var staff: String
    /// Their role in the registry, nil when the registry does not know them.
    public var role: StaffRole?
    /// Whether the registry holds them and they are not disabled.
    public var active: Bool
    /// Whether they were added to the registry at the centre (`consent staff add`), not only offered by a
    /// device (`StaffRegistry.adoption`): a device, stolen and altered, could offer anyone. A device's own
    /// registry is the centre's copy, so there this is always true.
    public var registeredAtCentre: Bool

    public init(ref: String, at: Int64, staff: String, role: StaffRole?, active: Bool, registeredAtCentre: Bool = true) {
        self.ref = ref
        self.at = at
        self.staff = staff
        self.role = role
        self.active = active
        self.registeredAtCentre = registeredAtCentre
    }

    /// Whether this unlock may clear a reference's failures everywhere: recorded by an active member of
    /// staff registered at the centre whose role may unlock (`StaffRules.may(_:.unlock)`).
    public var standsAsUnlock: Bool { registeredAtCentre && standsOnceRegistered }

    /// Whether it would stand once its member is added at the centre.
    var standsOnceRegistered: Bool {
        guard active, let role else { return false }
        return StaffRules.may(role, .unlock)
    }
}

extension SignInTallies.Clear {
    /// Whether one of `unlocks` is a real staff unlock of this reference at this moment.
    public func standsFor(_ unlocks: [RecordedUnlock]) -> Bool {
        unlocks.contains { $0.ref == ref && $0.at == at && $0.standsAsUnlock }
    }
}

extension SignInTallies {
    /// This message without the clears whose only unlock was recorded by a member of staff a device added and
    /// the centre has not (``RecordedUnlock/registeredAtCentre``), with what the centre audits for each. They
    /// are left out, not refused: an honest staff terminal whose newcomer unlocked someone keeps exchanging
    /// its counts, and the lock stands at the other kiosks until staff registered at the centre unlock.
    public func leavingOutUnregistered(_ unlocks: [RecordedUnlock]) -> (kept: SignInTallies, leftOut: [String]) {
        var kept = self, leftOut: [String] = []
        kept.clears = clears.filter { clear in
            let found = unlocks.filter { $0.ref == clear.ref && $0.at == clear.at }
            guard !found.contains(where: \.standsAsUnlock), let unlock = found.first(where: \.standsOnceRegistered) else { return true }
            let who = unlock.staff.prefix(64)
            leftOut.append("left out a sign-in clear of \(clear.ref.prefix(64)): its unlock was recorded by \(who), whom a device added and "
                + "the centre has not; add them at the centre with `consent staff add \(who) --role support`, or unlock again as a member "
                + "the centre registered")
            return false
        }
        return (kept, leftOut)
    }

    /// Why a centre refuses these clears, or nil. Each clear must stand for a staff unlock in the centre's
    /// ledger (`unlocks`: those of the clears' references at their moments, as the centre read them):
    /// the same reference, the event's effective time, recorded by an active member of staff the centre
    /// registered itself, whose role may unlock (clears by members only a device added are left out first,
    /// ``leavingOutUnregistered(_:)``). An enrolled device can be stolen and altered; without this it could lift
    /// any reference's lock, its own guesses' included, at every kiosk.
    public func clearProblem(_ unlocks: [RecordedUnlock]) -> String? {
        for clear in clears where !clear.standsFor(unlocks) {
            let when = Date(timeIntervalSince1970: Double(clear.at) / 1000).formatted(.iso8601)
            let found = unlocks.filter { $0.ref == clear.ref && $0.at == clear.at }
            let why = found.first.map { unlock in
                "the unlock there was recorded by \(unlock.staff.prefix(64)), who is not an active member of the centre's staff registry "
                    + "with a role that may unlock"
            } ?? "the centre's ledger holds no staff unlock of that reference at that moment"
            return "a sign-in clear of \(clear.ref) at \(when) stands for no staff unlock: \(why); only a staff unlock "
                + "(consent staff unlock REF --staff ID, synced before the tallies) clears a reference's failures, so nothing of this report was applied"
        }
        return nil
    }
}

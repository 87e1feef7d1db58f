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

    public init(ref: String, at: Int64, staff: String, role: StaffRole?, active: Bool) {
        self.ref = ref
        self.at = at
        self.staff = staff
        self.role = role
        self.active = active
    }

    /// Whether this unlock may clear a reference's failures everywhere: recorded by an active member of
    /// staff whose role may unlock (`StaffRules.may(_:.unlock)`).
    public var standsAsUnlock: Bool {
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
    /// Why a centre refuses these clears, or nil. Each clear must stand for a staff unlock in the centre's
    /// ledger (`unlocks`: those of the clears' references at their moments, as the centre read them):
    /// the same reference, the event's effective time, recorded by a registered, active member of staff
    /// whose role may unlock. An enrolled device can be stolen and altered; without this it could lift
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

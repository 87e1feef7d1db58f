import ConsentCore
import Foundation

/// The device offering staff (`POST /v1/staff`), as its centre knows it: what it was enrolled as and how
/// many members of staff it added to the registry in the last ``StaffRegistry/offerWindowMillis``.
public struct StaffOfferer: Equatable, Sendable {
    public var device: String
    public var kind: DeviceKind
    public var addedRecently: Int

    public init(device: String, kind: DeviceKind, addedRecently: Int) {
        self.device = device
        self.kind = kind
        self.addedRecently = addedRecently
    }
}

extension StaffRegistry {
    /// The most members of staff one device may add to the centre's registry in a day
    /// (``offerWindowMillis``): enough for the odd newcomer taken on while a terminal was offline, too few
    /// for a stolen one to fill the registry every device copies.
    public static let maxAddedPerDevice = 3

    /// The window over which ``maxAddedPerDevice`` counts (a day, in milliseconds).
    public static let offerWindowMillis: Int64 = 86_400_000

    /// What a centre whose registry holds `known` (every id, active or disabled) takes of `offerer`'s
    /// offered members: a staff terminal may add staff while offline, and their changes are then checked
    /// like anyone's. The centre adds only ids it has never known, only in the support role (no more
    /// than a device could already claim by naming any support member), only from a staff terminal (a
    /// kiosk, `DeviceKind.kiosk`, adds no one: a stolen one could invent colleagues) and at most
    /// ``maxAddedPerDevice`` a day from one device. It never renames, re-roles or re-enables a member it
    /// knows (a leaver stays disabled). Every member it leaves is named with why and the command that adds
    /// them at the centre; `heldBack` counts those left for being from a kiosk or past the day's limit, which
    /// the centre audits (``heldBackOffer(_:kind:)``). A member it adds is marked as the device's until added at the centre too, and
    /// stands for no sign-in clear till then (``RecordedUnlock/registeredAtCentre``). Call ``problem`` on the offer first.
    public static func adoption(of offer: StaffRegistry, known: Set<String>, by offerer: StaffOfferer) -> (add: [WireStaffMember], notAdded: [String], heldBack: Int) {
        var add: [WireStaffMember] = [], notAdded: [String] = [], heldBack = 0
        var room = max(0, maxAddedPerDevice - offerer.addedRecently)
        for member in offer.members where member.active && !known.contains(member.id) {
            let atCentre = "add them at the centre with `consent staff add \(member.id) --role \(member.role.rawValue)`"
            if member.role != .support {
                notAdded.append("\(member.id) (\(member.role.rawValue)): only support staff may be added on a device; \(atCentre)")
            } else if offerer.kind != .staff {
                heldBack += 1
                notAdded.append("\(member.id) (support): a kiosk cannot add staff to the centre's registry; \(atCentre)")
            } else if room == 0 {
                heldBack += 1
                notAdded.append("""
                    \(member.id) (support): this device has added \(maxAddedPerDevice) members of staff in the last day, \
                    the most one device may; \(atCentre)
                    """)
            } else {
                add.append(member)
                room -= 1
            }
        }
        return (add, notAdded, heldBack)
    }

    /// What a centre audits when it held back `count` members a device offered (``adoption(of:known:by:)``).
    public static func heldBackOffer(_ count: Int, kind: DeviceKind) -> String {
        kind == .staff
            ? "held back \(count) offered member(s) of staff: one device adds at most \(maxAddedPerDevice) a day"
            : "held back \(count) offered member(s) of staff: a kiosk cannot add staff to the centre's registry"
    }
}

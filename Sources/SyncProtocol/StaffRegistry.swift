import ConsentCore
import Foundation

/// One member of the centre's staff registry as devices receive it: who may be named as the author
/// of a staff change, in which role, and whether they still may (a leaver is kept, inactive, so
/// their past changes still name someone). No password travels: staff set theirs on the devices
/// they sign in at.
public struct WireStaffMember: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var role: StaffRole
    public var active: Bool

    public init(id: String, name: String, role: StaffRole, active: Bool) {
        self.id = id
        self.name = name
        self.role = role
        self.active = active
    }
}

/// `GET /v1/staff`: the centre's whole staff registry, which every device copies at each sync, so
/// a member added at the centre can act at every device and a leaver disabled there at none.
public struct StaffRegistry: Codable, Equatable, Sendable {
    public var members: [WireStaffMember]

    public init(members: [WireStaffMember]) { self.members = members }

    /// The most members a registry reply may hold (far above any landlord's staff).
    public static let maxMembers = 10_000

    /// Why a device refuses this registry (or a centre a device's offer), or nil: too many members, an id twice, or an id or name
    /// no registry accepts (`StaffMember.problem(id:name:)`).
    public var problem: String? {
        guard members.count <= Self.maxMembers else {
            return "the staff list has \(members.count) members, more than the \(Self.maxMembers) accepted at once"
        }
        var seen = Set<String>()
        for member in members {
            guard seen.insert(member.id).inserted else { return "the staff list names \(member.id) twice" }
            if let problem = StaffMember.problem(id: member.id, name: member.name) { return "staff member \(member.id): \(problem)" }
        }
        return nil
    }
}

/// The centre's answer to a device's offer of its staff (`POST /v1/staff`): who it added to its
/// registry, and who it left for the centre to add (roles above support), with why.
public struct StaffOfferReply: Codable, Equatable, Sendable {
    public var added: [String]
    public var notAdded: [String]

    public init(added: [String], notAdded: [String]) {
        self.added = added
        self.notAdded = notAdded
    }
}

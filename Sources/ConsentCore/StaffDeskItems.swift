import Foundation

// What staff mode's desk lists: values the store finds and the staff screens show, so the screens need
// no store to know them.

/// A tenant found by staff: enough to pick the right one, nothing special.
public struct TenantMatch: Hashable, Sendable, Codable {
    /// The tenancy reference.
    public var reference: String
    /// The tenant's full name, when held.
    public var name: String?
    /// Their postcode, when held.
    public var postcode: String?
    /// Marker ids (Forms/staff.yaml), shown before anything else.
    public var markers: [String]
    /// The other tenants of a joint tenancy (``JointTenancy``), by reference only: each is a data subject
    /// of their own, who calls and is acted for as themselves.
    public var jointTenants: [String]

    /// A tenant found by staff.
    public init(reference: String, name: String?, postcode: String?, markers: [String], jointTenants: [String] = []) {
        self.reference = reference
        self.name = name
        self.postcode = postcode
        self.markers = markers
        self.jointTenants = jointTenants
    }
}

/// A change waiting for a second person: a pending correction, a held grant, or a tenant's open request
/// (erasure, rectification, restriction or access), made at the kiosk or taken by staff.
public struct HeldItem: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case correction(AttributeID)
        case grant(PurposeID, [AttributeID])
        /// Decided with `StaffRules.decideErasure`, not confirmed like the others.
        case erasureRequest(AttributeID)
        /// A rectification, restriction or access request, decided with `StaffRules.decideRequest`.
        case request(TenantRequest)
    }
    public var tenant: TenantRef
    public var event: EventID
    public var kind: Kind
    public var takenBy: Actor
    public var channel: Channel
    public var at: Date

    public init(tenant: TenantRef, event: EventID, kind: Kind, takenBy: Actor, channel: Channel, at: Date) {
        self.tenant = tenant
        self.event = event
        self.kind = kind
        self.takenBy = takenBy
        self.channel = channel
        self.at = at
    }

    /// The attribute a verification of this item names.
    public var attribute: AttributeID {
        switch kind {
        case .correction(let a), .erasureRequest(let a): a
        case .grant(_, let attributes): attributes.first ?? AttributeID("")
        case .request(let request): request.attribute ?? AttributeID("")
        }
    }
}

/// A decision sync found in conflict: a grant that lost to a withdrawal (or the reverse), to re-confirm.
public struct ConflictItem: Hashable, Sendable, Codable {
    /// The tenancy reference.
    public var reference: String
    /// The attribute of the decision.
    public var attribute: String
    /// Its purpose.
    public var purpose: String
    /// The state that stands.
    public var state: String
    /// The event that lost, as `device:sequence`.
    public var losingEvent: String

    /// A decision to re-confirm.
    public init(reference: String, attribute: String, purpose: String, state: String, losingEvent: String) {
        self.reference = reference
        self.attribute = attribute
        self.purpose = purpose
        self.state = state
        self.losingEvent = losingEvent
    }
}

import Foundation

/// What a member of staff is: phone support, a supervisor (the second pair of eyes), or the
/// data-protection lead. What each may do is ``StaffRules/may(_:_:)``.
public enum StaffRole: String, CaseIterable, Codable, Sendable {
    case support
    case supervisor
    case dpLead = "dp-lead"
}

/// Something a member of staff can do in staff mode.
public enum StaffTask: String, CaseIterable, Sendable {
    /// Find a tenant and see their alerts.
    case find
    /// See ordinary values of a verified caller (special categories masked).
    case viewValues
    /// Reveal one special-category value, with a reason; recorded as an access event.
    case revealSpecial
    /// See the address of a tenant whose marker hides it from phone support.
    case viewProtectedAddress
    /// Record a withdrawal or an objection (allowed even when the caller is not verified).
    case stopUse
    /// Record a grant (the notice script read aloud).
    case grant
    /// Correct a value or erase one at the caller's request.
    case correct
    /// Confirm or reject what another member of staff took by phone (four eyes).
    case confirmHeld
    /// Decide a tenant's request (erasure, rectification, restriction, access): carry it out, refuse it with a
    /// reason, or lift a restriction.
    case decideErasure
    /// Record a call-back to the number on file that confirms a held change.
    case recordCallBack
    /// Verify a pending correction against evidence seen (a document at the desk).
    case verifyEvidence
    /// Issue a one-time kiosk sign-in code.
    case issueCode
    /// Unlock a tenant's kiosk sign-in.
    case unlock
    /// Review decisions that sync found in conflict and that must be re-confirmed with the tenant.
    case reviewConflicts
    /// Set or clear a tenant's marker (vulnerable, safe address).
    case setMarker
    /// Unlock a member of staff locked out after failed sign-ins.
    case unlockStaff
}

/// A reason code staff must give for each change (Forms/staff.yaml).
public struct ReasonCode: Hashable, Sendable {
    public var id: String
    /// A short English label for the staff screen (staff-only; not shown to tenants).
    public var label: String
    public init(id: String, label: String) {
        self.id = id
        self.label = label
    }
}

/// A marker on a tenant that staff must see before anything else (Forms/staff.yaml).
public struct MarkerDefinition: Hashable, Sendable {
    public var id: String
    /// What the alert says to staff (English, staff-only).
    public var alert: String
    /// Attributes never shown to phone support while the marker is set (an address kept safe).
    public var hides: [AttributeID]
    public init(id: String, alert: String, hides: [AttributeID]) {
        self.id = id
        self.alert = alert
        self.hides = hides
    }
}

/// The rules of staff mode that the housing association sets in `Forms/staff.yaml`.
public struct StaffPolicy: Hashable, Sendable {
    /// Details a caller may be asked for, compared with what is held (never read out).
    public var checks: [AttributeID]
    /// How many of ``checks`` the caller must give correctly to be verified.
    public var required: Int
    /// Those of ``checks`` the tenant's own post carries (letters, the "what we hold" email): whoever has
    /// the post has them, so they never verify a caller alone; at least one matched detail must be off it.
    public var onTenantPost: [AttributeID]
    /// The stronger check a tenant with certain markers needs on top of the details, if configured.
    public var stronger: StrongerCheckPolicy?
    public var reasons: [ReasonCode]
    /// Attributes whose change by phone waits for a second person (contact details).
    public var heldAttributes: [AttributeID]
    public var markers: [MarkerDefinition]

    public init(
        checks: [AttributeID], required: Int, reasons: [ReasonCode], heldAttributes: [AttributeID], markers: [MarkerDefinition],
        onTenantPost: [AttributeID] = [], stronger: StrongerCheckPolicy? = nil
    ) {
        self.checks = checks
        self.required = required
        self.onTenantPost = onTenantPost
        self.stronger = stronger
        self.reasons = reasons
        self.heldAttributes = heldAttributes
        self.markers = markers
    }

    /// The reason with this id, if listed.
    public func reason(_ id: String) -> ReasonCode? { reasons.first { $0.id == id } }

    /// The marker with this id, if listed.
    public func marker(_ id: String) -> MarkerDefinition? { markers.first { $0.id == id } }

    /// Whether a tenant with `markers` needs the stronger check on a call.
    public func needsStronger(_ markers: some Sequence<String>) -> Bool {
        guard let stronger else { return false }
        return markers.contains { stronger.markers.contains($0) }
    }
}

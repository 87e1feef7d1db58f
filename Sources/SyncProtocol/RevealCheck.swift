import ConsentCore
import Foundation

/// A staff device's request to see one special-category value of one tenant (`POST /v1/reveal`,
/// JSON). An enrolled device seals these values to the organisation's key and cannot open them; the
/// centre opens one only for a read the device has already recorded and pushed (`RevealCheck`).
public struct RevealRequest: Codable, Equatable, Sendable {
    /// The tenancy reference.
    public var tenant: String
    /// The special-category attribute.
    public var attribute: String
    /// The member of staff signed in at the device, who recorded the read.
    public var staff: String

    public init(tenant: String, attribute: String, staff: String) {
        self.tenant = tenant
        self.attribute = attribute
        self.staff = staff
    }
}

/// The centre's answer to a reveal: the value, "prefer not to say", or nothing held. Shown on the
/// device's screen and never stored there.
public struct RevealAnswer: Codable, Equatable, Sendable {
    /// The value in clear, when one is held.
    public var value: String?
    /// The tenant said they prefer not to say.
    public var preferNotToSay: Bool

    public init(value: String?, preferNotToSay: Bool = false) {
        self.value = value
        self.preferNotToSay = preferNotToSay
    }

    /// No value is held (never given, or erased).
    public static let notHeld = RevealAnswer(value: nil)
}

/// Why the centre refused a reveal: a stable reason and a sentence saying what to do. Crosses the
/// wire as an `ErrorBody` with code `reveal-refused` and the reason in `detail`'s first word.
public struct RevealRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// The reasons a centre refuses a reveal.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// The read was recorded at a kiosk (by the tenant, on the kiosk channel), not by staff.
        case kiosk
        /// The device asking was enrolled as a kiosk (or before device kinds were recorded), not as a staff terminal.
        case kioskDevice = "kiosk-device"
        /// The centre holds no tenant with that reference.
        case unknownTenant = "unknown-tenant"
        /// Not a special-category attribute (ordinary values are on the device already), or unknown.
        case notSpecial = "not-special"
        /// The centre holds no read of that value by that member of staff from this device.
        case noRecordedAccess = "no-recorded-access"
        /// The recorded read is older than ``RevealCheck/window`` (or dated ahead of the centre's clock).
        case staleAccess = "stale-access"
        /// The tenant belongs to another office and this device has not acted for them.
        case wrongOffice = "wrong-office"
        /// The member of staff is unknown, disabled, or of a role that may not reveal.
        case staffMayNotReveal = "staff-may-not-reveal"
        /// No purpose that allows decisions about the tenant allows this value's use now
        /// (`StaffRules.revealRefusal`: equality monitoring alone is never a reason to show it).
        case notForDecisions = "not-for-decisions"
        /// The centre cannot open sealed values (no organisation key given to it).
        case centreHasNoKey = "centre-has-no-key"
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}

/// A read (`access` event) as the centre's ledger holds it, with the recording member of staff's
/// standing in the centre's registry now.
public struct RecordedAccess: Equatable, Sendable {
    /// The actor column: `staff`, `tenant` or `system`.
    public var actor: String
    /// The member of staff, for a staff read.
    public var staff: String?
    /// The channel it was recorded on (`phone`, `system`, `kiosk`, …).
    public var channel: String
    /// Its effective time (milliseconds).
    public var at: Int64
    /// The member's role in the centre's registry, nil when it does not know them.
    public var role: StaffRole?
    /// Whether the registry holds them and they are not disabled.
    public var active: Bool

    public init(actor: String, staff: String?, channel: String, at: Int64, role: StaffRole?, active: Bool) {
        self.actor = actor
        self.staff = staff
        self.channel = channel
        self.at = at
        self.role = role
        self.active = active
    }
}

/// What a centre knows about one reveal request, loaded by either backend with ``tenantQuery`` and
/// ``accessQuery``; ``RevealCheck/problem(_:_:now:isSpecial:)`` decides.
public struct RevealFacts: Equatable, Sendable {
    /// Whether the centre holds the tenant.
    public var tenantKnown: Bool
    /// The tenant's current office, nil when none is recorded (every office holds them).
    public var tenantOffice: String?
    /// The office the requesting device is enrolled for.
    public var deviceOffice: String
    /// Whether the device has made any other change of the tenant (then it follows them, `OfficePull`).
    public var deviceChangedTenant: Bool
    /// The device's latest recorded read of this value by the named member of staff, if any.
    public var access: RecordedAccess?
    /// What the device was enrolled as (``DeviceKind/recorded(_:)``: a kiosk when none was recorded).
    public var deviceKind: DeviceKind

    public init(tenantKnown: Bool, tenantOffice: String?, deviceOffice: String, deviceChangedTenant: Bool, access: RecordedAccess?,
                deviceKind: DeviceKind) {
        self.deviceKind = deviceKind
        self.tenantKnown = tenantKnown
        self.tenantOffice = tenantOffice
        self.deviceOffice = deviceOffice
        self.deviceChangedTenant = deviceChangedTenant
        self.access = access
    }
}

/// The centre's rule for opening one sealed value for a staff device, written once for both
/// backends: the device must have recorded (and pushed) the read as an `access` event, recently, by
/// a registered, active member of staff whose role may reveal, on a staff channel, for a tenant of its
/// office (or one it already acts for). Everything else is refused with a ``RevealRefusal``.
public enum RevealCheck {
    /// How old a recorded read may be when the value is asked for (milliseconds): five minutes.
    public static let window: Int64 = 5 * 60_000
    /// How far ahead of the centre's clock a read may be dated (device clocks drift): one minute.
    public static let skew: Int64 = 60_000

    /// Why the centre refuses `request`, or nil when it may answer.
    public static func problem(_ request: RevealRequest, _ facts: RevealFacts, now: Int64, isSpecial: Bool) -> RevealRefusal? {
        let what = "\(request.attribute.prefix(64)) of \(request.tenant.prefix(32))"
        guard facts.deviceKind == .staff else {
            return RevealRefusal(.kioskDevice, "this device was enrolled as a kiosk, which never reveals a value; reveal at a staff terminal "
                + "(enrolled with a code from `consent device issue-code --kind staff`)")
        }
        guard isSpecial else {
            return RevealRefusal(.notSpecial, "\(request.attribute.prefix(64)) is not a special-category attribute; only those are revealed "
                + "through the centre (ordinary values are shown on the device)")
        }
        guard facts.tenantKnown else {
            return RevealRefusal(.unknownTenant, "the centre holds no tenant \(request.tenant.prefix(32)); check the reference")
        }
        guard let access = facts.access else {
            return RevealRefusal(.noRecordedAccess, "the centre holds no read of \(what) by \(request.staff.prefix(32)) from this device; "
                + "record the reveal with its reason at this device and let it sync, then ask again")
        }
        if access.actor != "staff" || access.channel == Channel.kiosk.rawValue {
            return RevealRefusal(.kiosk, "the read of \(what) was recorded at the kiosk, not by staff; special-category values are not "
                + "shown at a kiosk: ask at the desk")
        }
        guard access.active, let role = access.role, StaffRules.may(role, .revealSpecial) else {
            return RevealRefusal(.staffMayNotReveal, "\(request.staff.prefix(32)) is not an active member of the centre's staff registry "
                + "with a role that may reveal; ask the data-protection lead")
        }
        if access.at < now - window || access.at > now + skew {
            return RevealRefusal(.staleAccess, "the recorded read of \(what) is not from the last \(window / 60_000) minutes; "
                + "record the reveal again with its reason, then ask again")
        }
        if let office = facts.tenantOffice, office != facts.deviceOffice, !facts.deviceChangedTenant {
            return RevealRefusal(.wrongOffice, "\(request.tenant.prefix(32)) is a tenant of another office (\(office.prefix(32))); "
                + "ask that office, or the data-protection lead at the centre")
        }
        return nil
    }

    /// Why the value may not be shown to staff at all, whatever was recorded: the centre runs the
    /// device's own rule again on its decisions (`tenant` needs only the tenant's decisions about
    /// `attribute`), since a device can be altered to skip it.
    public static func purposeProblem(_ attribute: AttributeID, of tenant: TenantState, at date: Date, catalogue: Catalogue) -> RevealRefusal? {
        guard let refusal = StaffRules.revealRefusal(attribute, of: tenant, at: date, catalogue: catalogue) else { return nil }
        return RevealRefusal(.notForDecisions, "\(refusal)")
    }

    /// The SQL, for SQLite and PostgreSQL alike, that reads what a centre knows of a tenant for a
    /// reveal: one row (`office`, `changed` as 0 or 1) when the tenant is known. Parameters in the
    /// store's spelling: `mark(1)` the reference, `mark(2)` the device id.
    public static func tenantQuery(mark: (Int) -> String) -> String {
        """
        SELECT (SELECT v.value FROM current_value c JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq \
        AND v.attribute_id = c.attribute_id WHERE c.tenant_id = t.id AND c.attribute_id = '\(Office.attribute.rawValue)') AS office, \
        CASE WHEN EXISTS (SELECT 1 FROM ledger m JOIN device d ON d.no = m.device_no WHERE m.tenant_id = t.id AND d.id = \(mark(2)) \
        AND m.kind <> 'access') THEN 1 ELSE 0 END AS changed FROM tenant t WHERE t.ref = \(mark(1))
        """
    }

    /// The SQL that reads the device's latest recorded read of the value by the member of staff (or by
    /// anyone but staff: a kiosk's read is then what the device holds, and is refused as such), with
    /// their standing in the registry (`actor`, `actor_id`, `channel`, `effective_at`, `role`,
    /// `disabled`). Parameters: `mark(1)` the reference, `mark(2)` the device id, `mark(3)` the
    /// attribute, `mark(4)` the staff id.
    public static func accessQuery(mark: (Int) -> String) -> String {
        """
        SELECT l.actor, l.actor_id, l.channel, l.effective_at, s.role, s.disabled FROM ledger l \
        JOIN tenant t ON t.id = l.tenant_id JOIN device d ON d.no = l.device_no LEFT JOIN staff s ON s.id = l.actor_id \
        WHERE t.ref = \(mark(1)) AND d.id = \(mark(2)) AND l.kind = 'access' AND l.attribute_id = \(mark(3)) \
        AND (l.actor_id = \(mark(4)) OR l.actor <> 'staff') \
        ORDER BY l.device_seq DESC LIMIT 1
        """
    }
}

import ConsentCore
import Foundation

/// Timing of a kiosk session (DESIGN §1: idle warning, idle sign-out, absolute limit).
public struct KioskTiming: Sendable, Equatable {
    /// Seconds without input before the idle countdown shows.
    public var idleWarning: TimeInterval
    /// Seconds without input before the tenant is signed out.
    public var idleTimeout: TimeInterval
    /// The longest session, in seconds, however active the tenant is.
    public var sessionLimit: TimeInterval
    /// Seconds before the session limit from which the time left counts down.
    public var sessionWarning: TimeInterval

    public init(idleWarning: TimeInterval = 60, idleTimeout: TimeInterval = 90, sessionLimit: TimeInterval = 900,
                sessionWarning: TimeInterval = 120) {
        self.idleWarning = idleWarning
        self.idleTimeout = idleTimeout
        self.sessionLimit = sessionLimit
        self.sessionWarning = sessionWarning
    }
}

/// A text field being typed into.
public struct Field: Equatable, Sendable {
    public var text = ""
    public var masked = false
    /// Only digits are accepted (PINs and codes); a masked password takes any character.
    public var digitsOnly = false
    /// Longest input accepted, in characters.
    public var limit = 120
    public init(masked: Bool = false, digitsOnly: Bool? = nil, limit: Int = 120) {
        self.masked = masked
        self.digitsOnly = digitsOnly ?? masked
        self.limit = limit
    }
}

/// Where the tenant is.
public enum Screen: Equatable, Sendable {
    case welcome
    case signIn
    case code
    case setPIN
    case overview
    /// One attribute: its value and every purpose that uses it.
    case attribute(AttributeID)
    /// The notice shown before a grant for (attribute, purpose).
    case notice(AttributeID, PurposeID)
    case edit(AttributeID)
    /// A destructive or binding choice, asked once more with the safe answer focused.
    case confirm(AttributeID, Confirmation)
    case disclosures
    /// Asks once more before an access request (a copy of everything held) is sent.
    case accessRequest
    /// One use (purpose): everything it uses, and the tenant's choice for all of it at once.
    case use(PurposeID)
    case receipt
    case language(returnTo: ReturnScreen)
    /// How to use the kiosk, and where to get help.
    case help(returnTo: ReturnScreen)
    /// Staff only (F12 twice): a staff id and password end the kiosk.
    case staffExit(returnTo: ReturnScreen)
}

/// The choices the kiosk asks about once more before recording them (agreeing is asked on its notice).
public enum Confirmation: Equatable, Sendable {
    /// Erase the value held.
    case erase
    /// Ask staff to erase a value the tenant cannot erase here (what they sign in with, what the tenancy requires).
    case requestErasure
    /// Replace the value held with "prefer not to say".
    case preferNotToSay
    /// Object to a purpose's use of the attribute.
    case object(PurposeID)
    /// Ask staff to stop using the value (a restriction request).
    case requestRestriction
}

/// Screens a language choice can return to (a `Screen` cannot hold itself).
public indirect enum ReturnScreen: Equatable, Sendable {
    case screen(Screen)
}

/// Something said on the message line: a translation key with arguments, or plain text.
public struct Message: Equatable, Sendable {
    public var key: String
    public var arguments: [String: String] = [:]
    public var count: Int?
    public init(_ key: String, _ arguments: [String: String] = [:], count: Int? = nil) {
        self.key = key
        self.arguments = arguments
        self.count = count
    }
}

/// What is known of the signed-in tenant.
public struct TenantSession: Equatable, Sendable {
    public var ref: TenantRef
    public var state: TenantState
    public var started: Date
    /// What the tenant changed, as receipt messages holding ids (drawn in any language at sign-out).
    public var changes: [Message] = []
    public var disclosures: [DisclosureLine] = []
    /// Special-category attributes the tenant chose to show on screen.
    public var revealed: Set<AttributeID> = []
    /// Attributes the tenant has asked staff to erase and staff have not decided yet (from the store at
    /// sign-in, and those asked for in this session): asking again says it is already with staff.
    public var erasureRequested: Set<AttributeID> = []
    /// The tenant's requests to staff and their outcomes (from the store at sign-in, again after each request
    /// made here), shown on the overview.
    public var requests: [TenantRequest] = []

    public init(ref: TenantRef, state: TenantState, started: Date) {
        self.ref = ref
        self.state = state
        self.started = started
    }
}

extension TenantSession {
    /// Whether a request of `kind` about `attribute` waits for staff: the kiosk says so instead of sending another.
    public func hasOpenRequest(_ kind: RequestKind, _ attribute: AttributeID?) -> Bool {
        requests.contains { $0.isOpen && $0.kind == kind && $0.attribute == attribute }
    }

    /// Whether a restriction keeps `attribute` out of every use now.
    public func isRestricted(_ attribute: AttributeID) -> Bool {
        requests.contains { $0.restrictsNow && $0.attribute == attribute }
    }

    /// Whether the tenant corrects `attribute` here themselves: asked of them, and not kept by staff.
    public func correctsHere(_ attribute: AttributeID, _ catalogue: Catalogue, at now: Date) -> Bool {
        catalogue.asks(attribute, of: state, at: now) && catalogue.attribute(attribute)?.keptByStaff != true
    }

    /// Whether the tenant may ask staff to correct `attribute` here: a value is held that the kiosk does not let
    /// them change themselves (kept by staff, such as the tenancy's end), not retired, and no such request waits already.
    public func mayAskToCorrect(_ attribute: AttributeID, _ catalogue: Catalogue, at now: Date) -> Bool {
        guard let definition = catalogue.attribute(attribute), !definition.isRetired, !correctsHere(attribute, catalogue, at: now),
              state.value(attribute).answer != nil else { return false }
        return !hasOpenRequest(.rectification, attribute)
    }
}

/// A disclosure as the kiosk lists it.
public struct DisclosureLine: Equatable, Sendable {
    public var date: String
    public var purpose: PurposeID
    public var recipient: String
    public var attributes: [AttributeID]
    public init(date: String, purpose: PurposeID, recipient: String, attributes: [AttributeID]) {
        self.date = date
        self.purpose = purpose
        self.recipient = recipient
        self.attributes = attributes
    }
}

/// The whole kiosk: a value, changed only by ``KioskModel``.
public struct KioskState: Equatable, Sendable {
    public var language = "en"
    public var screen: Screen = .welcome
    /// Index of the focused item among the screen's selectable items.
    public var focus = 0
    /// The focus to restore on an attribute's screen after a notice, an edit or an erasure.
    public var attributeFocus = 0
    public var fields: [String: Field] = [:]
    /// Explanations shown under a field, by field name: input that was not sent (not a date, not a
    /// reference) and so did not count as a failed sign-in.
    public var notes: [String: Message] = [:]
    public var message: Message?
    /// When a sign-in may be tried again; the message counts down to it.
    public var waitUntil: Date?
    /// The wait is this kiosk's (too many failures in a row here, ``KioskThrottle``), not a reference's.
    public var waitAtKiosk = false
    /// The last key was F12 (the first half of the staff chord).
    public var staffChordStarted = false
    public var session: TenantSession?
    /// A tenant whose one-time code was accepted and who must now choose a PIN.
    public var pendingPIN: TenantRef?
    public var lastInput: Date
    /// The receipt shown after sign-out, already in the tenant's language, and its number.
    public var receiptLines: [ReceiptLine] = []
    public var receiptID: String?

    public init(now: Date) { lastInput = now }
}

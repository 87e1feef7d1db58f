import ConsentCore
import Foundation

/// Timing of a kiosk session (DESIGN §1: idle warning, idle sign-out, absolute limit).
public struct KioskTiming: Sendable, Equatable {
    public var idleWarning: TimeInterval
    public var idleTimeout: TimeInterval
    public var sessionLimit: TimeInterval

    public init(idleWarning: TimeInterval = 60, idleTimeout: TimeInterval = 90, sessionLimit: TimeInterval = 900) {
        self.idleWarning = idleWarning
        self.idleTimeout = idleTimeout
        self.sessionLimit = sessionLimit
    }
}

/// A text field being typed into.
public struct Field: Equatable, Sendable {
    public var text = ""
    public var masked = false
    /// Longest input accepted, in characters.
    public var limit = 120
    public init(masked: Bool = false, limit: Int = 120) {
        self.masked = masked
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
    case confirmErase(AttributeID)
    case disclosures
    case receipt
    case language(returnTo: ReturnScreen)
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
    /// Lines for the receipt, as messages (rendered in the tenant's language at sign-out).
    public var changes: [Message] = []
    public var disclosures: [DisclosureLine] = []
    /// Special-category attributes the tenant chose to show on screen.
    public var revealed: Set<AttributeID> = []

    public init(ref: TenantRef, state: TenantState, started: Date) {
        self.ref = ref
        self.state = state
        self.started = started
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
    public var message: Message?
    public var session: TenantSession?
    /// A tenant whose one-time code was accepted and who must now choose a PIN.
    public var pendingPIN: TenantRef?
    public var lastInput: Date
    /// The receipt shown after sign-out, already in the tenant's language, and its number.
    public var receiptLines: [String] = []
    public var receiptID: String?

    public init(now: Date) { lastInput = now }
}

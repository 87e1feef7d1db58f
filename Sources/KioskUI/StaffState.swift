import ConsentCore
import Foundation

/// Where the member of staff is in staff mode.
public enum StaffScreen: Equatable, Sendable {
    case signIn
    case home
    case find
    /// The opened tenant's markers, shown before anything else.
    case alerts
    /// The caller check: staff type what the caller says; nothing held is shown.
    case verify
    /// The details passed, but the tenant's marker needs a one-time code or a call-back as well.
    case stronger
    /// The tenant: decisions, values (masked or hidden as the rules say), desk tasks.
    case tenant
    /// The notice script to read aloud before a grant.
    case script(PurposeID)
    /// A reason code to choose before `action` is recorded.
    case reason(StaffChange)
    case edit(AttributeID)
    case held
    case heldItem(Int)
    case conflicts
}

/// Something staff asked for that is recorded once a reason is chosen.
public enum StaffChange: Equatable, Sendable {
    case decide(PurposeID, DecisionState, scriptRead: Bool)
    case correct(AttributeID, AttributeValue)
    case reveal(AttributeID)
}

/// The call in progress: the tenant opened, how the caller was checked, what was revealed.
public struct CallSession: Equatable, Sendable {
    public var ref: TenantRef
    public var name: String?
    public var markers: [String]
    /// The other tenants of a joint tenancy, by reference only (never their details).
    public var jointTenants: [String] = []
    public var state: TenantState
    public var caller: CallerCheck
    /// Special-category values revealed on this call (each read recorded in the ledger).
    public var revealed: [AttributeID: String] = [:]
    /// The one-time code made on this call for the stronger check, if any (kept only here).
    public var code: OneTimeCode?

    public init(ref: TenantRef, name: String?, markers: [String], state: TenantState, caller: CallerCheck) {
        self.ref = ref
        self.name = name
        self.markers = markers
        self.state = state
        self.caller = caller
    }
}

/// Staff mode: a value, changed only by ``StaffModel``.
public struct StaffState: Equatable, Sendable {
    public var screen: StaffScreen = .signIn
    public var focus = 0
    public var fields: [String: Field] = [:]
    /// The message line (English: staff screens are not translated).
    public var message: String?
    public var staff: StaffMember?
    public var results: [TenantMatch] = []
    public var call: CallSession?
    public var held: [HeldItem] = []
    /// For a call-back: the phone numbers already on file for each tenant in the queue (never the new one).
    public var numbersOnFile: [TenantRef: String] = [:]
    public var conflicts: [ConflictItem] = []
    /// The "last synced" indicator for a terminal enrolled with a centre (nil when it is not).
    public var sync: SyncIndicator?
    public var lastInput: Date

    public init(now: Date) { lastInput = now }
}

/// What staff mode reacts to: input, time, and the results of its effects.
public enum StaffEvent: Sendable {
    /// What the member of staff did, from any front-end.
    case input(NavigationInput)
    /// A button pressed by its action: done only where the screen on show offers it.
    case press(StaffAction)
    case tick
    case signedIn(StaffMember)
    case signInRefused(String)
    case found([TenantMatch])
    case opened(CallSession)
    /// A one-time code was made for the stronger check.
    case codeMade(OneTimeCode)
    /// A change was recorded; the tenant's state after it, and what to say.
    case recorded(TenantState, String)
    case revealed(AttributeID, String)
    /// The queue, and the numbers on file to call back.
    case held([HeldItem], numbers: [TenantRef: String])
    case conflicts([ConflictItem])
    /// A desk task finished (a code issued, a sign-in unlocked) with what to say.
    case done(String)
    case refused(String)
}

/// What staff mode asks the outside world to do; results come back as ``StaffEvent``s.
public enum StaffEffect: Equatable, Sendable {
    case signIn(id: String, password: String)
    case find(reference: String, name: String, postcode: String)
    case open(TenantRef, caller: CallerCheck)
    /// Make a one-time code for the stronger check (from the system's secure generator).
    case makeCode
    /// Record through the ledger (after ``StaffRules`` built it); `note` is said when it is saved.
    case record(ChangeRequest, note: String)
    /// Record these together (a request carried out: the change and the decision naming the request).
    case recordAll([ChangeRequest], note: String)
    /// Record the access event, then read the value.
    case reveal(ChangeRequest, AttributeID)
    case issueCode(TenantRef, by: StaffID)
    case unlock(TenantRef, by: StaffID)
    case loadHeld
    case loadConflicts
    case wipe
}

/// How this terminal stands with its centre, for the header.
public struct SyncIndicator: Equatable, Sendable {
    public var lastSyncedAt: Date?
    public var unsent: Int
    /// Why the last sync round failed, if it did.
    public var problem: String?
    public init(lastSyncedAt: Date?, unsent: Int, problem: String? = nil) {
        self.lastSyncedAt = lastSyncedAt
        self.unsent = unsent
        self.problem = problem
    }

    /// One short line: "synced 3 min ago" (or "not synced yet"), whether syncing now fails, and the
    /// changes still to send.
    public func text(now: Date) -> String {
        var line: String
        if let at = lastSyncedAt {
            let minutes = Int(now.timeIntervalSince(at) / 60)
            line = minutes < 1 ? "synced just now" : minutes < 120 ? "synced \(minutes) min ago" : "synced \(minutes / 60) h ago"
        } else {
            line = "not synced yet"
        }
        if problem != nil { line += " · sync failing" } // why: `consent sync --status`; the header has little room
        if unsent > 0 { line += " · \(unsent) to send" }
        return line
    }
}

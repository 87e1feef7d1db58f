import ConsentCore
import Foundation

/// What the kiosk reacts to: the tenant's input, time passing, and the results of its effects.
public enum KioskEvent: Sendable {
    /// What the person did, from any front-end (a terminal maps its keys with ``NavigationInput/init(_:click:)``).
    case input(NavigationInput)
    /// A front-end that shows buttons by their action (a browser) pressed one: done only where the
    /// screen on show offers it.
    case press(KioskAction)
    case tick
    case signedIn(TenantSession)
    case signInRefused(Message)
    /// Too many failures: sign-in is locked until staff unlock it.
    case signInLocked
    /// Too soon after earlier failures: the tenant may try again after this many seconds.
    case signInWait(seconds: Int)
    /// Too many failures in a row at this kiosk, whatever the references: whoever is there tries again
    /// after this many seconds.
    case kioskWait(seconds: Int)
    /// A staff id and password did not end the kiosk.
    case staffExitRefused(Message)
    case codeAccepted(TenantRef)
    case pinRefused(Message)
    case recorded(TenantState, Message)
    /// A request to staff was recorded: the tenant's state, its receipt line and their requests now.
    case requestRecorded(TenantState, Message, [TenantRequest])
    case refused(String)
    case disclosures([DisclosureLine])
}

/// What the kiosk asks the outside world to do; results come back as events.
public enum KioskEffect: Equatable, Sendable {
    case signIn(reference: String, dateOfBirth: String, pin: String)
    case redeemCode(reference: String, dateOfBirth: String, code: String)
    case setPIN(TenantRef, String)
    /// Record a change through the ledger; `receipt` is its line on the receipt.
    case record(ChangeRequest, receipt: Message)
    case loadDisclosures(TenantRef)
    /// Print (or save) the receipt of a finished session.
    case printReceipt(lines: [String], id: String)
    /// Clear the screen and the scrollback: nothing of the tenant may remain.
    case wipe
    /// Check a staff member's password and, if right, record it and end the kiosk.
    case endKiosk(staff: String, password: String)
}

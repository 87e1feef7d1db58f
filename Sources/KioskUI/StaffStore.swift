import ConsentCore
import ConsentVault
import Foundation

/// What staff mode asks of the store: sign-in, search, the tenant's state, changes through the ledger,
/// kiosk codes and desk lists. `ConsentDatabase` provides it, so ``StaffRunner`` needs no more of the store.
public protocol StaffStore: AnyObject {
    /// The register's rules for values (here: reading a typed tenancy reference).
    var validator: Validator { get }
    /// How this terminal stands with its centre.
    func syncIndicator() throws(StoreError) -> (enrolled: Bool, lastSyncedAt: Date?, unsent: Int, problem: String?)
    /// Checks a member of staff's password, counting failures.
    func staffSignIn(_ id: String, password: String) throws(StoreError) -> StaffSignInOutcome
    /// The tenant with this reference, as the desk lists them.
    func findTenant(reference: TenantRef) throws(StoreError) -> TenantMatch?
    /// Tenants by name words and postcode prefix, at most `limit`.
    func findTenants(name: String, postcode: String, limit: Int) throws(StoreError) -> [TenantMatch]
    /// The tenant's projected state, or nil when the reference is unknown.
    func tenantState(_ ref: TenantRef) throws(StoreError) -> TenantState?
    /// Records one change through the rules and the ledger.
    func recordChange(_ request: ChangeRequest) throws(StoreError)
    /// Records several changes through the rules and the ledger in one transaction (all or none).
    func recordChanges(_ requests: [ChangeRequest]) throws(StoreError)
    /// A one-time kiosk code for the tenant, issued by `staff`.
    func issueSignInCode(_ ref: TenantRef, by staff: Actor, channel: Channel) throws(StoreError) -> String
    /// Lifts the tenant's kiosk sign-in lock.
    func unlockSignIn(_ ref: TenantRef, by staff: Actor, channel: Channel) throws(StoreError)
    /// Changes held for a second member of staff, at most `limit`.
    func heldItems(limit: Int) throws(StoreError) -> [HeldItem]
    /// Values that devices set differently at about the same time, at most `limit`.
    func conflicts(limit: Int) throws(StoreError) -> [ConflictItem]
    /// Whether special-category values here are sealed for the centre (an enrolled device): a reveal
    /// then asks the centre (``CentreRevealing``).
    var specialValuesSealedForCentre: Bool { get }
}

/// What the centre answered to a staff reveal on an enrolled device.
public enum CentreRevealOutcome: Equatable, Sendable {
    /// The value, shown on screen and never stored.
    case value(String)
    case preferNotToSay
    case notHeld
    /// The centre could not be reached (why, for the log).
    case unreachable(String)
    /// The centre refused, saying why and what to do.
    case refused(String)
}

/// Asks the centre for one special-category value whose read this device has just recorded (the
/// device pushes the read first). Synchronous: staff mode waits for the answer, which comes within
/// the transport's timeout. `consent staff` gives one over HTTP (`SyncEngine.CentreReveal`).
public protocol CentreRevealing: AnyObject {
    func reveal(_ tenant: TenantRef, _ attribute: AttributeID, staff: StaffID) -> CentreRevealOutcome
}

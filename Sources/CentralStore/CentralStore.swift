import Foundation
@_exported import SyncProtocol

/// The centre's storage, behind the sync server: SQLite by default, PostgreSQL when one server is
/// outgrown. Both let `PushPlanner` decide about every push (they only load what it needs and
/// store what it decided), merge with the same `TenantState.apply`, and pass the same test suite.
public protocol CentralStore: Sendable {
    /// Issues a one-time enrolment code for a new device of `office`, valid for `lifetime`; the device
    /// it enrols is recorded as `kind` (only a staff terminal may ask for a reveal).
    func issueEnrolmentCode(office: String, lifetime: TimeInterval, kind: DeviceKind) async throws(CentralStoreError) -> String
    /// Enrols a device with a one-time code; returns its credential (shown once, stored hashed).
    func enrol(_ request: EnrolRequest) async throws(CentralStoreError) -> EnrolResponse
    /// Checks a device's credential; throws `unauthenticated` or `revoked`.
    func authenticate(device: String, secret: String) async throws(CentralStoreError)
    /// Revokes a device: every later request of it is refused.
    func revoke(device: String) async throws(CentralStoreError)
    /// The devices enrolled here.
    func devices() async throws(CentralStoreError) -> [CentralDevice]
    /// Applies a push from the authenticated `device` in one transaction: all of it, or (on a
    /// refusal of the whole batch: gap, wrong device, bad chain) none of it.
    func push(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> PushResponse
    /// Events with central sequence above `cursor`, at most `limit`, in central order.
    func pull(after cursor: Int64, limit: Int) async throws(CentralStoreError) -> PullResponse
    /// What `device` pulls: events with central sequence above `cursor` (at most `limit`, in central
    /// order) of the tenants of its office, of tenants with no office and of tenants it has changed; a
    /// tenant moved into its office comes with its earlier events (`OfficePull`).
    func pull(after cursor: Int64, limit: Int, for device: String) async throws(CentralStoreError) -> PullResponse
    /// The whole staff registry (active and disabled members), which devices copy at each sync.
    func staffRegistry() async throws(CentralStoreError) -> StaffRegistry
    /// Adds the members of staff a device added while offline that the centre may take
    /// (`StaffRegistry.adoption(of:known:)`), auditing each with the device that offered them.
    func adoptStaff(_ offer: StaffRegistry, from device: String) async throws(CentralStoreError) -> StaffOfferReply
    /// Takes the failed kiosk sign-ins `device` counted and the references cleared there (refused
    /// whole when `SignInTallies.problem(from:)` finds fault; what is dated ahead is left out), and answers with every device's counts
    /// and every clear of the last day, so each kiosk throttles a reference as all kiosks together saw it.
    func exchangeSignInTallies(_ sent: SignInTallies, from device: String) async throws(CentralStoreError) -> SignInTallies
    /// Opens one special-category value of one tenant for a staff device, when the centre holds that
    /// device's recent read of it by a member of staff who may reveal (`RevealCheck`), and audits it;
    /// otherwise throws `revealRefused` saying why.
    func reveal(_ request: RevealRequest, from device: String) async throws(CentralStoreError) -> RevealAnswer
    /// A tenant's whole history for a kiosk of any office that was given their reference and date of
    /// birth (a pull page, each event naming the hash it follows where needed), audited; when the date
    /// of birth is not the one held, the reference is unknown, or fetches of that reference or from that
    /// device failed too often (`TenantFetchCheck`), throws `fetchRefused`, and counts a failure.
    func fetchTenant(_ request: TenantFetchRequest, from device: String) async throws(CentralStoreError) -> PullResponse
    /// Takes the exports `device` made (each naming only tenants it may hold) and answers with the next
    /// exports after its cursor made anywhere else, each with only the tenants it may hold
    /// (`DisclosureSync`), audited; refuses the whole exchange, storing nothing, when an export names a
    /// tenant outside its scope or reuses another export's id.
    func exchangeDisclosures(_ request: DisclosureExchange, from device: String) async throws(CentralStoreError) -> DisclosureReply
    /// Sets aside the event after `device`'s chain head that this centre refuses (the request carries that
    /// one event, with its signed head): nothing of it is applied, its hash is kept as a link in the device's
    /// chain so that its later events follow it, and it is audited (`PushPlanner.setAside`); throws when the
    /// centre would take the event, or for anything a push of it would be refused for.
    func setAside(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> SetAsideReply
    /// Records a refused request in the centre's audit log (bad credential, bad input, replay).
    func audit(device: String?, what: String) async
    /// Whether the store can serve: reads it, and throws what stops it (a moved SQLite centre, a
    /// database that cannot be read or reached). `GET /healthz` answers with it.
    func health() async throws(CentralStoreError)
}

extension CentralStore {
    /// A one-time enrolment code for a kiosk of `office` (the kind that reveals nothing).
    public func issueEnrolmentCode(office: String, lifetime: TimeInterval) async throws(CentralStoreError) -> String {
        try await issueEnrolmentCode(office: office, lifetime: lifetime, kind: .kiosk)
    }
}

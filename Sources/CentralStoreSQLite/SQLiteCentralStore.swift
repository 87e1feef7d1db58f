import CentralStore
import ConsentStore
import ConsentVault
import Foundation

/// The central store on SQLite (the default): a central `ConsentDatabase` file, so exports and
/// `ledger verify` run on it directly.
public struct SQLiteCentralStore: CentralStore {
    public let database: ConsentDatabase

    public init(database: ConsentDatabase) {
        self.database = database
    }

    private func run<T>(_ body: () throws(StoreError) -> T) throws(CentralStoreError) -> T {
        do { return try body() } catch {
            if case .sync(let refusal) = error { throw refusal }
            if case .centreMoved = error { throw .moved }
            if case .busy = error { throw .busy }
            throw .storage(error.description)
        }
    }

    public func issueEnrolmentCode(office: String, lifetime: TimeInterval, kind: DeviceKind) async throws(CentralStoreError) -> String {
        try run { () throws(StoreError) in try database.issueEnrolmentCode(office: office, lifetime: lifetime, kind: kind) }
    }

    public func enrol(_ request: EnrolRequest) async throws(CentralStoreError) -> EnrolResponse {
        try run { () throws(StoreError) in try database.enrol(request) }
    }

    public func authenticate(device: String, secret: String) async throws(CentralStoreError) {
        try run { () throws(StoreError) in try database.authenticate(device: device, secret: secret) }
    }

    public func revoke(device: String) async throws(CentralStoreError) {
        try run { () throws(StoreError) in try database.revoke(device: device) }
    }

    public func devices() async throws(CentralStoreError) -> [CentralDevice] {
        try run { () throws(StoreError) in try database.enrolledDevices() }
    }

    public func push(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> PushResponse {
        try run { () throws(StoreError) in try database.acceptPush(request, from: device) }
    }

    public func setAside(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> SetAsideReply {
        try run { () throws(StoreError) in try database.setAside(request, from: device) }
    }

    public func pull(after cursor: Int64, limit: Int) async throws(CentralStoreError) -> PullResponse {
        try run { () throws(StoreError) in try database.pullPage(after: cursor, limit: limit) }
    }

    public func pull(after cursor: Int64, limit: Int, for device: String) async throws(CentralStoreError) -> PullResponse {
        try run { () throws(StoreError) in try database.pullPage(after: cursor, limit: limit, for: device) }
    }

    public func staffRegistry() async throws(CentralStoreError) -> StaffRegistry {
        try run { () throws(StoreError) in try database.staffRegistry() }
    }

    public func adoptStaff(_ offer: StaffRegistry, from device: String) async throws(CentralStoreError) -> StaffOfferReply {
        try run { () throws(StoreError) in try database.adoptOfferedStaff(offer, from: device) }
    }

    public func exchangeSignInTallies(_ sent: SignInTallies, from device: String) async throws(CentralStoreError) -> SignInTallies {
        if let problem = sent.problem(from: device) { throw .invalid(problem) }
        let (sent, leftOut) = sent.leavingOutAhead(now: Millis.from(database.clock()))
        if leftOut > 0 { await audit(device: device, what: SignInTallies.leftOutAhead(leftOut)) }
        let counted = try run { () throws(StoreError) in try database.signInReferences(countedBy: device) }
        let (limited, beyond) = sent.limitingReferences(alreadyCounted: counted)
        if beyond > 0 { await audit(device: device, what: SignInTallies.leftOutReferences(beyond)) }
        let unlocks = try run { () throws(StoreError) in try database.recordedUnlocks(of: sent.clears) }
        let (checked, unregistered) = sent.leavingOutUnregistered(unlocks)
        if let problem = checked.clearProblem(unlocks) { throw .invalid(problem) }
        for what in unregistered { await audit(device: device, what: what) }
        let kept = limited.leavingOutUnregistered(unlocks).kept
        return try run { () throws(StoreError) in try database.exchangeSignInTallies(kept, from: device) }
    }

    public func reveal(_ request: RevealRequest, from device: String) async throws(CentralStoreError) -> RevealAnswer {
        try run { () throws(StoreError) in try database.revealAtCentre(request, from: device) }
    }

    public func fetchTenant(_ request: TenantFetchRequest, from device: String) async throws(CentralStoreError) -> PullResponse {
        try run { () throws(StoreError) in try database.fetchTenantAtCentre(request, from: device) }
    }

    public func exchangeDisclosures(_ request: DisclosureExchange, from device: String) async throws(CentralStoreError) -> DisclosureReply {
        try run { () throws(StoreError) in try database.exchangeDisclosures(request, from: device) }
    }

    public func health() async throws(CentralStoreError) {
        if try run({ () throws(StoreError) in try database.movedTo() }) != nil { throw .moved }
    }

    public func audit(device: String?, what: String) async {
        try? database.auditRefusal(device: device, what: what)
    }
}

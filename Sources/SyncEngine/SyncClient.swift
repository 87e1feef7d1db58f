import ConsentCore
import ConsentStore
import Foundation
import SyncProtocol

/// Why a sync round stopped.
public enum SyncFailure: Error, Equatable, CustomStringConvertible {
    /// The centre could not be reached or did not answer; nothing is lost, the next round retries.
    case unreachable(String)
    /// The centre refused the request (credential, revoked device, invalid batch).
    case refused(CentralStoreError)
    /// This device's database failed.
    case local(StoreError)
    /// The centre refused the exports' disclosures sent from here; everything else was synced.
    case disclosuresRefused(CentralStoreError)
    /// This device sent its export records more often than the centre takes in a window; they wait here.
    case deviceThrottled(seconds: Int)
    /// This device refused the centre's staff registry (too large, or a member no registry accepts); everything
    /// else of the round, failed sign-in counts included, was synced.
    case staffRegistryRefused(String)
    /// The centre's address is plain `http://` on another machine: nothing is sent (tenants' records, this device's
    /// secret and the organisation's sealing key would cross the network in clear).
    case plainHTTP(String)

    public var description: String {
        switch self {
        case .unreachable(let why): "the centre could not be reached (\(why)); changes stay here and are sent at the next sync"
        case .refused(.moved): "\(CentralStoreError.moved); changes stay here and are sent then"
        case .refused(.busy): "\(CentralStoreError.busy); changes stay here until then"
        case .refused(let error): "the centre refused: \(error)"
        case .local(let error): error.description
        case .disclosuresRefused(let error):
            "the centre refused this device's record of what an export sent (\(error)); everything else was synced, "
                + "but this device's export records wait here behind it: tell the data-protection lead, and if the refusal stands, "
                + "set it aside with `consent sync set-aside --export` (kept here and listed, never deleted), then sync again"
        case .deviceThrottled(let seconds):
            "this device sent its export records more often than the centre takes them; they stay here and go at the next sync "
                + "(in \(seconds) s or more); everything else was synced"
        case .staffRegistryRefused(let why):
            "this device refused the centre's staff registry (\(why)); everything else was synced, failed sign-in counts "
                + "included, but staff added or disabled at the centre are not yet so here: tell whoever runs the centre (docs/staff.md)"
        case .plainHTTP(let address):
            "the centre's address \(address) is plain http:// on another machine, so tenants' records and this device's secret "
                + "would cross the network in clear; nothing was sent. Give its https:// address (docs/sync.md, TLS)"
        }
    }
}

/// How a device talks to the centre: HTTP in production, in-process in the simulation tests.
public protocol SyncTransport: Sendable {
    func push(_ request: PushRequest) async throws(SyncFailure) -> PushResponse
    func pull(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse
    /// A page of a new device's first sync: the same events as a pull, in larger pages.
    func snapshot(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse
    /// The centre's staff registry.
    func staff() async throws(SyncFailure) -> StaffRegistry
    /// Offers this device's staff to the centre, which adds those it may take.
    func offerStaff(_ offer: StaffRegistry) async throws(SyncFailure) -> StaffOfferReply
    /// Sends this device's failed sign-in counts and clears; the centre answers with everyone's.
    func exchangeSignInTallies(_ sent: SignInTallies) async throws(SyncFailure) -> SignInTallies
    /// Asks the centre to open one special-category value whose read this device recorded and pushed.
    func reveal(_ request: RevealRequest) async throws(SyncFailure) -> RevealAnswer
    /// Asks the centre for a tenant this device does not hold, given their date of birth (`POST /v1/tenant`).
    func fetchTenant(_ request: TenantFetchRequest) async throws(SyncFailure) -> PullResponse
    /// Sends the exports made here and takes the centre's next exports naming tenants held here (`POST /v1/disclosures`).
    func exchangeDisclosures(_ request: DisclosureExchange) async throws(SyncFailure) -> DisclosureReply
    /// Asks the centre to set aside the event at the head of this device's outbox, which it refuses (`POST /v1/set-aside`).
    func setAside(_ request: PushRequest) async throws(SyncFailure) -> SetAsideReply
}

extension SyncTransport {
    /// A transport that cannot ask for reveals (an in-process test transport): the centre is unreachable for them.
    public func reveal(_ request: RevealRequest) async throws(SyncFailure) -> RevealAnswer {
        throw .unreachable("this transport does not carry reveals")
    }

    /// A transport that cannot fetch tenants (an in-process test transport): the centre is unreachable for them.
    public func fetchTenant(_ request: TenantFetchRequest) async throws(SyncFailure) -> PullResponse {
        throw .unreachable("this transport does not carry tenant fetches")
    }

    public func snapshot(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse {
        try await pull(after: cursor, limit: limit)
    }

    /// A transport that cannot carry set-asides (an in-process test transport): the centre is unreachable for them.
    public func setAside(_ request: PushRequest) async throws(SyncFailure) -> SetAsideReply {
        throw .unreachable("this transport does not carry set-asides")
    }
}

/// What one sync round did.
public struct SyncReport: Codable, Equatable, Sendable {
    public var pushed = 0
    /// Pushed grants a withdrawal stands over at the centre (queued for staff to re-confirm).
    public var overridden = 0
    /// Events the centre refused one by one, with its reasons; they stay here, unsent.
    public var rejected: [String] = []
    public var pulled = 0
    /// Pulled decisions where a withdrawal stood over a grant made here.
    public var conflicts = 0
    /// Tenants forgotten here because they moved to another office.
    public var forgotten = 0
    /// Times the centre reported a gap and events were sent again.
    public var resent = 0
    /// Entries of this device's staff registry the centre's changed (members added, renamed, given
    /// another role, disabled or enabled).
    public var staff = 0
    /// Members of staff added here that the centre did not take, with why (add them at the centre).
    public var staffNotAdded: [String] = []
    /// Tenants' disclosures of exports made elsewhere recorded here (what was sent out about them).
    public var disclosures = 0
    public init() {}
}

/// The device side of sync: pushes this device's unsent events in order, then pulls what changed
/// elsewhere, page by page. Every step is one local transaction, so a crash or a dropped reply at
/// any point is repaired by the next round: unacknowledged events are pushed again (the centre
/// answers a resend as before) and a page whose cursor was not saved is pulled again (events
/// already here are recognised).
public struct SyncClient: Sendable {
    public let database: ConsentDatabase
    public let transport: any SyncTransport
    public var pushBatch: Int
    public var pullPage: Int
    /// Events per page of a first sync (a device that has pulled nothing yet).
    public var snapshotPage: Int

    public init(database: ConsentDatabase, transport: any SyncTransport, pushBatch: Int = 1_000, pullPage: Int = 5_000,
                snapshotPage: Int = 20_000) {
        self.database = database
        self.transport = transport
        self.pushBatch = min(pushBatch, SyncWire.maxPushEvents)
        self.pullPage = min(pullPage, SyncWire.maxPullEvents)
        self.snapshotPage = min(snapshotPage, SyncWire.maxSnapshotEvents)
    }

    /// Offers this device's staff, pushes, pulls until nothing is waiting, exchanges disclosures,
    /// copies the centre's staff registry, then exchanges failed sign-in counts. A disclosure exchange
    /// the centre refuses or holds back stops none of the rest (withdrawals made elsewhere and a leaver
    /// disabled at the centre still arrive); when it refused what this device sent, the centre's exports
    /// are still received. A staff registry this device cannot copy does not stop the exchange of failed
    /// sign-ins (the kiosks' shared throttle). The first such failure is thrown at the end, with the rest done.
    public func syncOnce() async throws(SyncFailure) -> SyncReport {
        var report = SyncReport()
        try await offerStaff(into: &report)
        try await push(into: &report)
        var disclosures: SyncFailure?
        do { try await exchangeDisclosures(into: &report, receiving: false) } catch { disclosures = Self.disclosureFailure(error) }
        try await pull(into: &report)
        do { try await exchangeDisclosures(into: &report, sending: disclosures == nil) } catch { disclosures = disclosures ?? Self.disclosureFailure(error) }
        var registry: SyncFailure?
        do { try await adoptStaff(into: &report) } catch { registry = Self.registryFailure(error) }
        do { try await exchangeSignInTallies() } catch { throw registry ?? error }
        if let failure = registry ?? disclosures { throw failure }
        return report
    }

    /// A registry copy's failure as `syncOnce` reports it: a registry this device refused as such.
    private static func registryFailure(_ error: SyncFailure) -> SyncFailure {
        guard case .local(let refusal) = error else { return error }
        return .staffRegistryRefused(refusal.description)
    }

    /// A disclosure exchange's failure as `syncOnce` reports it: a refusal of what was sent as such.
    private static func disclosureFailure(_ error: SyncFailure) -> SyncFailure {
        guard case .refused(let refusal) = error, case .invalid = refusal else { return error }
        return .disclosuresRefused(refusal)
    }

    /// Sends the centre the exports made here that it lacks (after the push, so it holds their tenants,
    /// and before the pull, so a tenant the pull takes away is still reported) and, when `receiving`
    /// (after the pull, so tenants it brings are here), records its exports naming tenants held here, until
    /// neither side has more: a tenant then sees at this kiosk what was sent out about them anywhere.
    /// Without `sending`, only receives (after the centre refused what this device sent).
    public func exchangeDisclosures(into report: inout SyncReport, receiving: Bool = true, sending: Bool = true) async throws(SyncFailure) {
        while true {
            var (exports, sent, cursor) = try local { () throws(StoreError) in try database.disclosureOutbox() }
            if !sending { (exports, sent) = ([], nil) }
            if !receiving, sent == nil { return }
            let pulled = try local { () throws(StoreError) in try database.syncCursor() }
            let request = DisclosureExchange(device: database.device.rawValue, cursor: cursor, exports: exports, receive: receiving, pulled: pulled)
            let reply = try await transport.exchangeDisclosures(request)
            guard reply.cursor >= cursor else { throw .refused(.invalid("the centre answered with a disclosure cursor behind ours")) }
            report.disclosures += try local { () throws(StoreError) in try database.applyDisclosures(reply, sent: sent) }
            guard sent != nil || (reply.more && reply.cursor > cursor) else { return }
        }
    }

    /// Sends the centre the failed sign-ins counted here and the references cleared here, and keeps
    /// what every other device counted: a reference slowed or locked at one kiosk is so at all.
    public func exchangeSignInTallies() async throws(SyncFailure) {
        let mine = try local { () throws(StoreError) in try database.signInTalliesToSend() }
        let all = try await transport.exchangeSignInTallies(mine)
        try local { () throws(StoreError) in try database.adoptSignInTallies(all) }
    }

    /// Offers the centre the members of staff added here that it is not known to hold, so that
    /// those it may take (support staff) join its registry before the changes they made are pushed.
    public func offerStaff(into report: inout SyncReport) async throws(SyncFailure) {
        let offer = try local { () throws(StoreError) in try database.staffToOffer() }
        guard !offer.members.isEmpty else { return }
        let reply = try await transport.offerStaff(offer)
        try local { () throws(StoreError) in try database.markStaffAtCentre(reply.added) }
        report.staffNotAdded = reply.notAdded
    }

    /// Copies the centre's staff registry here (`ConsentDatabase.adoptStaffRegistry`): members added
    /// at the centre can act here, and a leaver disabled there no longer can.
    public func adoptStaff(into report: inout SyncReport) async throws(SyncFailure) {
        let registry = try await transport.staff()
        report.staff += try local { () throws(StoreError) in try database.adoptStaffRegistry(registry) }
    }

    private func local<T>(_ body: () throws(StoreError) -> T) throws(SyncFailure) -> T {
        do { return try body() } catch { throw .local(error) }
    }

    /// Pushes unsent events batch by batch until none is left or the centre rejects one. Only one
    /// batch is ever in flight, but the device is never what the centre waits for: the next batch
    /// is read while the centre works on this one, and sent as soon as this one's reply arrives,
    /// before the reply is recorded here (a crash in between only means both are sent again, and the
    /// centre answers a resend as before).
    public func push(into report: inout SyncReport) async throws(SyncFailure) {
        let transport = self.transport
        func send(_ request: PushRequest) -> Task<Result<PushResponse, SyncFailure>, Never> {
            Task {
                do throws(SyncFailure) { return .success(try await transport.push(request)) } catch { return .failure(error) }
            }
        }
        var gaps = 0
        var request = try local { () throws(StoreError) in try database.outbox(limit: pushBatch) }
        var inFlight = request.events.isEmpty ? nil : send(request)
        while let flight = inFlight, let last = request.events.last {
            let following = try local { () throws(StoreError) in try database.outbox(limit: pushBatch, after: last.record.sequence) }
            let response: PushResponse
            switch await flight.value {
            case .success(let r):
                response = r
            case .failure(.refused(.gap(let expected))) where gaps < 3:
                gaps += 1
                report.resent += 1
                try local { () throws(StoreError) in try database.resend(from: expected) }
                request = try local { () throws(StoreError) in try database.outbox(limit: pushBatch) }
                inFlight = request.events.isEmpty ? nil : send(request)
                continue
            case .failure(let failure):
                throw failure
            }
            // Stop at a refusal (an event without a central number): it stays here, unsent.
            let stop = response.results.isEmpty || response.results.contains { $0.outcome == .rejected || $0.central == nil }
            inFlight = stop || following.events.isEmpty ? nil : send(following)
            let ack = try local { () throws(StoreError) in try database.acknowledge(response) }
            report.pushed += ack.acknowledged
            report.overridden += ack.overridden
            report.rejected += ack.rejected
            if stop { return }
            request = following
        }
    }

    /// Asks the centre to set aside the event at the head of this device's outbox, which it refuses
    /// (`PushPlanner.setAside`: only such an event), then records it here as set aside: kept in the ledger,
    /// listed (`ConsentDatabase.setAsideEvents`), audited, out of the outbox, so the next sync sends the rest.
    /// Nil when nothing waits to be sent; an event the centre takes is refused (sync it instead).
    public func setAside() async throws(SyncFailure) -> SetAsideEvent? {
        guard let request = try local({ () throws(StoreError) in try database.outboxHead() }) else { return nil }
        let reply = try await transport.setAside(request)
        return try local { () throws(StoreError) in try database.recordSetAside(reply) }
    }

    /// Sends this device's export records one at a time (receiving nothing) until the centre refuses one, and sets that
    /// one aside here (`ConsentDatabase.recordSetAsideExport`: kept, listed, audited, not sent again); those before it
    /// are taken as at any sync. Nil when the centre refuses none of them. Only a refusal of the record itself (400)
    /// sets it aside; being unreachable or held back (429) is thrown as at a sync.
    public func setAsideExport() async throws(SyncFailure) -> SetAsideExport? {
        while true {
            let (exports, sent, cursor) = try local { () throws(StoreError) in try database.disclosureOutbox(exportLimit: 1) }
            guard let sent else { return nil }
            guard let export = exports.first else {
                _ = try local { () throws(StoreError) in try database.applyDisclosures(DisclosureReply(exports: [], cursor: cursor, more: false), sent: sent) }
                continue
            }
            let pulled = try local { () throws(StoreError) in try database.syncCursor() }
            let request = DisclosureExchange(device: database.device.rawValue, cursor: cursor, exports: [export], receive: false, pulled: pulled)
            do {
                let reply = try await transport.exchangeDisclosures(request)
                _ = try local { () throws(StoreError) in try database.applyDisclosures(reply, sent: sent) }
            } catch {
                guard case .refused(let refusal) = error, case .invalid(let reason) = refusal else { throw error }
                return try local { () throws(StoreError) in try database.recordSetAsideExport(export.id, reason: reason) }
            }
        }
    }

    /// What a device's operator is told after the centre refused one of its events: it holds back every later one.
    public static let refusedEventAdvice = """
        The refused event stays at the head of this device's outbox and holds back every later change of this device. \
        If the centre's reason stands, set it aside with `consent sync set-aside` (it is kept here, listed by \
        `consent sync set-aside --list` and recorded in this device's audit log, never deleted), then sync again to send the rest.
        """

    /// Pulls pages after this device's cursor until the centre has no more; the next page is
    /// fetched while this one is applied. A device that has pulled nothing yet takes the snapshot
    /// pages of a first sync.
    public func pull(into report: inout SyncReport) async throws(SyncFailure) {
        let start = try local { () throws(StoreError) in try database.syncCursor() }
        let first = start == 0
        let (size, transport, catalogue) = (first ? snapshotPage : pullPage, self.transport, database.catalogue)
        // A page and its integrity precheck, made in the fetching task while the previous page is applied.
        let fetch: @Sendable (Int64) async throws(SyncFailure) -> (PullResponse, IntegrityPrecheck) = { cursor throws(SyncFailure) in
            let page = first ? try await transport.snapshot(after: cursor, limit: size) : try await transport.pull(after: cursor, limit: size)
            return (page, IntegrityPrecheck(page.events, catalogue: catalogue))
        }
        var (page, precheck) = try await fetch(start)
        var cursor = start
        while true {
            guard page.cursor >= cursor else { throw .refused(.invalid("the centre answered with a cursor behind ours")) }
            let more = page.more && !page.events.isEmpty
            let after = page.cursor
            let next = Task { () -> Result<(PullResponse, IntegrityPrecheck), SyncFailure>? in
                guard more else { return nil }
                do throws(SyncFailure) { return .success(try await fetch(after)) } catch { return .failure(error) }
            }
            let (current, checked) = (page, precheck)
            let applied = try local { () throws(StoreError) in try database.applyPulled(current, precheck: checked) }
            report.pulled += applied.stored
            report.conflicts += applied.overridden
            report.forgotten += applied.forgotten
            cursor = page.cursor
            switch await next.value {
            case nil: return
            case .success(let following)?: (page, precheck) = following
            case .failure(let failure)?: throw failure
            }
        }
    }
}

import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol

/// Fetch on demand at a SQLite centre: a kiosk of any office asks for a tenant it does not hold,
/// proving someone there knows their date of birth (`TenantFetchCheck` decides, as on PostgreSQL).
extension ConsentDatabase {
    /// The tenant's whole history for `device`, in central order, when `request`'s date of birth is the
    /// one held and neither the reference nor the device is throttled; each answer is recorded (for the
    /// device to forget the tenant a day later, `TenantFetchCheck.forgottenQuery`) and audited, and each
    /// failure counted (`TenantFetchCheck.countFailure`) before it is refused with `fetchRefused`.
    public func fetchTenantAtCentre(_ request: TenantFetchRequest, from device: String) throws(StoreError) -> PullResponse {
        try requireCentre()
        let now = clock(), at = Millis.from(clock())
        let numbered: (Int) -> String = { "?\($0)" }
        let counted = TenantFetchCheck.tallyDevice(device)
        let outcome: Result<PullResponse, TenantFetchRefusal> = try write { db in
            try refuseIfMoved(db)
            for sql in TenantFetchCheck.dropAheadQueries(mark: numbered) { try db.execute(sql: sql, arguments: [SignInTallies.latestTaken(now: at)]) }
            let reference = try Self.tally(db, TenantFetchCheck.referenceTallyQuery(mark: numbered), [request.tenant])
            let own = try Self.tally(db, TenantFetchCheck.deviceTallyQuery(mark: numbered), [counted, at - TenantFetchCheck.deviceWindow])
            if let refusal = TenantFetchCheck.refusal(reference: reference, device: own, now: now) {
                try Self.audit(db, at: now, device: device, what: "fetch of tenant \(request.tenant.prefix(64)) refused: throttled")
                return .failure(refusal)
            }
            let held = try String.fetchOne(db, sql: TenantFetchCheck.birthDateQuery(mark: numbered), arguments: [request.tenant])
            guard TenantFetchCheck.matches(held: held, given: request.dateOfBirth) else {
                let cleared = try Int64.fetchOne(db, sql: TenantFetchCheck.clearQuery(mark: numbered), arguments: [request.tenant])
                try db.execute(sql: TenantFetchCheck.countFailure(mark: numbered),
                               arguments: [request.tenant, counted, TenantFetchCheck.countedAt(now: at, cleared: cleared)])
                try Self.audit(db, at: now, device: device, what: "fetch of tenant \(request.tenant.prefix(64)) refused: not found")
                return .failure(.notFound)
            }
            let devices = try DeviceNumbers(db)
            var events = try WireRows(db: db, devices: devices).events(
                where: "l.tenant_id = (SELECT id FROM tenant WHERE ref = ?)", [request.tenant], order: "l.central_seq", limit: Int(Int32.max)).events
            for i in OfficePull.unlinked(events) {
                guard let deviceNo = devices.byID[DeviceID(events[i].record.device)] else { continue }
                events[i].previous = try Self.predecessorHash(db, deviceNo: deviceNo, sequence: events[i].record.sequence - 1)
            }
            try db.execute(sql: TenantFetchCheck.recordFetch(mark: numbered), arguments: [device, request.tenant, at])
            try Self.audit(db, at: now, device: device, what: TenantFetchCheck.auditLine(request))
            // No cursor: the device keeps its own; no data keys, as in every pull.
            return .success(PullResponse(events: events, cursor: 0, more: false, dataKeys: [], departed: []))
        }
        switch outcome {
        case .success(let page): return page
        case .failure(let refusal): throw .sync(.fetchRefused(refusal))
        }
    }

    /// A tally (failures, latest failure) read with one of `TenantFetchCheck`'s queries.
    private static func tally(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> SignInTally {
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return SignInTally() }
        let last: Int64? = row[1]
        return SignInTally(failures: row[0] as Int? ?? 0, lastAt: last.map(Millis.date))
    }
}

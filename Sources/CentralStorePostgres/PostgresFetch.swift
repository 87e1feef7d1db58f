import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// Fetch on demand at a PostgreSQL centre, as at a SQLite one: `TenantFetchCheck` decides with the same
/// queries, a failure is counted in `sign_in_tally` (committed, then refused), and every answer is recorded
/// in `tenant_fetch` (for the device to forget the tenant a day later) and audited.
extension PostgresCentralStore {
    public func fetchTenant(_ request: TenantFetchRequest, from device: String) async throws(CentralStoreError) -> PullResponse {
        let numbered: @Sendable (Int) -> String = { "$\($0)" }
        let counted = TenantFetchCheck.tallyDevice(device)
        let outcome: Result<PullResponse, TenantFetchRefusal> = try await transaction { connection in
            let at = self.now(), now = Millis.date(self.now())
            for sql in TenantFetchCheck.dropAheadQueries(mark: numbered) {
                var latest = PostgresBindings()
                latest.append(SignInTallies.latestTaken(now: at))
                try await connection.query(PostgresQuery(unsafeSQL: sql, binds: latest), logger: self.logger)
            }
            let reference = try await self.tally(TenantFetchCheck.referenceTallyQuery(mark: numbered), [request.tenant], on: connection)
            var window = PostgresBindings()
            window.append(counted)
            window.append(at - TenantFetchCheck.deviceWindow)
            let own = try await self.tally(TenantFetchCheck.deviceTallyQuery(mark: numbered), window, on: connection)
            if let refusal = TenantFetchCheck.refusal(reference: reference, device: own, now: now) {
                try await Self.audit(device: device, what: "fetch of tenant \(request.tenant.prefix(64)) refused: throttled", at: at,
                                     on: connection, logger: self.logger)
                return .failure(refusal)
            }
            var held: String?
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: TenantFetchCheck.birthDateQuery(mark: numbered),
                                                                            binds: Self.binds([request.tenant])), logger: self.logger)
                .decode(String?.self) { held = value }
            guard TenantFetchCheck.matches(held: held, given: request.dateOfBirth) else {
                var cleared: Int64?
                for try await value in try await connection.query(PostgresQuery(unsafeSQL: TenantFetchCheck.clearQuery(mark: numbered),
                                                                                binds: Self.binds([request.tenant])), logger: self.logger)
                    .decode(Int64.self) { cleared = value }
                var binds = Self.binds([request.tenant, counted])
                binds.append(TenantFetchCheck.countedAt(now: at, cleared: cleared))
                try await connection.query(PostgresQuery(unsafeSQL: TenantFetchCheck.countFailure(mark: numbered), binds: binds), logger: self.logger)
                try await Self.audit(device: device, what: "fetch of tenant \(request.tenant.prefix(64)) refused: not found", at: at,
                                     on: connection, logger: self.logger)
                return .failure(.notFound)
            }
            var events = try await self.events(PostgresQuery(unsafeSQL: """
                SELECT \(Self.ledgerColumns), l.device_no
                FROM ledger l JOIN device d ON d.no = l.device_no JOIN tenant t ON t.id = l.tenant_id
                WHERE t.ref = $1 ORDER BY l.central_seq
                """, binds: Self.binds([request.tenant])), on: connection)
            var numbers: [String: Int64] = [:]
            for try await (no, id) in try await connection.query("SELECT no, id FROM device", logger: self.logger).decode((Int64, String).self) {
                numbers[id] = no
            }
            for i in OfficePull.unlinked(events) {
                guard let deviceNo = numbers[events[i].record.device] else { continue }
                for try await hash in try await connection.query("""
                    SELECT hash FROM ledger WHERE device_no = \(deviceNo) AND device_seq = \(events[i].record.sequence - 1)
                    UNION ALL SELECT hash FROM push_result WHERE device_no = \(deviceNo) AND device_seq = \(events[i].record.sequence - 1) AND central_seq IS NULL
                    """, logger: self.logger).decode(Data.self) { events[i].previous = hash }
            }
            var fetched = Self.binds([device, request.tenant])
            fetched.append(at)
            try await connection.query(PostgresQuery(unsafeSQL: TenantFetchCheck.recordFetch(mark: numbered), binds: fetched), logger: self.logger)
            try await Self.audit(device: device, what: TenantFetchCheck.auditLine(request), at: at, on: connection, logger: self.logger)
            return .success(PullResponse(events: events, cursor: 0, more: false, dataKeys: [], departed: []))
        }
        switch outcome {
        case .success(let page): return page
        case .failure(let refusal): throw .fetchRefused(refusal)
        }
    }

    private static func binds(_ texts: [String]) -> PostgresBindings {
        var binds = PostgresBindings()
        for text in texts { binds.append(text) }
        return binds
    }

    /// A tally (failures, latest failure) read with one of `TenantFetchCheck`'s queries.
    private func tally(_ sql: String, _ texts: [String], on connection: PostgresConnection) async throws -> SignInTally {
        try await tally(sql, Self.binds(texts), on: connection)
    }

    private func tally(_ sql: String, _ binds: PostgresBindings, on connection: PostgresConnection) async throws -> SignInTally {
        var tally = SignInTally()
        for try await (failures, last) in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            .decode((Int64, Int64?).self) {
            tally = SignInTally(failures: Int(failures), lastAt: last.map(Millis.date))
        }
        return tally
    }
}

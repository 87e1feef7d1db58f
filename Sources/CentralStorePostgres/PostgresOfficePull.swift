import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresCentralStore {
    /// What `device` pulls: the events after `cursor` of its office's tenants, of tenants with no office
    /// and of tenants it has changed, and the tenants who left its office or were fetched over a day ago (`TenantFetchCheck.forgottenQuery`),
    /// as the SQLite centre serves them (`OfficePull`). Read in one
    /// repeatable-read transaction, so the page, the moved-in histories and the predecessors agree; the
    /// page's cursor is then recorded as served to the device (`PushScope`).
    public func pull(after cursor: Int64, limit: Int, for device: String) async throws(CentralStoreError) -> PullResponse {
        let limit = max(1, min(limit, SyncWire.maxSnapshotEvents))
        let (response, served) = try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var enrolled: (office: String, served: Int64)?
            for try await found in try await connection.query("SELECT office, served FROM sync_device WHERE id = \(device)", logger: self.logger)
                .decode((String, Int64).self) { enrolled = found }
            guard let (office, served) = enrolled else { throw CentralStoreError.unauthenticated(device) }
            var numbers: [String: Int64] = [:]
            for try await (no, id) in try await connection.query("SELECT no, id FROM device", logger: self.logger).decode((Int64, String).self) {
                numbers[id] = no
            }
            var binds = PostgresBindings()
            binds.append(cursor)
            binds.append(office)
            binds.append(office)
            binds.append(numbers[device] ?? -1)
            binds.append(cursor)
            binds.append(Int64(limit + 1))
            let events = try await self.events(PostgresQuery(unsafeSQL: """
                SELECT \(Self.ledgerColumns), l.device_no
                FROM ledger l JOIN device d ON d.no = l.device_no JOIN tenant t ON t.id = l.tenant_id
                WHERE \(OfficePull.filter(greatest: "greatest") { "$\($0)" }) ORDER BY l.central_seq LIMIT $6
                """, binds: binds), on: connection)
            let regular = Array(events.prefix(limit))
            var histories: [Int: [WireEvent]] = [:]
            for (i, event) in regular.enumerated() where OfficePull.mayMoveIn(event) {
                guard let central = event.central else { continue }
                var moved = PostgresBindings()
                moved.append(event.record.tenant)
                moved.append(central)
                var setsOffice = false
                for try await _ in try await connection.query(PostgresQuery(unsafeSQL: OfficePull.movedAtQuery { "$\($0)" }, binds: moved),
                                                              logger: self.logger) { setsOffice = true }
                guard setsOffice else { continue }
                var earlier = PostgresBindings()
                earlier.append(event.record.tenant)
                earlier.append(central)
                let history = try await self.events(PostgresQuery(unsafeSQL: """
                    SELECT \(Self.ledgerColumns), l.device_no
                    FROM ledger l JOIN device d ON d.no = l.device_no JOIN tenant t ON t.id = l.tenant_id
                    WHERE t.ref = $1 AND l.central_seq < $2 ORDER BY l.central_seq
                    """, binds: earlier), on: connection)
                if !history.isEmpty { histories[i] = history }
            }
            var page = OfficePull.splice(regular, histories: histories)
            for i in OfficePull.unlinked(page) {
                guard let deviceNo = numbers[page[i].record.device] else { continue }
                for try await hash in try await connection.query("""
                    SELECT hash FROM ledger WHERE device_no = \(deviceNo) AND device_seq = \(page[i].record.sequence - 1)
                    UNION ALL SELECT hash FROM push_result WHERE device_no = \(deviceNo) AND device_seq = \(page[i].record.sequence - 1) AND central_seq IS NULL
                    """, logger: self.logger).decode(Data.self) { page[i].previous = hash }
            }
            var departed: [String] = []
            if cursor > 0 {
                let own = numbers[device] ?? -1
                var binds = PostgresBindings()
                binds.append(cursor); binds.append(office); binds.append(own)
                for try await ref in try await connection.query(PostgresQuery(unsafeSQL: OfficePull.departedQuery { "$\($0)" }, binds: binds),
                                                                logger: self.logger).decode(String.self) { departed.append(ref) }
            }
            // Tenants of other offices it was sent on demand over a day ago and has not changed since.
            var forgotten = PostgresBindings()
            forgotten.append(device)
            forgotten.append(TenantFetchCheck.forgetBefore(now: self.now()))
            forgotten.append(office)
            forgotten.append(numbers[device] ?? -1)
            for try await ref in try await connection.query(PostgresQuery(unsafeSQL: TenantFetchCheck.forgottenQuery { "$\($0)" }, binds: forgotten),
                                                            logger: self.logger).decode(String.self) where !departed.contains(ref) { departed.append(ref) }
            // No data keys go to devices, as from a SQLite centre: a device opens no special-category value.
            let response = PullResponse(events: page, cursor: regular.last?.central ?? cursor, more: events.count > limit, dataKeys: [],
                                        departed: departed)
            var highest = response.cursor
            if !response.more {
                for try await last in try await connection.query("SELECT max(central_seq) FROM ledger", logger: self.logger).decode(Int64?.self) {
                    highest = last ?? 0
                }
            }
            return (response, PushScope.served(before: served, page: response, highest: highest))
        }
        // What the device may push for next follows what it was served.
        if let served {
            try await transaction { connection in
                var binds = PostgresBindings()
                binds.append(served)
                binds.append(device)
                binds.append(served)
                try await connection.query(PostgresQuery(unsafeSQL: PushScope.recordServed { "$\($0)" }, binds: binds), logger: self.logger)
            }
        }
        return response
    }

    /// The events `query` selects (``ledgerColumns`` then the device number), with their values.
    func events(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [WireEvent] {
        var events: [WireEvent] = []
        for try await row in try await connection.query(query, logger: logger) {
            let c = row.makeRandomAccess()
            events.append(WireEvent(record: try Self.record(c), hash: try c[24].decode(Data.self), central: try c[0].decode(Int64.self)))
        }
        try await Self.attachValues(&events, on: connection, logger: logger)
        return events
    }
}

import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// `consent expiry --database`: the grants that lapse soon, read from the PostgreSQL centre's `decision`
/// projection by the query the SQLite stores use (``LapsingQuery``), and recorded in its audit log.
extension PostgresCentralStore {
    /// The grants in force at `now` that lapse within `days` days (`Expiry.lapsing`), soonest first; the
    /// listing is written to the audit log in the same transaction (counts only).
    public func lapsingGrants(within days: Int, now: Date = Date(), by who: String) async throws(CentralStoreError) -> [LapsingGrant] {
        let days = max(0, min(days, Expiry.maximumDays))
        let end = Expiry.end(from: now, days: days)
        let catalogue = self.catalogue
        let logger = self.logger
        return try await transaction { connection in
            var binds = PostgresBindings()
            binds.append(DecisionState.granted.rawValue)
            binds.append(Millis.from(now))
            binds.append(Millis.from(end))
            var rows: [Expiry.Row] = []
            let query = PostgresQuery(unsafeSQL: LapsingQuery.sql(state: "$1", after: "$2", upTo: "$3"), binds: binds)
            for try await (ref, purpose, attribute, state, effective, until) in try await connection.query(query, logger: logger)
                .decode((String, String, String, String, Int64, Int64?).self) {
                guard let state = DecisionState(rawValue: state) else { continue }
                rows.append(Expiry.Row(tenant: TenantRef(ref), purpose: PurposeID(purpose), attribute: AttributeID(attribute), state: state,
                                       effectiveAt: Millis.date(effective), validUntil: until.map(Millis.date)))
            }
            let grants = Expiry.lapsing(rows, from: now, days: days, in: catalogue)
            try await Self.audit(device: nil, what: LapsingQuery.auditLine(grants, within: days, by: who), at: Millis.from(now),
                                 on: connection, logger: logger)
            return grants
        }
    }
}

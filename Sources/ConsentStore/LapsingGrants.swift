import ConsentCore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// The grants in force at `now` that lapse within `days` days (`Expiry.lapsing`), soonest first:
    /// the data-protection lead's list of whom to ask again. Recorded in the audit log in the same
    /// transaction as it is read (who listed, the window, how many; never a name or a reference).
    ///
    ///     let soon = try db.lapsingGrants(within: 30, catalogue: content.catalogue, by: "dpo")
    public func lapsingGrants(
        within days: Int, now: Date = Date(), catalogue: Catalogue, by who: String
    ) throws(StoreError) -> [LapsingGrant] {
        let days = max(0, min(days, Expiry.maximumDays))
        let end = Expiry.end(from: now, days: days)
        return try write { db in
            let statement = try db.makeStatement(sql: LapsingQuery.sql(state: "?", after: "?", upTo: "?"))
            let rows = try Row.fetchAll(statement, arguments: [DecisionState.granted.rawValue, Millis.from(now), Millis.from(end)])
                .compactMap { row -> Expiry.Row? in
                    guard let state = DecisionState(rawValue: row[3]) else { return nil }
                    let until: Int64? = row[5]
                    return Expiry.Row(tenant: TenantRef(row[0] as String), purpose: PurposeID(row[1] as String),
                                      attribute: AttributeID(row[2] as String), state: state,
                                      effectiveAt: Millis.date(row[4]), validUntil: until.map(Millis.date))
                }
            let grants = Expiry.lapsing(rows, from: now, days: days, in: catalogue)
            try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, NULL, ?)",
                           arguments: [Millis.from(now), LapsingQuery.auditLine(grants, within: days, by: who)])
            return grants
        }
    }
}

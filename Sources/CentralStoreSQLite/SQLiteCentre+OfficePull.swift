import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// A pull page for the enrolled `device`: the events after `cursor` of the tenants of its office,
    /// of tenants with no office and of tenants it has changed (`OfficePull`), in central order, with
    /// a moved-in tenant's earlier events just before the event that moved them, and each event whose
    /// predecessor is not sent before it naming that predecessor's hash; with the tenants who left its
    /// office since the cursor (`OfficePull.departedQuery`) and the tenants of other offices it was sent on
    /// demand more than a day ago and has not changed (`TenantFetchCheck.forgottenQuery`). The page's cursor
    /// is recorded as served to the device (`PushScope`).
    public func pullPage(after cursor: Int64, limit: Int, for device: String) throws(StoreError) -> PullResponse {
        try requireCentre()
        let limit = max(1, min(limit, SyncWire.maxSnapshotEvents))
        let (response, served) = try read { db in
            try refuseIfMoved(db)
            guard let enrolled = try Row.fetchOne(db, sql: "SELECT office, served FROM sync_device WHERE id = ?", arguments: [device]) else {
                throw CentralStoreError.unauthenticated(device)
            }
            let office: String = enrolled["office"], served: Int64 = enrolled["served"]
            let devices = try DeviceNumbers(db)
            let own = devices.byID[DeviceID(device)] ?? -1
            let rows = WireRows(db: db, devices: devices)
            let (events, _) = try rows.events(where: OfficePull.filter(greatest: "max"), [cursor, office, office, own, cursor],
                                              order: "l.central_seq", limit: limit + 1)
            let regular = Array(events.prefix(limit))
            var histories: [Int: [WireEvent]] = [:]
            for (i, event) in regular.enumerated() where OfficePull.mayMoveIn(event) {
                guard let central = event.central,
                      try Int.fetchOne(db.cachedStatement(sql: OfficePull.movedAtQuery { _ in "?" }), arguments: [event.record.tenant, central]) != nil
                else { continue }
                let earlier = try rows.events(where: "l.tenant_id = (SELECT id FROM tenant WHERE ref = ?) AND l.central_seq < ?",
                                              [event.record.tenant, central], order: "l.central_seq", limit: Int(Int32.max)).events
                if !earlier.isEmpty { histories[i] = earlier }
            }
            var page = OfficePull.splice(regular, histories: histories)
            for i in OfficePull.unlinked(page) {
                guard let deviceNo = devices.byID[DeviceID(page[i].record.device)] else { continue }
                page[i].previous = try Self.predecessorHash(db, deviceNo: deviceNo, sequence: page[i].record.sequence - 1)
            }
            // Tenants who left the office since the cursor, for the device to forget (none before a first sync).
            let moved = cursor == 0 ? [] : try String.fetchAll(db, sql: OfficePull.departedQuery { "?\($0)" },
                                                               arguments: [cursor, office, own])
            // Tenants of other offices it was sent on demand over a day ago and has not changed since.
            let fetched = try String.fetchAll(db, sql: TenantFetchCheck.forgottenQuery { "?\($0)" },
                                              arguments: [device, TenantFetchCheck.forgetBefore(now: Millis.from(clock())), office, own])
            let departed = moved + fetched.filter { !moved.contains($0) }
            // No data keys go to devices: a device opens no special-category value (they are read at the centre).
            let response = PullResponse(events: page, cursor: regular.last?.central ?? cursor, more: events.count > limit, dataKeys: [],
                                        departed: departed)
            let highest = response.more ? response.cursor : try Int64.fetchOne(db, sql: "SELECT max(central_seq) FROM ledger") ?? 0
            return (response, PushScope.served(before: served, page: response, highest: highest))
        }
        // What the device may push for next follows what it was served.
        if let served {
            try write { db in try db.execute(sql: PushScope.recordServed { _ in "?" }, arguments: [served, device, served]) }
        }
        return response
    }
}

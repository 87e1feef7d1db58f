import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// Reads ledger rows as events for the wire: the record exactly as hashed, the hash, the values as
/// stored (special categories still sealed) and the data keys those seals need.
package struct WireRows {
    let db: Database
    let devices: DeviceNumbers

    package init(db: Database, devices: DeviceNumbers) {
        self.db = db
        self.devices = devices
    }

    /// The events of the rows `filter` selects (a condition on `l`), in `order`, at most `limit`.
    package func events(where filter: String, _ arguments: StatementArguments, order: String, limit: Int) throws -> (events: [WireEvent], dataKeys: [WireDataKey]) {
        let rows = LedgerRows(devices: devices, keys: nil)
        let ledger = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(LedgerRows.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id WHERE \(filter) ORDER BY \(order) LIMIT ?
            """), arguments: arguments + [limit])
        var keyIDs = Set<String>()
        var events: [WireEvent] = []
        events.reserveCapacity(ledger.count)
        for row in ledger {
            var wire = WireEvent(record: rows.fields(row), hash: row.blob(at: LedgerRows.Column.hash.rawValue) ?? Data(),
                                 central: row.integer(at: LedgerRows.Column.centralSeq.rawValue))
            if wire.record.valuesDigest != nil {
                wire.values = try values(deviceNo: row.integer(at: LedgerRows.Column.deviceNo.rawValue) ?? 0, sequence: wire.record.sequence)
                keyIDs.formUnion(wire.values.compactMap(\.keyID))
            }
            events.append(wire)
        }
        return (events, try dataKeys(keyIDs))
    }

    private func values(deviceNo: Int64, sequence: Int64) throws -> [WireValue] {
        var values: [WireValue] = []
        let plain = try db.cachedStatement(sql: """
            SELECT attribute_id, value, prefer_not, salt, \(StoredValueDigest.sql()) AS digest FROM value WHERE device_no = ? AND device_seq = ?
            """)
        for row in try Row.fetchAll(plain, arguments: [deviceNo, sequence]) {
            values.append(WireValue(attribute: row["attribute_id"], text: row["value"], preferNot: row["prefer_not"],
                                    salt: row["salt"], digest: row["digest"]))
        }
        let sealed = try db.cachedStatement(sql: """
            SELECT attribute_id, key_id, sealed, prefer_not, digest FROM vault.value WHERE device_no = ? AND device_seq = ?
            """)
        for row in try Row.fetchAll(sealed, arguments: [deviceNo, sequence]) {
            values.append(WireValue(attribute: row["attribute_id"], preferNot: row["prefer_not"], digest: row["digest"],
                                    keyID: row["key_id"], sealed: row["sealed"]))
        }
        return values.sorted { $0.attribute < $1.attribute }
    }

    /// The wrapped data keys named `ids`; never the organisation's private key (values sealed to it need no data key).
    private func dataKeys(_ ids: Set<String>) throws -> [WireDataKey] {
        let ids = ids.filter { !OrganisationPublicKey.isOrganisationKeyID($0) }
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try Row.fetchAll(db, sql: "SELECT key_id, kek_id, wrapped FROM vault.data_key WHERE key_id IN (\(marks))",
                                arguments: StatementArguments(Array(ids))).map {
            WireDataKey(keyID: $0["key_id"], kekID: $0["kek_id"], wrapped: $0["wrapped"])
        }
    }
}

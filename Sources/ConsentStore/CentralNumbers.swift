import ConsentCore
import GRDB

/// On a device: the centre's numbers for this device's own events, learnt from a push's reply
/// (``ConsentDatabase/acknowledge(_:)``) or from a pull (``LedgerIngester``). Nothing at a centre uses it.
enum CentralNumbers {
    /// Marks one own event as held by the centre with sequence `central`, and puts that number
    /// into the projection wherever the event stands (a decision it set, or a withdrawal a
    /// decision remembers), so later merges see what the centre has numbered.
    static func record(_ central: Int64, for sequence: Int64, deviceNo: Int64, in db: Database, devices: DeviceNumbers, keys: VaultKeyring) throws {
        // One statement marks the event and says what it was (nothing when it was already marked).
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                  UPDATE ledger SET central_seq = ?, pushed = 1 WHERE device_no = ? AND device_seq = ? AND central_seq IS NULL
                  RETURNING tenant_id, kind, attribute_id, purpose_id
                  """), arguments: [central, deviceNo, sequence]),
              (row[1] as String?) == "decision", let purpose = row[3] as String?
        else { return }
        let attributes = (row[2] as String? ?? "").split(separator: ",").map { AttributeID(String($0)) }
        let event = EventID(device: devices.id(deviceNo), sequence: sequence)
        var rows = ProjectionRows(db: db, devices: devices, keys: keys)
        try rows.setCentral(central, of: event, tenantID: row[0], purpose: PurposeID(purpose), attributes: attributes)
    }
}

import ConsentCore
import GRDB
import SyncProtocol

/// On a device: the centre's numbers for this device's own events, learnt from a push's reply
/// (``ConsentDatabase/acknowledge(_:)``) or from a pull (``LedgerIngester``). Nothing at a centre uses it.
enum CentralNumbers {
    /// Marks one own event as held by the centre with sequence `central`, and puts that number
    /// into the projection wherever the event stands (a decision it set, or a withdrawal a
    /// decision remembers), so later merges see what the centre has numbered.
    static func record(_ central: Int64, for sequence: Int64, deviceNo: Int64, in db: Database, devices: DeviceNumbers,
                       keys: VaultKeyring, statements: StatementCache) throws {
        // One statement marks the event and says what it was (nothing when it was already marked).
        var mark = try statements.raw(.acknowledge, """
            UPDATE ledger SET central_seq = ?, pushed = 1 WHERE device_no = ? AND device_seq = ? AND central_seq IS NULL
            RETURNING tenant_id, kind, attribute_id, purpose_id
            """)
        mark.bind(central)
        mark.bind(deviceNo)
        mark.bind(sequence)
        guard try mark.step() else { return }
        let marked = (tenantID: mark.int64(0), kind: mark.string(1), attributes: mark.string(2), purpose: mark.string(3))
        mark.done()
        guard marked.kind == "decision", let tenantID = marked.tenantID, let purpose = marked.purpose else { return }
        let attributes = EventRecord.attributes(marked.attributes)
        let event = EventID(device: devices.id(deviceNo), sequence: sequence)
        var rows = ProjectionRows(db: db, devices: devices, statements: statements, keys: keys)
        try rows.setCentral(central, of: event, deviceNo: deviceNo, tenantID: tenantID, purpose: PurposeID(purpose), attributes: attributes)
    }
}

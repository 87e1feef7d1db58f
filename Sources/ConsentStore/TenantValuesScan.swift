import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// One ordered scan of `tenant_values` (see ``TenantValueRow``, its cells ``ValueCells``): each tenant's ordinary current
/// values from one row, read up to each tenant in turn. Special categories are not read from it
/// (their text is sealed in the vault: `ValueScan` and `VaultScanThread` read those).
struct TenantValuesScan {
    private let statement: RawStatement
    private let names: AttributeNames
    private var decoder: ValueCells.Decoder
    private var hasRow: Bool

    /// Nil when there are no such attributes to read.
    init?(_ db: Database, _ attributes: [AttributeID], devices: DeviceNumbers) throws {
        guard !attributes.isEmpty else { return nil }
        statement = try RawStatement(db, "SELECT tenant_id, cells FROM tenant_values ORDER BY tenant_id")
        names = AttributeNames(attributes, numbers: try NumberedCells.numbers(db))
        decoder = ValueCells.Decoder(deviceID: devices.id)
        hasRow = try statement.step()
    }

    /// Adds the values of tenant `id` among the scan's attributes to `state` (skipping rows of tenants
    /// without a register row). Throws when the row is damaged, so no export reads a broken projection.
    mutating func read(_ id: Int64, into state: inout TenantState) throws {
        while hasRow, let owner = statement.int64(0), owner <= id {
            if owner == id {
                let (statement, names) = (self.statement, self.names)
                let readable = statement.withBytes(1) { decoder.read($0, keeping: names, into: &state.values) }
                if !readable { throw StoreError.damagedProjection(state.ref) }
            }
            hasRow = try statement.step()
        }
    }

    /// Ends reading (also when an export stops early).
    func finish() { statement.done() }
}

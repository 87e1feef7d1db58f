import ConsentCore
import Foundation
import GRDB

/// One ordered scan of `tenant_values` (see ``TenantValueRow``): each tenant's ordinary current
/// values from one row, read up to each tenant in turn. Special categories are not read from it
/// (their text is sealed in the vault: `ValueScan` and `VaultScanThread` read those).
struct TenantValuesScan {
    private let statement: RawStatement
    private let names: AttributeNames
    private let devices: DeviceNumbers
    private var hasRow: Bool
    private var writerBytes: [UInt8] = []
    private var writer = DeviceID("")
    /// The source device of the previous cell, by number (most cells of a register share a handful).
    private var sourceNumber: Int64?
    private var sourceDevice = DeviceID("")

    /// Nil when there are no such attributes to read.
    init?(_ db: Database, _ attributes: [AttributeID], devices: DeviceNumbers) throws {
        guard !attributes.isEmpty else { return nil }
        statement = try RawStatement(db, "SELECT tenant_id, cells FROM tenant_values ORDER BY tenant_id")
        names = AttributeNames(attributes)
        self.devices = devices
        hasRow = try statement.step()
    }

    /// Adds the values of tenant `id` among the scan's attributes to `state` (skipping rows of tenants
    /// without a register row). Throws when the row is damaged, so no export reads a broken projection.
    mutating func read(_ id: Int64, into state: inout TenantState) throws {
        while hasRow, let owner = statement.int64(0), owner <= id {
            if owner == id {
                let (statement, names) = (self.statement, self.names)
                let wellFormed = statement.withBytes(1) { bytes in
                    TenantValueRow.forEachCell(bytes) { cell in
                        guard let attribute = names.id(UnsafeRawBufferPointer(rebasing: bytes[cell.attribute])) else { return }
                        state.values[attribute] = record(cell, bytes)
                    }
                }
                if !wellFormed { throw StoreError.damagedProjection(state.ref) }
            }
            hasRow = try statement.step()
        }
    }

    /// Ends reading (also when an export stops early).
    func finish() { statement.done() }

    private mutating func record(_ cell: TenantValueRow.Cell, _ bytes: UnsafeRawBufferPointer) -> ValueRecord {
        if cell.sourceDevice != sourceNumber {
            sourceDevice = devices.id(cell.sourceDevice)
            sourceNumber = cell.sourceDevice
        }
        let source = EventID(device: sourceDevice, sequence: cell.sourceSequence)
        let state: ValueState
        switch cell.status {
        case UInt8(ascii: "e"): state = .erased(by: source)
        case UInt8(ascii: "p"): state = .held(.preferNotToSay, source: source)
        default:
            let text = cell.value.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
            state = .held(.value(text ?? ""), source: source)
        }
        let writerText = UnsafeRawBufferPointer(rebasing: bytes[cell.writer])
        if !AttributeNames.same(writerBytes, writerText) {
            writerBytes = Array(writerText)
            writer = DeviceID(String(decoding: writerText, as: UTF8.self))
        }
        return ValueRecord(state: state, hlc: HLCTimestamp(packed: cell.hlc), device: writer)
    }
}

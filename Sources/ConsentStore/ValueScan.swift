import ConsentCore
import ConsentVault
import Crypto
import Foundation
import GRDB
import SyncProtocol

extension AttributeNames {
    /// The id among these whose bytes are exactly column `column` of `raw`'s row.
    func id(_ raw: RawStatement, _ column: Int32) -> AttributeID? {
        raw.withBytes(column) { text in id(text) }
    }
}

/// One ordered scan of the current values of special categories, joined to their sealed rows in the
/// vault and opened in memory, read up to each tenant in turn (ordinary values: `TenantValuesScan`).
struct ValueScan {
    private let statement: RawStatement
    private let names: AttributeNames
    private var devices: RecentDevices
    private let keys: VaultKeyring
    private var hasRow: Bool
    /// The data key of the previous sealed row (rows share a handful of keys).
    private var keyIDBytes: [UInt8] = []
    private var key: DataKey?
    /// Room reused by every opening: the associated data and the plaintext.
    private var associatedData: [UInt8] = []
    private var plain: [UInt8] = []

    /// Nil when there are no such attributes to read.
    init?(_ db: Database, _ attributes: [AttributeID], devices: DeviceNumbers, keys: VaultKeyring) throws {
        guard !attributes.isEmpty else { return nil }
        var statement = try RawStatement(db, """
            SELECT x.tenant_id, x.attribute_id, x.status, x.source_device, x.source_seq, x.hlc, x.writer_device, v.key_id, v.sealed
            FROM current_value x
            LEFT JOIN vault.value v ON v.device_no = x.source_device AND v.device_seq = x.source_seq AND v.attribute_id = x.attribute_id
            WHERE x.attribute_id IN (\(attributes.map { _ in "?" }.joined(separator: ","))) ORDER BY x.tenant_id
            """)
        for attribute in attributes { statement.bind(attribute.rawValue) }
        self.statement = statement
        names = AttributeNames(attributes)
        self.devices = RecentDevices(deviceID: devices.id)
        self.keys = keys
        hasRow = try statement.step()
    }

    /// Adds the rows of tenant `id` to `state` (skipping any of tenants without a register row).
    mutating func read(_ id: Int64, into state: inout TenantState) throws {
        while hasRow, let owner = statement.int64(0), owner <= id {
            if owner == id, let attribute = names.id(statement, 1) {
                state.values[attribute] = record(attribute, of: state.ref)
            }
            hasRow = try statement.step()
        }
    }

    /// Ends reading (also when an export stops early).
    func finish() { statement.done() }

    /// The data key named by this row, looked up only when it differs from the previous row's.
    private mutating func dataKey() -> DataKey? {
        if !statement.withBytes(7, { AttributeNames.same(keyIDBytes, $0) }) {
            let id = statement.string(7) ?? ""
            key = keys.key(id)
            keyIDBytes = Array(id.utf8)
        }
        return key
    }

    /// The sealed value of this row opened: under its data key, or with the organisation's private key.
    private mutating func openSealed(_ attribute: AttributeID, of tenant: TenantRef, source: EventID) -> AttributeValue? {
        let organisationSeal = statement.withBytes(7) { $0.starts(with: Self.organisationPrefix) }
        let key = organisationSeal ? nil : dataKey()
        guard organisationSeal || key != nil else { return nil }
        Sealing.writeAssociatedData(tenant: tenant, attribute: attribute, event: source, into: &associatedData)
        let statement = self.statement
        return statement.withBytes(8) { box -> AttributeValue? in
            guard !box.isEmpty else { return nil }
            if let key { return Sealing.openValue(box, key: key, associatedData: associatedData, scratch: &plain) }
            return keys.openOrganisationSeal(box, associatedData: Data(associatedData))
        }
    }

    private static let organisationPrefix = Array(OrganisationPublicKey.prefix.utf8)

    private mutating func record(_ attribute: AttributeID, of tenant: TenantRef) -> ValueRecord {
        let source = EventID(device: devices.source(statement.int64(3) ?? 0), sequence: statement.int64(4) ?? 0)
        let state: ValueState
        switch statement.withBytes(2, { $0.first }) {
        case UInt8(ascii: "e"): state = .erased(by: source)
        case UInt8(ascii: "p"): state = .held(.preferNotToSay, source: source)
        default:
            if let value = openSealed(attribute, of: tenant, source: source) {
                state = .held(value, source: source)
            } else {
                state = .unavailable(source: source)
            }
        }
        let statement = self.statement
        let writer = devices.source(statement.int64(6) ?? 0)
        return ValueRecord(state: state, hlc: HLCTimestamp(packed: statement.int64(5) ?? 0), device: writer)
    }
}

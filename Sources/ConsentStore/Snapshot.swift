import ConsentCore
import Crypto
import Foundation
import GRDB
import SyncProtocol

/// What an export needs of each tenant: the values of some attributes and the decisions of one purpose.
public struct TenantSlice: Sendable {
    public var purpose: PurposeID
    public var attributes: [AttributeID]
    /// Which of the attributes are special categories (their values live in the vault).
    public var special: Set<AttributeID>
    /// Whether the purpose's recorded decisions are needed (not for a contract purpose's ordinary values).
    public var readsDecisions: Bool

    public init(purpose: PurposeID, attributes: [AttributeID], special: Set<AttributeID>, readsDecisions: Bool) {
        self.purpose = purpose
        self.attributes = attributes
        self.special = special
        self.readsDecisions = readsDecisions
    }
}

extension ConsentDatabase {
    /// Calls `body` for every tenant's projected state, in register order, inside one read
    /// transaction (a consistent snapshot); returns the ledger position that snapshot reflects.
    public func eachTenant(_ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let position = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0
            let rows = ProjectionRows(db: db, devices: try DeviceNumbers(db), keys: keys)
            let tenants = try Row.fetchCursor(db, sql: "SELECT id, ref FROM tenant ORDER BY id")
            while let tenant = try tenants.next() {
                let ref = TenantRef(tenant.text("ref") ?? "")
                try body(ref, try rows.loadAll(tenant.integer("id") ?? 0, ref))
            }
            return position
        }
    }

    /// Like ``eachTenant(_:)``, but each state holds only the slice's attributes and its purpose's
    /// decisions, read by ordered scans merged in step, so a whole-register export reads each table
    /// once instead of looking every tenant up.
    public func eachTenant(_ slice: TenantSlice, _ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let position = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0
            let devices = try DeviceNumbers(db)
            let projection = ProjectionRows(db: db, devices: devices, keys: keys)
            let tenants = try RawStatement(db, "SELECT id, ref FROM tenant ORDER BY id")
            defer { tenants.done() }
            // Ordinary values and special categories are read by two scans, each joined only to the
            // table its values are in; decisions by a third (not for a contract purpose).
            var values = try [
                ValueScan(db, slice.attributes.filter { !slice.special.contains($0) }, sealed: false, devices: devices, keys: keys),
                ValueScan(db, slice.attributes.filter(slice.special.contains), sealed: true, devices: devices, keys: keys),
            ].compactMap { $0 }
            var decisions = try DecisionScan(db, slice, projection: projection)
            defer {
                for scan in values { scan.finish() }
                decisions?.finish()
            }
            while try tenants.step() {
                let id = tenants.int64(0) ?? 0
                var state = TenantState(ref: TenantRef(tenants.string(1) ?? ""))
                for index in values.indices { try values[index].read(id, into: &state) }
                try decisions?.read(id, into: &state)
                try body(state.ref, state)
            }
            return position
        }
    }

    /// Records an export and its disclosures (what left the system about whom) in one transaction,
    /// reading the entries as they come so a whole-register export never holds them all. Each
    /// entry's mask selects the export's `columns` that tenant got.
    public func recordDisclosures(
        exportID: String, purpose: String, recipient: String, columns: [String],
        _ entries: some Sequence<(tenant: TenantRef, mask: UInt64)>
    ) throws {
        let now = Millis.from(clock())
        try queue.write { db in
            try db.execute(sql: "INSERT INTO export (id, purpose_id, recipient, columns, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [exportID, purpose, recipient, columns.joined(separator: ","), now])
            let export = db.lastInsertedRowID
            let statement = try db.makeStatement(sql: """
                INSERT INTO disclosure (tenant_id, export_no, columns) SELECT id, ?, ? FROM tenant WHERE ref = ?
                """)
            for entry in entries {
                var insert = try RawStatement(db, statement)
                insert.bind(export)
                insert.bind(Int64(bitPattern: entry.mask))
                insert.bind(entry.tenant.rawValue)
                try insert.execute()
            }
        }
    }
}

/// Matches attribute ids by their bytes: they repeat on every row, so no string is made for them.
private struct AttributeNames {
    let ids: [AttributeID]
    private let bytes: [[UInt8]]

    init(_ ids: [AttributeID]) {
        self.ids = ids
        bytes = ids.map { Array($0.rawValue.utf8) }
    }

    func id(_ raw: RawStatement, _ column: Int32) -> AttributeID? {
        raw.withBytes(column) { text in bytes.firstIndex { $0.elementsEqual(text) } }.map { ids[$0] }
    }
}

/// One ordered scan of current values (ordinary, or sealed special categories opened in memory),
/// read up to each tenant in turn.
private struct ValueScan {
    private let statement: RawStatement
    private let names: AttributeNames
    private let sealed: Bool
    private let devices: DeviceNumbers
    private let keys: VaultKeyring
    private var hasRow: Bool
    private var writerBytes: [UInt8] = []
    private var writer = DeviceID("")
    /// The data key of the previous sealed row (rows share a handful of keys).
    private var keyIDBytes: [UInt8] = []
    private var key: SymmetricKey?

    /// Nil when there are no such attributes to read.
    init?(_ db: Database, _ attributes: [AttributeID], sealed: Bool, devices: DeviceNumbers, keys: VaultKeyring) throws {
        guard !attributes.isEmpty else { return nil }
        let (table, value) = sealed ? ("vault.value", "v.key_id, v.sealed") : ("value", "v.value, NULL")
        var statement = try RawStatement(db, """
            SELECT x.tenant_id, x.attribute_id, x.status, x.source_device, x.source_seq, x.hlc, x.writer, \(value)
            FROM current_value x
            LEFT JOIN \(table) v ON v.device_no = x.source_device AND v.device_seq = x.source_seq AND v.attribute_id = x.attribute_id
            WHERE x.attribute_id IN (\(attributes.map { _ in "?" }.joined(separator: ","))) ORDER BY x.tenant_id
            """)
        for attribute in attributes { statement.bind(attribute.rawValue) }
        self.statement = statement
        names = AttributeNames(attributes)
        self.sealed = sealed
        self.devices = devices
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
    private mutating func dataKey() -> SymmetricKey? {
        if !statement.withBytes(7, { keyIDBytes.elementsEqual($0) }) {
            let id = statement.string(7) ?? ""
            key = keys.key(id)
            keyIDBytes = Array(id.utf8)
        }
        return key
    }

    private mutating func record(_ attribute: AttributeID, of tenant: TenantRef) -> ValueRecord {
        let source = EventID(device: devices.id(statement.int64(3) ?? 0), sequence: statement.int64(4) ?? 0)
        let state: ValueState
        switch statement.withBytes(2, { $0.first }) {
        case UInt8(ascii: "e"): state = .erased(by: source)
        case UInt8(ascii: "p"): state = .held(.preferNotToSay, source: source)
        default:
            if !sealed {
                state = .held(.value(statement.string(7) ?? ""), source: source)
            } else if let key = dataKey(), let value = statement.withBytes(8, { box in
                box.isEmpty ? nil : Sealing.openValue(box, key: key, associatedData: Sealing.associatedData(tenant: tenant, attribute: attribute, event: source))
            }) {
                state = .held(value, source: source)
            } else {
                state = .unavailable(source: source)
            }
        }
        if !statement.withBytes(6, { writerBytes.elementsEqual($0) }) {
            writer = DeviceID(statement.string(6) ?? "")
            writerBytes = Array(writer.rawValue.utf8)
        }
        return ValueRecord(state: state, hlc: HLCTimestamp(packed: statement.int64(5) ?? 0), device: writer)
    }
}

/// The ordered scan of one purpose's decisions, read up to each tenant in turn.
private struct DecisionScan {
    private let statement: RawStatement
    private let names: AttributeNames
    private let purpose: PurposeID
    private let projection: ProjectionRows
    private var hasRow: Bool

    /// Nil when the slice does not read decisions.
    init?(_ db: Database, _ slice: TenantSlice, projection: ProjectionRows) throws {
        guard slice.readsDecisions, !slice.attributes.isEmpty else { return nil }
        var statement = try RawStatement(db, """
            SELECT \(ProjectionRows.decisionColumns), tenant_id, attribute_id FROM decision
            WHERE purpose_id = ? AND attribute_id IN (\(slice.attributes.map { _ in "?" }.joined(separator: ","))) ORDER BY tenant_id
            """)
        statement.bind(slice.purpose.rawValue)
        for attribute in slice.attributes { statement.bind(attribute.rawValue) }
        self.statement = statement
        names = AttributeNames(slice.attributes)
        purpose = slice.purpose
        self.projection = projection
        hasRow = try statement.step()
    }

    mutating func read(_ id: Int64, into state: inout TenantState) throws {
        while hasRow, let owner = statement.int64(16), owner <= id {
            if owner == id, let attribute = names.id(statement, 17) {
                state.decisions[DecisionKey(attribute, purpose)] = projection.decisionRecord(statement)
            }
            hasRow = try statement.step()
        }
    }

    /// Ends reading (also when an export stops early).
    func finish() { statement.done() }
}

import ConsentCore
import Foundation
import GRDB

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
            let list = slice.attributes.map { _ in "?" }.joined(separator: ",")
            let tenants = try RawStatement(db, "SELECT id, ref FROM tenant ORDER BY id")
            // Ordinary values and special categories are read by two scans, each joined only to the
            // table its values are in, and merged with the tenants in step.
            let groups = [slice.attributes.filter { !slice.special.contains($0) }, slice.attributes.filter(slice.special.contains)]
            var streams: [(statement: RawStatement, hasRow: Bool)] = []
            for (index, attributes) in groups.enumerated() where !attributes.isEmpty {
                // Ordinary values are text; special categories are sealed (key id, sealed bytes).
                let (table, value) = index == 0 ? ("value", "v.value, NULL") : ("vault.value", "v.key_id, v.sealed")
                var statement = try RawStatement(db, """
                    SELECT x.tenant_id, x.attribute_id, x.status, x.source_device, x.source_seq, x.hlc, x.writer, \(value)
                    FROM current_value x
                    LEFT JOIN \(table) v ON v.device_no = x.source_device AND v.device_seq = x.source_seq AND v.attribute_id = x.attribute_id
                    WHERE x.attribute_id IN (\(attributes.map { _ in "?" }.joined(separator: ","))) ORDER BY x.tenant_id
                    """)
                for attribute in attributes { statement.bind(attribute.rawValue) }
                streams.append((statement, try statement.step()))
            }
            var decisions = try RawStatement(db, """
                SELECT \(ProjectionRows.decisionColumns), tenant_id, attribute_id FROM decision
                WHERE purpose_id = ? AND attribute_id IN (\(list)) ORDER BY tenant_id
                """)
            decisions.bind(slice.purpose.rawValue)
            for attribute in slice.attributes { decisions.bind(attribute.rawValue) }
            defer {
                tenants.done()
                decisions.done()
                for stream in streams { stream.statement.done() }
            }

            // Attribute ids and writers repeat on every row: match their bytes instead of making strings.
            let names = slice.attributes.map { Array($0.rawValue.utf8) }
            func attribute(_ raw: RawStatement, _ column: Int32) -> AttributeID? {
                raw.withBytes(column) { bytes in names.firstIndex { $0.elementsEqual(bytes) } }.map { slice.attributes[$0] }
            }
            var writerBytes: [UInt8] = [], writer = DeviceID("")
            var hasDecision = slice.readsDecisions ? try decisions.step() : false
            while try tenants.step() {
                let id = tenants.int64(0) ?? 0
                var state = TenantState(ref: TenantRef(tenants.string(1) ?? ""))
                for index in streams.indices {
                    let values = streams[index].statement
                    var hasValue = streams[index].hasRow
                    while hasValue, let owner = values.int64(0), owner <= id {
                        if owner == id, let key = attribute(values, 1) {
                            let source = EventID(device: devices.id(values.int64(3) ?? 0), sequence: values.int64(4) ?? 0)
                            let status = values.withBytes(2) { $0.first }
                            let valueState: ValueState = switch status {
                            case UInt8(ascii: "e"): .erased(by: source)
                            case UInt8(ascii: "p"): .held(.preferNotToSay, source: source)
                            default:
                                if let sealed = values.data(8) {
                                    keys.open(sealed, keyID: values.string(7) ?? "", tenant: state.ref, attribute: key, event: source)
                                        .map { .held($0.value, source: source) } ?? .unavailable(source: source)
                                } else {
                                    .held(.value(values.string(7) ?? ""), source: source)
                                }
                            }
                            if !values.withBytes(6, { writerBytes.elementsEqual($0) }) {
                                writer = DeviceID(values.string(6) ?? "")
                                writerBytes = Array(writer.rawValue.utf8)
                            }
                            state.values[key] = ValueRecord(state: valueState, hlc: HLCTimestamp(packed: values.int64(5) ?? 0), device: writer)
                        }
                        hasValue = try values.step()
                    }
                    streams[index].hasRow = hasValue
                }
                while hasDecision, let owner = decisions.int64(16), owner <= id {
                    if owner == id, let key = attribute(decisions, 17) {
                        state.decisions[DecisionKey(key, slice.purpose)] = projection.decisionRecord(decisions)
                    }
                    hasDecision = try decisions.step()
                }
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

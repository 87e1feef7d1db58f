import ConsentCore
import Foundation
import GRDB

/// What an export needs of each tenant: the values of some attributes and the decisions of one purpose.
public struct TenantSlice: Sendable {
    public var purpose: PurposeID
    public var attributes: [AttributeID]

    public init(purpose: PurposeID, attributes: [AttributeID]) {
        self.purpose = purpose
        self.attributes = attributes
    }
}

extension ConsentDatabase {
    /// Calls `body` for every tenant's projected state, in register order, inside one read
    /// transaction (a consistent snapshot); returns the ledger position that snapshot reflects.
    public func eachTenant(_ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let position = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0
            let rows = ProjectionRows(db: db, devices: try DeviceNumbers(db))
            let tenants = try Row.fetchCursor(db, sql: "SELECT id, ref FROM tenant ORDER BY id")
            while let tenant = try tenants.next() {
                let ref = TenantRef(tenant.text("ref") ?? "")
                try body(ref, try rows.loadAll(tenant.integer("id") ?? 0, ref))
            }
            return position
        }
    }

    /// Like ``eachTenant(_:)``, but each state holds only the slice's attributes and its purpose's
    /// decisions, read by three ordered scans merged in step, so a whole-register export reads
    /// each table once instead of looking every tenant up.
    public func eachTenant(_ slice: TenantSlice, _ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let position = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0
            let devices = try DeviceNumbers(db)
            let projection = ProjectionRows(db: db, devices: devices)
            let list = slice.attributes.map { _ in "?" }.joined(separator: ",")
            let tenants = try RawStatement(db, "SELECT id, ref FROM tenant ORDER BY id")
            var values = try RawStatement(db, """
                SELECT x.tenant_id, x.attribute_id, x.status, x.source_device, x.source_seq, x.hlc, x.writer,
                       COALESCE(v.value, s.value)
                FROM current_value x
                LEFT JOIN value v ON v.device_no = x.source_device AND v.device_seq = x.source_seq AND v.attribute_id = x.attribute_id
                LEFT JOIN vault.value s ON s.device_no = x.source_device AND s.device_seq = x.source_seq AND s.attribute_id = x.attribute_id
                WHERE x.attribute_id IN (\(list)) ORDER BY x.tenant_id
                """)
            var decisions = try RawStatement(db, """
                SELECT \(ProjectionRows.decisionColumns), tenant_id, attribute_id FROM decision
                WHERE purpose_id = ? AND attribute_id IN (\(list)) ORDER BY tenant_id
                """)
            for attribute in slice.attributes { values.bind(attribute.rawValue) }
            decisions.bind(slice.purpose.rawValue)
            for attribute in slice.attributes { decisions.bind(attribute.rawValue) }
            defer { tenants.done(); values.done(); decisions.done() }

            var hasValue = try values.step(), hasDecision = try decisions.step()
            while try tenants.step() {
                let id = tenants.int64(0) ?? 0
                var state = TenantState(ref: TenantRef(tenants.string(1) ?? ""))
                while hasValue, let owner = values.int64(0), owner <= id {
                    if owner == id {
                        let source = EventID(device: devices.id(values.int64(3) ?? 0), sequence: values.int64(4) ?? 0)
                        let valueState: ValueState = switch values.string(2) {
                        case "erased": .erased(by: source)
                        case "prefer-not-to-say": .held(.preferNotToSay, source: source)
                        default: .held(.value(values.string(7) ?? ""), source: source)
                        }
                        state.values[AttributeID(values.string(1) ?? "")] = ValueRecord(
                            state: valueState, hlc: HLCTimestamp(packed: values.int64(5) ?? 0), device: DeviceID(values.string(6) ?? ""))
                    }
                    hasValue = try values.step()
                }
                while hasDecision, let owner = decisions.int64(16), owner <= id {
                    if owner == id {
                        state.decisions[DecisionKey(AttributeID(decisions.string(17) ?? ""), slice.purpose)] = projection.decisionRecord(decisions)
                    }
                    hasDecision = try decisions.step()
                }
                try body(state.ref, state)
            }
            return position
        }
    }

    /// Records disclosures (what left the system about whom) in one transaction, reading the
    /// entries as they come so a whole-register export never holds them all.
    public func recordDisclosures(
        exportID: String, purpose: String, recipient: String,
        _ entries: some Sequence<(tenant: TenantRef, attributes: [String])>
    ) throws {
        let now = Millis.from(clock())
        try queue.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO disclosure (tenant_id, export_id, purpose_id, recipient, attributes, at)
                SELECT id, ?, ?, ?, ?, ? FROM tenant WHERE ref = ?
                """)
            for entry in entries {
                var insert = try RawStatement(db, statement)
                insert.bind(exportID)
                insert.bind(purpose)
                insert.bind(recipient)
                insert.bind(entry.attributes.joined(separator: ","))
                insert.bind(now)
                insert.bind(entry.tenant.rawValue)
                try insert.execute()
            }
        }
    }
}

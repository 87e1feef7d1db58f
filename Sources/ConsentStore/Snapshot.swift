import ConsentCore
import ConsentVault
import Crypto
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Calls `body` for every tenant's projected state, in register order, inside one read
    /// transaction (a consistent snapshot); returns the ledger position that snapshot reflects.
    public func eachTenant(_ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        try queue.read { db in
            let position = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0
            let rows = ProjectionRows(db: db, devices: try DeviceNumbers(db), keys: keys)
            let restricted = try Self.restrictions(db)
            let tenants = try Row.fetchCursor(db, sql: "SELECT id, ref FROM tenant ORDER BY id")
            var decisions = try DecisionsInRegisterOrder(db, projection: rows)
            defer { decisions.finish() }
            while let tenant = try tenants.next() {
                let ref = TenantRef(tenant.text("ref") ?? "")
                var state = try rows.loadAll(tenant.integer("id") ?? 0, ref, decisions: &decisions)
                state.restricted = restricted[ref] ?? []
                try body(ref, state)
            }
            return position
        }
    }

    /// The attributes each tenant's restrictions in force keep out of every export, read in the export's
    /// snapshot (few tenants ask, so this is small).
    static func restrictions(_ db: Database) throws -> [TenantRef: Set<AttributeID>] {
        let requests = try requestEvents(db, where: "l.tenant_id IN (SELECT tenant_id FROM ledger INDEXED BY ledger_requests WHERE kind IN (\(requestKinds)) AND kind = 'restriction-request')", [])
        return Dictionary(grouping: requests, by: \.tenant).mapValues(RequestFold.restricted).filter { !$0.value.isEmpty }
    }

    /// Like ``eachTenant(_:)``, but each state holds only the slice's attributes and its purpose's
    /// decisions, read by ordered scans merged in step, so a whole-register export reads each table
    /// once instead of looking every tenant up. A tenant the slice passes over (``TenantSlice/passesOver(_:)``:
    /// no grant for an attribute every row needs) is counted, its values not read.
    public func eachTenant(_ slice: TenantSlice, _ body: (TenantRef, TenantState) throws -> Void) throws -> SliceRead {
        try queue.read { db in
            let position = try Int64.fetchOne(db, sql: "SELECT max(position) FROM ledger") ?? 0
            let devices = try DeviceNumbers(db)
            let tenants = try RawStatement(db, "SELECT id, ref FROM tenant ORDER BY id")
            defer { tenants.done() }
            // Ordinary values come from one row per tenant (`tenant_values`), special categories from
            // a scan joined to the vault; decisions from a third (not for a contract purpose). The vault's
            // scan runs on another thread and connection when it can read this same snapshot.
            let special = slice.attributes.filter(slice.special.contains)
            let sideScan = special.isEmpty ? nil : VaultScanThread.start(database: self, attributes: special, devices: devices, position: position)
            var ordinary = try TenantValuesScan(db, slice.attributes.filter { !slice.special.contains($0) }, devices: devices)
            var sealed = sideScan == nil ? try ValueScan(db, special, devices: devices, keys: keys) : nil
            var decisions = try DecisionScan(db, slice)
            let restricted = try Self.restrictions(db)
            defer {
                ordinary?.finish()
                sealed?.finish()
                decisions?.finish()
                sideScan?.finish()
            }
            var passedOver = 0
            while try tenants.step() {
                let id = tenants.int64(0) ?? 0
                var state = TenantState(ref: TenantRef(tenants.string(1) ?? ""))
                try decisions?.read(id, into: &state)
                if slice.passesOver(state) {
                    // The vault's thread sends every tenant in turn: take theirs to stay in step.
                    try sideScan?.read(id, into: &state)
                    passedOver += 1
                    continue
                }
                state.values.reserveCapacity(slice.attributes.count)
                try ordinary?.read(id, into: &state)
                try sealed?.read(id, into: &state)
                try sideScan?.read(id, into: &state)
                state.restricted = restricted[state.ref] ?? []
                try body(state.ref, state)
            }
            return SliceRead(position: position, passedOver: passedOver)
        }
    }
}

/// The ordered scan of one purpose's decisions, each as ``DecisionRecord/inForce`` keeps it, read up to each tenant in turn.
private struct DecisionScan {
    private let statement: RawStatement
    private let names: AttributeNames
    private let purpose: PurposeID
    private var hasRow: Bool

    /// Nil when the slice does not read decisions.
    init?(_ db: Database, _ slice: TenantSlice) throws {
        guard slice.readsDecisions, !slice.attributes.isEmpty else { return nil }
        var statement = try RawStatement(db, """
            SELECT \(StoredDecisionInForce.columns), tenant_id, attribute_id FROM decision
            WHERE purpose_id = ? AND attribute_id IN (\(slice.attributes.map { _ in "?" }.joined(separator: ","))) ORDER BY tenant_id
            """)
        statement.bind(slice.purpose.rawValue)
        for attribute in slice.attributes { statement.bind(attribute.rawValue) }
        self.statement = statement
        names = AttributeNames(slice.attributes)
        purpose = slice.purpose
        hasRow = try statement.step()
    }

    mutating func read(_ id: Int64, into state: inout TenantState) throws {
        while hasRow, let owner = statement.int64(3), owner <= id {
            if owner == id, let attribute = names.id(statement, 4) {
                state.decisions[DecisionKey(attribute, purpose)] = StoredDecisionInForce.record(
                    state: statement.string(0) ?? "", effectiveAt: statement.int64(1) ?? 0, validUntil: statement.int64(2))
            }
            hasRow = try statement.step()
        }
    }

    /// Ends reading (also when an export stops early).
    func finish() { statement.done() }
}

import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// Reads and writes the projection rows of one tenant as a ``TenantState``, so the ledger's
/// projection update runs the very same `TenantState.apply` as the fold that verifies it.
struct ProjectionRows {
    let db: Database
    var devices: DeviceNumbers
    /// The attributes numbered for `tenant_values` cells; a writer carries it from one event to the next.
    var attributes = AttributeNumbering()
    /// Set while a batch keeps `tenant_values` at its end: each new `current_value` row's tenant is noted there.
    var deferredCells: TenantValueDeferral?
    let statements: StatementCache
    /// Opens sealed special-category values; those it cannot open read as `.unavailable`.
    let keys: VaultKeyring?

    init(db: Database, devices: DeviceNumbers, statements: StatementCache? = nil, keys: VaultKeyring?) {
        self.db = db
        self.devices = devices
        self.statements = statements ?? StatementCache(db)
        self.keys = keys
    }

    private static let sealedJoin = """
        LEFT JOIN vault.value s ON s.device_no = x.source_device AND s.device_seq = x.source_seq AND s.attribute_id = x.attribute_id
        """
    private static let valueJoin = """
        LEFT JOIN value v ON v.device_no = x.source_device AND v.device_seq = x.source_seq AND v.attribute_id = x.attribute_id
        \(sealedJoin)
        """

    /// The projection rows an event touches, as a partial state the event can be applied to.
    /// `stored` is the event's own ledger row when it is already written (a received event), so a
    /// verification does not count itself as having already settled the held grant it confirms. `registeredBefore`:
    /// a registration's tenant was held before it (a pulled registration of a tenant this device registered too).
    func load(_ tenantID: Int64, _ ref: TenantRef, touching payload: EventPayload,
              stored: (deviceNo: Int64, sequence: Int64)? = nil, registeredBefore: Bool = false) throws -> TenantState {
        var state = TenantState(ref: ref)
        switch payload {
        case .registration(let initial):
            // A new tenant has nothing to load; one held already has values the registration's merge with.
            if registeredBefore {
                for attribute in initial.keys { try loadValues(tenantID, into: &state, attribute: attribute) }
            }
        case .credentialChange, .access, .heldGrant, .request:
            break
        case .marker(let id, _):
            try loadMarkers(tenantID, into: &state, only: id)
        case let .decision(purpose, attributes, _, _, _):
            for attribute in attributes {
                let key = DecisionKey(attribute, purpose)
                state.decisions[key] = try decision(tenantID, key)
            }
        case let .verification(target, attribute, _):
            try loadValues(tenantID, into: &state, attribute: attribute)
            try loadHeldGrants(tenantID, into: &state, only: target, ignoring: stored)
            for held in state.heldGrants.values {
                for attribute in held.attributes {
                    let key = DecisionKey(attribute, held.purpose)
                    state.decisions[key] = try decision(tenantID, key)
                }
            }
        case let .correction(attribute, _, _), let .erasure(attribute):
            try loadValues(tenantID, into: &state, attribute: attribute)
        }
        return state
    }

    /// Grants held for a second person and not yet confirmed or rejected. They are read from the
    /// ledger itself (held-grant rows no verification names), so there is no table to keep in step.
    /// `ignoring` is a verification's own ledger row, which must not count as settling anything.
    private func loadHeldGrants(_ tenantID: Int64, into state: inout TenantState, only target: EventID? = nil,
                                ignoring: (deviceNo: Int64, sequence: Int64)? = nil) throws {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(LedgerRows.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id JOIN device d ON d.no = l.device_no
            WHERE l.tenant_id = ? AND l.kind = 'held-grant' AND NOT EXISTS (
                SELECT 1 FROM ledger v WHERE v.tenant_id = l.tenant_id AND v.kind = 'verification'
                AND v.target_device = d.id AND v.target_seq = l.device_seq AND NOT (v.device_no = ? AND v.device_seq = ?))
            ORDER BY l.position
            """), arguments: [tenantID, ignoring?.deviceNo ?? -1, ignoring?.sequence ?? -1])
        let decoder = LedgerRows(devices: devices, keys: nil)
        for row in rows {
            let event = decoder.event(row, values: []).event
            if let target, event.id != target { continue }
            if let held = HeldGrant(event: event) { state.heldGrants[held.event] = held }
        }
    }

    /// The tenant's markers (set and cleared, with the clock of the standing change).
    private func loadMarkers(_ tenantID: Int64, into state: inout TenantState, only id: String? = nil) throws {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT marker, active, hlc, writer FROM tenant_marker WHERE tenant_id = ? AND (? IS NULL OR marker = ?)
            """), arguments: [tenantID, id, id])
        for row in rows {
            state.markers[row["marker"]] = MarkerRecord(set: (row["active"] as Int64? ?? 0) != 0, hlc: HLCTimestamp(packed: row["hlc"] ?? 0),
                                                        device: DeviceID(row["writer"] ?? ""))
        }
    }

    /// The whole projected state of a tenant.
    func loadAll(_ tenantID: Int64, _ ref: TenantRef) throws -> TenantState {
        var state = try loadAllButDecisions(tenantID, ref)
        var raw = try statements.raw(.decisionsOfTenant, DecisionByPurpose.ofTenant)
        raw.bind(tenantID)
        while try raw.step() {
            let key = DecisionKey(AttributeID(raw.string(16) ?? ""), PurposeID(raw.string(17) ?? ""))
            state.decisions[key] = decisionRecord(raw)
        }
        return state
    }

    /// The same, for a pass over the whole register in id order that reads decisions through `decisions`.
    func loadAll(_ tenantID: Int64, _ ref: TenantRef, decisions: inout DecisionsInRegisterOrder) throws -> TenantState {
        var state = try loadAllButDecisions(tenantID, ref)
        try decisions.read(tenantID, into: &state)
        return state
    }

    private func loadAllButDecisions(_ tenantID: Int64, _ ref: TenantRef) throws -> TenantState {
        var state = TenantState(ref: ref)
        try loadValues(tenantID, into: &state, attribute: nil)
        try loadHeldGrants(tenantID, into: &state)
        try loadMarkers(tenantID, into: &state)
        return state
    }

    /// One attribute of a tenant as ``TenantState/value(_:)`` of the whole state would show it: its current value
    /// (pending corrections are not read; they are not the value until confirmed).
    func loadValue(_ tenantID: Int64, _ ref: TenantRef, _ attribute: AttributeID) throws -> ValueState {
        var state = TenantState(ref: ref)
        try loadCurrentValues(tenantID, into: &state, attribute: attribute)
        return state.value(attribute)
    }

    /// The tenant's current values and pending corrections, of one attribute or (nil) of all.
    private func loadValues(_ tenantID: Int64, into state: inout TenantState, attribute: AttributeID?) throws {
        try loadCurrentValues(tenantID, into: &state, attribute: attribute)
        try loadPendingValues(tenantID, into: &state, attribute: attribute)
    }

    /// The condition on `x.attribute_id` and the arguments of a tenant's value rows, of one attribute or all.
    private static func valueFilter(_ tenantID: Int64, _ attribute: AttributeID?) -> (sql: String, arguments: StatementArguments) {
        var arguments: StatementArguments = [tenantID]
        if let attribute { arguments += [attribute.rawValue] }
        return (attribute == nil ? "" : " AND x.attribute_id = ?", arguments)
    }

    private func loadCurrentValues(_ tenantID: Int64, into state: inout TenantState, attribute: AttributeID?) throws {
        let (filter, arguments) = Self.valueFilter(tenantID, attribute)
        let current = try db.cachedStatement(sql: """
            SELECT x.attribute_id, x.status, x.source_device, x.source_seq, x.hlc, x.writer_device,
                   v.value, s.key_id, s.sealed FROM current_value x \(LeanCurrentValue.textJoin("x.", as: "v")) \(Self.sealedJoin)
            WHERE x.tenant_id = ?\(filter)
            """)
        for row in try Row.fetchAll(current, arguments: arguments) {
            let id = AttributeID(row["attribute_id"] as String)
            let source = EventID(device: devices.id(row["source_device"]), sequence: row["source_seq"])
            func held() -> ValueState {
                if let sealed = row["sealed"] as Data? {
                    let opened = keys?.open(sealed, keyID: row["key_id"] ?? "", tenant: state.ref, attribute: id, event: source)
                    return opened.map { .held($0.value, source: source) } ?? .unavailable(source: source)
                } else {
                    return StoredValueStatus.value(row["value"], source: source)
                }
            }
            let valueState = StoredValueStatus.decode(row["status"], source: source, held: held())
            state.values[id] = ValueRecord(state: valueState, hlc: HLCTimestamp(packed: row["hlc"]), device: devices.id(row["writer_device"]))
        }
    }

    private func loadPendingValues(_ tenantID: Int64, into state: inout TenantState, attribute: AttributeID?) throws {
        let (filter, arguments) = Self.valueFilter(tenantID, attribute)
        let pending = try db.cachedStatement(sql: """
            SELECT x.attribute_id, x.source_device, x.source_seq, x.hlc,
                   v.value, COALESCE(v.prefer_not, s.prefer_not) AS prefer_not, s.key_id, s.sealed
            FROM pending_value x \(Self.valueJoin)
            WHERE x.tenant_id = ?\(filter) ORDER BY x.hlc, x.source_device, x.source_seq
            """)
        for row in try Row.fetchAll(pending, arguments: arguments) {
            let id = AttributeID(row["attribute_id"] as String)
            let event = EventID(device: devices.id(row["source_device"]), sequence: row["source_seq"])
            var value = AttributeValue(storedText: row["value"], preferNotToSay: (row["prefer_not"] as Int? ?? 0) != 0)
            if let sealed = row["sealed"] as Data? {
                // A pending special value this process cannot open keeps only whether it was "prefer not to say"
                // (what the projection stores); the kiosk and the Art. 15 view mask special values anyway.
                value = keys?.open(sealed, keyID: row["key_id"] ?? "", tenant: state.ref, attribute: id, event: event)?.value ?? value
            }
            state.pending[id, default: []].append(PendingCorrection(event: event, value: value, hlc: HLCTimestamp(packed: row["hlc"])))
        }
    }

    /// A whole decision's columns over `decision d` joined to its event's ledger row (``LeanDecision/eventJoin``), in
    /// the order ``decisionRecord(_:)`` reads them.
    static let decisionColumns = LeanDecision.recordColumns

    private func decision(_ tenantID: Int64, _ key: DecisionKey) throws -> DecisionRecord? {
        var raw = try statements.raw(.decision, """
            SELECT \(Self.decisionColumns) FROM decision d \(LeanDecision.eventJoin)
            WHERE d.tenant_id = ? AND d.attribute_id = ? AND d.purpose_id = ?
            """)
        raw.bind(tenantID)
        raw.bind(key.attribute.rawValue)
        raw.bind(key.purpose.rawValue)
        guard try raw.step() else { return nil }
        defer { raw.done() }
        return decisionRecord(raw)
    }

    func decisionRecord(_ raw: RawStatement) -> DecisionRecord {
        let actor = Actor(Actor.Columns(kind: raw.string(8) ?? "", id: raw.string(9), verification: raw.string(10), reason: raw.string(11)))
        let notice = raw.int64(5).map { NoticeShown(version: Int($0), language: raw.string(6) ?? "") }
        let reconfirm = raw.int64(14).map { EventID(device: devices.id(raw.int64(13) ?? 0), sequence: $0) }
        return DecisionRecord(
            state: DecisionState(rawValue: raw.string(0) ?? "") ?? .notAsked,
            event: EventID(device: devices.id(raw.int64(1) ?? 0), sequence: raw.int64(2) ?? 0),
            centralSequence: raw.int64(3), effectiveAt: Millis.date(raw.int64(4) ?? 0), notice: notice,
            validUntil: raw.int64(7).map(Millis.date), actor: actor,
            channel: Channel(rawValue: raw.string(12) ?? "") ?? .system, needsReconfirmation: reconfirm,
            blocking: raw.string(15).map(StoredBlocking.decode))
    }

    /// Recomputes a tenant's decisions by folding every event that can set one (decisions, held
    /// grants and their confirmations) in central order (this device's unsent events last). A device
    /// that pulls an event the centre numbered before one it already applied uses this, so that it
    /// ends exactly where the centre (which applies in central order) ends.
    mutating func refoldDecisions(_ tenantID: Int64, _ ref: TenantRef) throws {
        let rows = LedgerRows(devices: devices, keys: nil)
        let ledger = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(LedgerRows.columns) FROM ledger l JOIN tenant t ON t.id = l.tenant_id
            WHERE l.tenant_id = ? AND l.kind IN ('decision', 'held-grant', 'verification')
            ORDER BY \(LedgerRows.canonicalOrder)
            """), arguments: [tenantID])
        var folded = TenantState(ref: ref)
        for row in ledger { _ = folded.apply(rows.event(row, values: []).event) }
        var devices = self.devices
        defer { self.devices = devices }
        for (key, record) in folded.decisions where try decision(tenantID, key) != record {
            try saveDecision(tenantID, key, record, &devices)
        }
    }

    /// Puts the centre's number for `event` (made by device number `deviceNo`) into the decisions of `purpose`
    /// over `attributes`, where it is the deciding event or a withdrawal the decision must remember.
    ///
    /// One statement numbers a decision its event set; only a decision that remembers stops of other events
    /// (its `blocking` text) is read and patched whole.
    mutating func setCentral(_ central: Int64, of event: EventID, deviceNo: Int64, tenantID: Int64, purpose: PurposeID,
                             attributes: [AttributeID]) throws {
        var devices = self.devices
        defer { self.devices = devices }
        for attribute in attributes {
            var number = try statements.raw(.numberDecision, """
                UPDATE decision SET central_seq = CASE WHEN event_device = ?1 AND event_seq = ?2 THEN ?3 ELSE central_seq END
                WHERE tenant_id = ?4 AND attribute_id = ?5 AND purpose_id = ?6
                  AND ((event_device = ?1 AND event_seq = ?2) OR blocking IS NOT NULL)
                RETURNING blocking IS NOT NULL
                """)
            number.bind(deviceNo)
            number.bind(event.sequence)
            number.bind(central)
            number.bind(tenantID)
            number.bind(attribute.rawValue)
            number.bind(purpose.rawValue)
            let remembersStops = try number.step() && number.int64(0) == 1
            number.done()
            guard remembersStops else { continue }
            let key = DecisionKey(attribute, purpose)
            guard let record = try decision(tenantID, key) else { continue }
            var patched = record
            for i in patched.blocking.indices where patched.blocking[i].event == event {
                patched.blocking[i].centralSequence = central
            }
            if patched != record { try saveDecision(tenantID, key, patched, &devices) }
        }
    }

    /// Writes what changed between `before` and `after` for the rows an event touches, and keeps
    /// staff mode's search index in step (for local and received events alike).
    /// `newTenant`: the event registered a tenant whose row was inserted by this transaction, so it has no
    /// projection rows yet and none are deleted first (a stale row would make the plain INSERT fail).
    mutating func save(_ tenantID: Int64, before: TenantState, after: TenantState, touching payload: EventPayload,
                       newTenant: Bool = false) throws {
        try SearchIndex.update(db, tenantID: tenantID, payload: payload, before: before, after: after)
        var (devices, attributes) = (self.devices, self.attributes)
        defer { (self.devices, self.attributes) = (devices, attributes) }
        switch payload {
        case .credentialChange, .access, .heldGrant, .request:
            break
        case .marker(let id, _):
            if let record = after.markers[id], record != before.markers[id] {
                try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO tenant_marker (tenant_id, marker, active, hlc, writer) VALUES (?, ?, ?, ?, ?)
                    """).execute(arguments: [tenantID, id, record.set, record.hlc.packed, record.device.rawValue])
            }
        case .registration(let values):
            for attribute in values.keys { try saveValue(tenantID, attribute, after.values[attribute], &devices, &attributes, replacing: !newTenant) }
        case let .decision(purpose, attributes, _, _, _):
            for attribute in attributes {
                let key = DecisionKey(attribute, purpose)
                if after.decisions[key] != before.decisions[key], let record = after.decisions[key] {
                    try saveDecision(tenantID, key, record, &devices)
                }
            }
        case let .correction(attribute, _, _), let .verification(_, attribute, _), let .erasure(attribute):
            if case .verification = payload {
                for key in after.decisions.keys.sorted() where after.decisions[key] != before.decisions[key] {
                    if let record = after.decisions[key] { try saveDecision(tenantID, key, record, &devices) }
                }
            }
            if after.values[attribute] != before.values[attribute] {
                try saveValue(tenantID, attribute, after.values[attribute], &devices, &attributes)
            }
            if after.pending[attribute] != before.pending[attribute] {
                try db.execute(sql: "DELETE FROM pending_value WHERE tenant_id = ? AND attribute_id = ?",
                               arguments: [tenantID, attribute.rawValue])
                for p in after.pending[attribute] ?? [] {
                    try db.execute(sql: """
                        INSERT INTO pending_value (tenant_id, attribute_id, source_device, source_seq, hlc) VALUES (?, ?, ?, ?, ?)
                        """, arguments: [tenantID, attribute.rawValue, try devices.number(p.event.device, in: db), p.event.sequence, p.hlc.packed])
                }
            }
        }
    }

    private func saveValue(_ tenantID: Int64, _ attribute: AttributeID, _ record: ValueRecord?, _ devices: inout DeviceNumbers,
                           _ attributes: inout AttributeNumbering, replacing: Bool = true) throws {
        guard let record else {
            try db.execute(sql: "DELETE FROM current_value WHERE tenant_id = ? AND attribute_id = ?", arguments: [tenantID, attribute.rawValue])
            return
        }
        guard let (status, source) = StoredValueStatus.encode(record.state) else {
            try db.execute(sql: "DELETE FROM current_value WHERE tenant_id = ? AND attribute_id = ?", arguments: [tenantID, attribute.rawValue])
            return
        }
        // The old row goes first and the new one is a plain INSERT, never a replace: the triggers that keep
        // `tenant_values` take the old cell out on the delete and append the new one on the insert.
        if replacing {
            var delete = try statements.raw(.deleteCurrentValue, "DELETE FROM current_value WHERE tenant_id = ? AND attribute_id = ?")
            delete.bind(tenantID)
            delete.bind(attribute.rawValue)
            try delete.execute()
        }
        // The text stays in the ordinary value row the event wrote first (none for a special category,
        // sealed in the vault); the trigger copies it into `tenant_values` from there, with the attribute's number.
        try attributes.number(attribute, in: db)
        deferredCells?.touch(tenantID)
        var raw = try statements.raw(.upsertCurrentValue, """
            INSERT INTO current_value (tenant_id, attribute_id, status, source_device, source_seq, hlc, writer_device)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        raw.bind(tenantID)
        raw.bind(attribute.rawValue)
        raw.bind(status)
        raw.bind(try devices.number(source.device, in: db))
        raw.bind(source.sequence)
        raw.bind(record.hlc.packed)
        raw.bind(try devices.number(record.device, in: db))
        try raw.execute()
    }

    private func saveDecision(_ tenantID: Int64, _ key: DecisionKey, _ r: DecisionRecord, _ devices: inout DeviceNumbers) throws {
        // The notice, actor and channel are the event's, read from its ledger row (``LeanDecision``).
        var raw = try statements.raw(.upsertDecision, """
            INSERT OR REPLACE INTO decision (tenant_id, attribute_id, purpose_id, \(LeanDecision.ownColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        raw.bind(tenantID)
        raw.bind(key.attribute.rawValue)
        raw.bind(key.purpose.rawValue)
        raw.bind(r.state.rawValue)
        raw.bind(try devices.number(r.event.device, in: db))
        raw.bind(r.event.sequence)
        raw.bind(r.centralSequence)
        raw.bind(Millis.from(r.effectiveAt))
        raw.bind(r.validUntil.map(Millis.from))
        raw.bind(try r.needsReconfirmation.map { try devices.number($0.device, in: db) })
        raw.bind(r.needsReconfirmation?.sequence)
        raw.bind(StoredBlocking.encode(r))
        try raw.execute()
    }
}

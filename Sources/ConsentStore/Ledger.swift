import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// One event as stored: the event, its place in the local ledger, and which of its values were erased.
public struct StoredEvent: Hashable, Sendable {
    public var position: Int64
    public var event: Event
    /// Attributes whose value this event recorded but an erasure has since removed.
    public var erasedValues: Set<AttributeID>
    /// Special-category values of this event that are sealed and this process has no key to open;
    /// the payload holds a placeholder for them.
    public var unavailableValues: Set<AttributeID> = []
}

extension ConsentDatabase {
    /// Records one change as a ledger event, with its projection update, in one transaction.
    @discardableResult
    public func record(_ request: ChangeRequest) throws(StoreError) -> StoredEvent {
        try record([request])[0]
    }

    /// Records changes in one transaction: all of them, or (on any refusal) none.
    @discardableResult
    public func record(_ requests: [ChangeRequest]) throws(StoreError) -> [StoredEvent] {
        let now = clock()
        var checked: [ChangeRequest] = []
        for request in requests {
            do { checked.append(try ChangeRules.check(request, validator: validator, now: now)) } catch { throw .refused(error) }
        }
        let (stored, erasures) = try writeLedger { db in
            var appender = try LedgerAppender(db, device: device, catalogue: catalogue, vault: vaultContext, centre: isCentre, wallClock: clock)
            let stored = try checked.map { try appender.append($0, now: now) }
            try appender.finish()
            return (stored, appender.queuedVaultErasures)
        }
        if erasures { try applyDueErasures() }
        return stored
    }

    var vaultContext: LedgerAppender.VaultContext { .init(keys: keys, writer: vaultWriter) }
}

/// Appends events for this device inside one write transaction: numbers them, stamps the clock,
/// stores their values (special categories in the vault), extends the hash chain and updates the
/// projection with the same `TenantState.apply` the verifier folds with.
struct LedgerAppender {
    /// Where special-category values go: sealed with the ring's data key, committed by the writer.
    struct VaultContext {
        var keys: VaultKeyring
        var writer: VaultWriter
    }

    let db: Database
    let vault: VaultContext
    /// Sealed rows not yet committed to the vault (flushed in chunks, and before the main commit).
    private var sealedRows: [SealedRow] = []
    /// Whether this transaction listed vault values as due for erasure (applied after it commits).
    private(set) var queuedVaultErasures = false
    let device: DeviceID
    let catalogue: Catalogue
    private var devices: DeviceNumbers
    private var attributes = AttributeNumbering()
    private let statements: StatementCache
    private let deviceNo: Int64
    private var clock: HybridLogicalClock
    private var sequence: Int64
    private var head: Data
    private var tenantIDs: [TenantRef: Int64] = [:]
    /// The wall clock read at each append (a batch may run for minutes).
    private let wallClock: () -> Date
    /// Set in a bulk batch: `tenant_values` is built once at its end (see ``TenantValueDeferral``).
    private var deferral: TenantValueDeferral?

    /// At a central store every event gets its central sequence (its ledger position) as it is written.
    let numbersCentrally: Bool

    init(_ db: Database, device: DeviceID, catalogue: Catalogue, vault: VaultContext, centre: Bool = false,
         wallClock: @escaping () -> Date = Date.init, bulk: Bool = false) throws {
        self.db = db
        numbersCentrally = centre
        self.vault = vault
        self.wallClock = wallClock
        self.device = device
        self.catalogue = catalogue
        devices = try DeviceNumbers(db)
        statements = StatementCache(db)
        deviceNo = try devices.number(device, in: db)
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash, hlc FROM chain_head WHERE device_no = ?"), arguments: [deviceNo])
        sequence = row?["seq"] ?? 0
        head = row?["hash"] ?? ValueDigest.empty
        clock = HybridLogicalClock(last: HLCTimestamp(packed: row?["hlc"] ?? 0), maxDriftMillis: HybridLogicalClock.deviceDriftMillis)
        // Vault rows of a transaction that crashed or rolled back after committing them; this
        // transaction holds the main file's write lock, so no other writer is mid-way.
        if try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM vault.value WHERE device_no = ? AND device_seq > ? LIMIT 1"), arguments: [deviceNo, sequence]) != nil {
            try vault.writer.removeUncommitted(deviceNo: deviceNo, after: sequence)
        }
        deferral = bulk ? try TenantValueDeferral.begin(db) : nil
    }

    /// Commits the sealed rows gathered so far to the vault (before the main transaction commits).
    private mutating func flushVault() throws {
        try vault.writer.commit(sealedRows)
        sealedRows.removeAll(keepingCapacity: true)
    }

    /// Commits the vault rows, then saves the chain head and the clock; call once after the last
    /// append of the transaction.
    mutating func finish() throws {
        try deferral?.finish(db)
        deferral = nil
        try flushVault()
        var raw = try statements.raw(.chainHead, "INSERT OR REPLACE INTO chain_head (device_no, seq, hash, hlc) VALUES (?, ?, ?, ?)")
        raw.bind(deviceNo)
        raw.bind(sequence)
        raw.bind(head)
        raw.bind(clock.last.packed)
        try raw.execute()
    }

    private mutating func tenantID(_ ref: TenantRef, registering: Bool) throws -> Int64 {
        if let id = tenantIDs[ref] {
            if registering { throw StoreError.tenantExists(ref) }
            return id
        }
        if let id = try LedgerRow.tenantID(ref.rawValue, statements: statements) {
            if registering { throw StoreError.tenantExists(ref) }
            tenantIDs[ref] = id
            return id
        }
        guard registering else { throw StoreError.unknownTenant(ref) }
        let id = try LedgerRow.insertTenant(ref.rawValue, statements: statements)
        tenantIDs[ref] = id
        return id
    }

    /// Appends one checked change.
    mutating func append(_ request: ChangeRequest, now: Date) throws -> StoredEvent {
        // A read of a special category recorded on a device that seals for the centre reveals nothing
        // here: it is what the centre asks for before it opens the value (`RevealCheck`, staff mode).
        var isRegistration = false
        if case .registration = request.payload { isRegistration = true }
        let tenantID = try tenantID(request.tenant, registering: isRegistration)
        let hlc = try clock.tick(wallMillis: Millis.from(wallClock()))
        sequence += 1
        var rows = ProjectionRows(db: db, devices: devices, statements: statements, keys: vault.keys)
        rows.attributes = attributes
        rows.deferredCells = deferral
        let before = try rows.load(tenantID, request.tenant, touching: request.payload)
        var causal: Int64?
        if case let .decision(purpose, attributes, _, _, _) = request.payload {
            causal = attributes.compactMap { before.decisions[DecisionKey($0, purpose)]?.centralSequence }.max()
        }
        if case let .verification(target, attribute, _) = request.payload, before.heldGrants[target] == nil,
           before.pending[attribute]?.contains(where: { $0.event == target }) != true,
           try !ConsentDatabase.isRequest(db, tenantID: tenantID, target, attribute) {
            throw StoreError.noPendingCorrection(request.tenant, attribute.rawValue)
        }
        var event = Event(
            id: EventID(device: device, sequence: sequence), tenant: request.tenant, hlc: hlc,
            effectiveAt: Millis.date(request.effectiveAt.map(Millis.from) ?? hlc.millis), actor: request.actor,
            channel: request.channel, causalContext: causal, payload: Self.roundingTimes(request.payload), evidence: request.evidence)

        let digest = try storeValues(event, tenantID: tenantID)
        let fields = EventRecord(event, valuesDigest: digest)
        let hash = fields.hash(after: head)
        event.centralSequence = try LedgerRow.insert(fields, deviceNo: deviceNo, tenantID: tenantID, hash: hash,
                                                     central: numbersCentrally ? .position : .none, statements: statements)
        let position = db.lastInsertedRowID
        head = hash

        var after = before
        let outcome = after.apply(event)
        try rows.save(tenantID, before: before, after: after, touching: event.payload, newTenant: isRegistration)
        (devices, attributes) = (rows.devices, rows.attributes)
        if let deferral, case .registration(let initial) = event.payload {
            let catalogue = catalogue
            try deferral.write(tenantID, values: after.values, event: event.id,
                               text: { Self.isSpecial($0, in: catalogue) ? nil : initial[$0]?.text },
                               in: db, devices: &devices, attributes: &attributes)
        }
        if case .erasure(let attribute) = event.payload, outcome == .applied {
            try Vault.erase(db, tenantID: tenantID, attribute: attribute, upTo: hlc, special: isSpecial(attribute))
            if isSpecial(attribute) { queuedVaultErasures = true }
        }
        if sealedRows.count >= 20_000 { try flushVault() }
        return StoredEvent(position: position, event: event, erasedValues: [])
    }

    /// Times are stored in milliseconds; round them before use so the projection written now equals
    /// the fold of the stored ledger later.
    private static func roundingTimes(_ payload: EventPayload) -> EventPayload {
        if case let .heldGrant(purpose, attributes, notice, until?) = payload {
            return .heldGrant(purpose, attributes, notice: notice, validUntil: Millis.date(Millis.from(until)))
        }
        guard case let .decision(purpose, attributes, state, notice, until?) = payload else { return payload }
        return .decision(purpose, attributes, state, notice: notice, validUntil: Millis.date(Millis.from(until)))
    }

    private func isSpecial(_ attribute: AttributeID) -> Bool { Self.isSpecial(attribute, in: catalogue) }

    /// Whether `attribute` is sealed in the vault (an attribute Forms do not know is, failing closed).
    private static func isSpecial(_ attribute: AttributeID, in catalogue: Catalogue) -> Bool {
        catalogue.attribute(attribute)?.isSpecial ?? true
    }

    /// Stores the values an event records and returns the digest the chain covers. Special-category
    /// values are sealed and gathered for the vault; without a key they are refused.
    private mutating func storeValues(_ event: Event, tenantID: Int64) throws -> Data? {
        let values: [(AttributeID, AttributeValue)]
        switch event.payload {
        case .registration(let initial): values = initial.map { ($0.key, $0.value) }
        case let .correction(attribute, value, _): values = [(attribute, value)]
        case let .request(_, attribute?, proposed?): values = [(attribute, proposed)]
        default: return nil
        }
        var digests: [(AttributeID, Data)] = []
        for (attribute, value) in values {
            let salt = ValueDigest.salt()
            let digest = ValueDigest.of(value, attribute: attribute, salt: salt)
            digests.append((attribute, digest))
            if isSpecial(attribute) {
                let associatedData = Sealing.associatedData(tenant: event.tenant, attribute: attribute, event: event.id)
                let keyID: String, sealed: Data
                switch try vault.keys.sealer() {
                case .organisation(let recipient):
                    keyID = recipient.id
                    sealed = try OrganisationSeal.seal(value, salt: salt, to: recipient, associatedData: associatedData)
                case .dataKey(let id, let key):
                    keyID = id
                    sealed = try Sealing.seal(value, salt: salt, key: key, associatedData: associatedData)
                }
                sealedRows.append(SealedRow(deviceNo: deviceNo, sequence: event.id.sequence, attribute: attribute.rawValue, tenantID: tenantID,
                                            keyID: keyID, sealed: sealed, preferNot: value == .preferNotToSay, digest: digest))
                continue
            }
            try LedgerRow.insertValue(deviceNo: deviceNo, sequence: event.id.sequence, attribute: attribute.rawValue, tenantID: tenantID,
                                      text: value.text, preferNot: value == .preferNotToSay, salt: salt, digest: digest, statements: statements)
        }
        return ValueDigest.combine(digests)
    }

}

/// Removal of erased values: the value and its salt go, the whole digest stays so the chain still verifies.
/// Special-category values are listed as due and forgotten by the vault after the main file commits.
enum Vault {
    static func erase(_ db: Database, tenantID: Int64, attribute: AttributeID, upTo hlc: HLCTimestamp, special: Bool) throws {
        if special {
            try db.execute(sql: """
                INSERT INTO vault_erasure_due (device_no, device_seq, attribute_id)
                SELECT device_no, device_seq, ? FROM ledger WHERE tenant_id = ? AND hlc <= ? AND values_digest IS NOT NULL
                """, arguments: [attribute.rawValue, tenantID, hlc.packed])
            return
        }
        try db.execute(sql: """
            UPDATE value SET \(StoredValueDigest.erasingSQL)
            WHERE attribute_id = ? AND (device_no, device_seq) IN
                (SELECT device_no, device_seq FROM ledger WHERE tenant_id = ? AND hlc <= ?)
            """, arguments: [attribute.rawValue, tenantID, hlc.packed])
    }
}

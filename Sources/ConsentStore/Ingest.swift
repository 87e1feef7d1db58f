import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// Stores events made on other devices, inside one write transaction: at the centre when a device
/// pushes, on a device when it pulls. Each event is checked against its device's chain, stored
/// exactly as it came (same fields, same hash, same salted digests, of which a held ordinary value's
/// row keeps its 4-byte check, ``StoredValueDigest``; special categories still
/// sealed; at a centre holding its key-encryption key, a value sealed to the organisation's key is
/// sealed again under the centre's own data key, ``VaultKeyring/resealedForCentre(_:keyID:associatedData:)``),
/// and merged into the projection with the same `TenantState.apply` as local changes.
/// At the centre, `PushPlanner` has already decided which events of a push are stored (their chain,
/// Forms, rules and staff checked); each comes here `.sound`.
package struct LedgerIngester {
    /// What became of one received event.
    package enum Step: Equatable {
        /// Stored; the merge's outcome and the event's central sequence.
        case stored(MergeOutcome, central: Int64)
        /// Already stored here (a resend); its central sequence, if known.
        case duplicate(central: Int64?)
        /// Not stored: this side cannot apply it (its Forms or register do not know it).
        case rejected(String)
    }

    private let db: Database
    private let catalogue: Catalogue
    private let keys: VaultKeyring
    private let vaultWriter: VaultWriter
    private let ownDevice: DeviceID
    /// At the centre, received events are numbered here (central sequence = ledger position);
    /// on a device they bring the centre's number with them.
    private let numbersCentrally: Bool
    package private(set) var devices: DeviceNumbers
    private var attributes = AttributeNumbering()
    /// Registrations received in this transaction; from the ``deferredFrom``th on, `tenant_values` is kept at its end.
    private var registrations = 0
    private var deferral: TenantValueDeferral?
    /// Dropping and creating the insert trigger again (a schema change: the connection's statements are prepared
    /// again) costs about as much as the trigger's own work for this many registrations.
    static let deferredFrom = 16
    private let statements: StatementCache
    private var heads: [Int64: (sequence: Int64, hash: Data)] = [:]
    private var tenantIDs: [String: Int64] = [:]
    /// Tenants this ingester inserted (by their registration): every other tenant was held before.
    private var insertedTenants: Set<Int64> = []
    private var sealedRows: [SealedRow] = []
    package private(set) var queuedVaultErasures = false
    /// The latest clock reading among received events.
    private(set) var latestRemoteClock: Int64 = 0
    /// On a device: the highest central sequence held, and whether any own event is unsent. An event
    /// numbered above everything held, with nothing unsent, lands in central order already, so its
    /// decision needs no re-fold (the common case: a pull after a push).
    private var highestCentral: Int64 = 0
    private var hasUnsent = false

    package init(_ db: Database, catalogue: Catalogue, keys: VaultKeyring, vaultWriter: VaultWriter, ownDevice: DeviceID, centre: Bool) throws {
        self.db = db
        self.catalogue = catalogue
        self.keys = keys
        self.vaultWriter = vaultWriter
        self.ownDevice = ownDevice
        numbersCentrally = centre
        devices = try DeviceNumbers(db)
        statements = StatementCache(db)
        if !centre {
            highestCentral = try Int64.fetchOne(db, sql: "SELECT max(central_seq) FROM ledger") ?? 0
            hasUnsent = try Int.fetchOne(db, sql: """
                SELECT 1 FROM ledger WHERE pushed = 0 AND device_no = (SELECT no FROM device WHERE id = ?) LIMIT 1
                """, arguments: [ownDevice.rawValue]) != nil
        }
    }

    /// The last stored event of a device's chain; the first time a device is met in this
    /// transaction, vault rows left past it by a transaction that never committed are removed.
    private mutating func head(_ deviceNo: Int64) throws -> (sequence: Int64, hash: Data) {
        if let head = heads[deviceNo] { return head }
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM chain_head WHERE device_no = ?"), arguments: [deviceNo])
        let sequence: Int64 = row?["seq"] ?? 0
        let hash: Data = row?["hash"] ?? ValueDigest.empty
        let head = (sequence: sequence, hash: hash)
        try vaultWriter.removeUncommitted(deviceNo: deviceNo, after: head.sequence)
        heads[deviceNo] = head
        return head
    }

    /// Checks, stores and merges one received event. Throws (refusing the whole batch) on a gap in
    /// its device's sequence or a broken chain. `prechecked` is what an `IntegrityPrecheck` found
    /// for it, when one ran: a `.sound` event was checked against its predecessor in the same
    /// message, which the sequence check below proves is this device's stored head (stored from
    /// that message, or found equal to it as a duplicate; at the centre, by the push's plan), so its
    /// hash need not be computed again; and its Forms were checked. Without it, everything is checked here.
    package mutating func ingest(_ wire: WireEvent, prechecked: (verdict: IntegrityPrecheck.Verdict, catalogueProblem: String?)? = nil) throws -> Step {
        let r = wire.record
        let deviceID = DeviceID(r.device)
        if deviceID == ownDevice && !numbersCentrally, try !forgottenOwnEvent(r) { return try ownEventReturned(wire) }
        let deviceNo = try devices.number(deviceID, in: db)
        let head = try head(deviceNo)
        let verdict = prechecked?.verdict ?? .unchecked
        if case .broken(let problem) = verdict { throw CentralStoreError.invalid(problem) }
        var link: Data?
        if r.sequence <= head.sequence {
            // An office's device holds only part of another device's chain: an earlier event it does not
            // hold yet (a tenant moved into its office) comes with the hash it follows.
            guard !numbersCentrally, try storedHash(deviceNo, r.sequence) == nil else { return try duplicate(wire, deviceNo: deviceNo) }
            let held = r.sequence == 1 ? ValueDigest.empty : try storedHash(deviceNo, r.sequence - 1)
            guard let previous = wire.previous ?? held else {
                throw CentralStoreError.invalid("event \(r.device)#\(r.sequence) came without the hash of the event it follows")
            }
            if let held, held != previous {
                throw CentralStoreError.invalid("event \(r.device)#\(r.sequence) follows a different event than the one held here")
            }
            link = held == nil ? previous : nil
            try checkLinked(wire, previous: previous, verdict: verdict)
        } else if r.sequence != head.sequence + 1 {
            guard !numbersCentrally, let previous = wire.previous else { throw CentralStoreError.gap(expected: head.sequence + 1) }
            link = previous
            try checkLinked(wire, previous: previous, verdict: verdict)
        } else {
            if let previous = wire.previous, previous != head.hash {
                throw CentralStoreError.invalid("event \(r.device)#\(r.sequence) follows a different event than the one held here")
            }
            if verdict == .unchecked, let problem = WireCheck.integrityProblem(wire, after: head.hash) { throw CentralStoreError.invalid(problem) }
        }
        let catalogueProblem = prechecked.map(\.catalogueProblem) ?? WireCheck.catalogueProblem(wire, catalogue: catalogue)
        if let problem = catalogueProblem { return .rejected(problem) }
        guard let tenantID = try tenantID(r) else { return .rejected("event \(r.device)#\(r.sequence): tenant \(r.tenant) is not registered here") }
        let numbering: LedgerRow.Central
        if numbersCentrally {
            numbering = .position
        } else if let given = wire.central {
            numbering = .given(given)
        } else {
            throw CentralStoreError.invalid("event \(r.device)#\(r.sequence) came from the centre without a central sequence")
        }
        let central = try LedgerRow.insert(r, deviceNo: deviceNo, tenantID: tenantID, hash: wire.hash, central: numbering,
                                           pushed: true, statements: statements)
        if let link {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO chain_link (device_no, device_seq, prev_hash) VALUES (?, ?, ?)")
                .execute(arguments: [deviceNo, r.sequence, link])
        }
        let answers = try storeValues(wire, deviceNo: deviceNo, tenantID: tenantID)
        let event = r.event(centralSequence: central, answers: answers)

        if case .registration = event.payload {
            registrations += 1
            if registrations == Self.deferredFrom { deferral = try TenantValueDeferral.begin(db) }
        }
        var rows = ProjectionRows(db: db, devices: devices, statements: statements, keys: keys)
        rows.attributes = attributes
        rows.deferredCells = deferral
        // A registration of a tenant held here already (this device registered them too, and the centre refused
        // that; the centre's own arrives now) merges value by value with what is held, as the ledger's fold does.
        let before = try rows.load(tenantID, event.tenant, touching: event.payload, stored: (deviceNo, r.sequence),
                                   registeredBefore: !insertedTenants.contains(tenantID))
        var after = before
        let outcome = after.apply(event)
        try rows.save(tenantID, before: before, after: after, touching: event.payload)
        if !numbersCentrally, hasUnsent || (central ?? 0) < highestCentral, Self.setsDecisions(event.payload) {
            try rows.refoldDecisions(tenantID, event.tenant)
        }
        highestCentral = max(highestCentral, central ?? 0)
        (devices, attributes) = (rows.devices, rows.attributes)
        if case .erasure(let attribute) = event.payload, outcome == .applied {
            let special = catalogue.attribute(attribute)?.isSpecial ?? true
            try Vault.erase(db, tenantID: tenantID, attribute: attribute, upTo: event.hlc, special: special)
            if special { queuedVaultErasures = true }
        }
        if r.sequence > head.sequence { heads[deviceNo] = (r.sequence, wire.hash) }
        latestRemoteClock = max(latestRemoteClock, r.hlc)
        if sealedRows.count >= 20_000 { try flushVault() }
        return .stored(outcome, central: central ?? 0)
    }

    /// Whether an event can change a decision (and so must land in central order).
    private static func setsDecisions(_ payload: EventPayload) -> Bool {
        switch payload {
        case .decision, .heldGrant, .verification: true
        default: false
        }
    }

    /// The hash of event `sequence` of a device, if it is stored here.
    private func storedHash(_ deviceNo: Int64, _ sequence: Int64) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM ledger WHERE device_no = ? AND device_seq = ?"),
                          arguments: [deviceNo, sequence])
    }

    /// Checks an event whose predecessor this device does not hold against the hash the centre named
    /// (unless the precheck already did, against that hash or the predecessor in the same page).
    private func checkLinked(_ wire: WireEvent, previous: Data, verdict: IntegrityPrecheck.Verdict) throws {
        guard verdict == .unchecked else { return }
        if let problem = WireCheck.integrityProblem(wire, after: previous) { throw CentralStoreError.invalid(problem) }
    }

    /// A resent event: the same one as stored (same hash), or a refusal of the batch when a device
    /// sends a different event under a number it used before (a replaced or copied database).
    private func duplicate(_ wire: WireEvent, deviceNo: Int64) throws -> Step {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT hash, central_seq FROM ledger WHERE device_no = ? AND device_seq = ?"),
                                   arguments: [deviceNo, wire.record.sequence])
        let previous = wire.record.sequence == 1 ? ValueDigest.empty : try Data.fetchOne(db.cachedStatement(sql: """
            SELECT hash FROM ledger WHERE device_no = ? AND device_seq = ?
            UNION ALL SELECT prev_hash FROM chain_link WHERE device_no = ? AND device_seq = ?
            """), arguments: [deviceNo, wire.record.sequence - 1, deviceNo, wire.record.sequence])
        // Same number, same hash, and the record as sent hashes to it: the very event stored.
        guard let row, (row["hash"] as Data?) == wire.hash, let previous, wire.record.hash(after: previous) == wire.hash else {
            throw CentralStoreError.invalid("""
                event \(wire.record.device)#\(wire.record.sequence) differs from the one stored under that number; \
                a device database was replaced or copied: enrol it as a new device
                """)
        }
        return .duplicate(central: row["central_seq"])
    }

    /// Whether `r` is an event this device made and sent, then forgot with its tenant when they left this
    /// office (`Departure`), coming back now that they are in its office again: it is stored like any other.
    private mutating func forgottenOwnEvent(_ r: EventRecord) throws -> Bool {
        let deviceNo = try devices.number(ownDevice, in: db)
        return try r.sequence <= head(deviceNo).sequence && storedHash(deviceNo, r.sequence) == nil
    }

    /// One of this device's own events, coming back from the centre: nothing to store, but its
    /// central sequence is now known (if the push's reply was lost, this is its acknowledgement).
    private mutating func ownEventReturned(_ wire: WireEvent) throws -> Step {
        let deviceNo = try devices.number(ownDevice, in: db)
        let step = try duplicate(wire, deviceNo: deviceNo)
        highestCentral = max(highestCentral, wire.central ?? 0)
        if case .duplicate(nil) = step, let central = wire.central {
            try CentralNumbers.record(central, for: wire.record.sequence, deviceNo: deviceNo, in: db, devices: devices, keys: keys,
                                      statements: statements)
        }
        return step
    }

    /// The local id of the event's tenant, registering a new one for a registration event (ids
    /// are kept for the ingester's transaction: a page names each tenant several times).
    private mutating func tenantID(_ r: EventRecord) throws -> Int64? {
        if let id = tenantIDs[r.tenant] { return id }
        if let id = try LedgerRow.tenantID(r.tenant, statements: statements) {
            tenantIDs[r.tenant] = id
            return id
        }
        guard r.kind == "registration" else { return nil }
        let id = try LedgerRow.insertTenant(r.tenant, statements: statements)
        tenantIDs[r.tenant] = id
        insertedTenants.insert(id)
        return id
    }

    /// Stores the event's values as they came: ordinary ones in clear with their salt, special
    /// categories sealed (gathered for the vault). Returns them as answers for the projection, a
    /// placeholder standing for a sealed or erased one (the projection keeps only which event holds
    /// the value).
    private mutating func storeValues(_ wire: WireEvent, deviceNo: Int64, tenantID: Int64) throws -> [AttributeID: AttributeValue] {
        var answers: [AttributeID: AttributeValue] = [:]
        for v in wire.values {
            let attribute = AttributeID(v.attribute)
            answers[attribute] = v.answer
            if catalogue.attribute(attribute)?.isSpecial ?? true {
                guard v.text == nil else {
                    throw CentralStoreError.invalid("event \(wire.record.device)#\(wire.record.sequence): special-category value \(v.attribute) was sent unsealed")
                }
                var (keyID, sealed) = (v.keyID, v.sealed)
                if numbersCentrally, let k = keyID, let s = sealed {
                    let place = Sealing.associatedData(tenant: TenantRef(wire.record.tenant), attribute: attribute,
                                                       event: EventID(device: DeviceID(wire.record.device), sequence: wire.record.sequence))
                    if let resealed = keys.resealedForCentre(s, keyID: k, associatedData: place) { (keyID, sealed) = resealed }
                }
                sealedRows.append(SealedRow(deviceNo: deviceNo, sequence: wire.record.sequence, attribute: v.attribute, tenantID: tenantID,
                                            keyID: keyID, sealed: sealed, preferNot: v.preferNot, digest: v.digest))
                continue
            }
            try LedgerRow.insertValue(deviceNo: deviceNo, sequence: wire.record.sequence, attribute: v.attribute, tenantID: tenantID,
                                      text: v.salt == nil ? nil : v.text, preferNot: v.preferNot, salt: v.salt, digest: v.digest,
                                      statements: statements)
        }
        return answers
    }

    private mutating func flushVault() throws {
        try vaultWriter.commit(sealedRows)
        sealedRows.removeAll(keepingCapacity: true)
    }

    /// Commits gathered vault rows and the received data keys, then saves each device's chain head;
    /// call once after the last event, before the transaction commits.
    package mutating func finish(dataKeys: [WireDataKey], now: Date) throws {
        try deferral?.finish(db)
        deferral = nil
        try vaultWriter.addDataKeys(dataKeys, now: now)
        try flushVault()
        for (deviceNo, head) in heads {
            try db.cachedStatement(sql: """
                INSERT INTO chain_head (device_no, seq, hash) VALUES (?, ?, ?)
                ON CONFLICT (device_no) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                """).execute(arguments: [deviceNo, head.sequence, head.hash])
        }
    }
}

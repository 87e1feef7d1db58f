import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// What `consent ledger verify` found.
public struct VerificationReport: Sendable, Codable, Equatable {
    public var events = 0
    public var tenants = 0
    public var devices = 0
    /// What is wrong, first found first (at most ``VerificationReport/limit``).
    public var problems: [String] = []
    /// Special-category values this database holds sealed for the centre (a device): their chain entries
    /// and digests are checked here as stored, but whether each seal still holds the value its digest
    /// names is checked only where they open, at the centre.
    public var checkedAtCentre = 0
    public var ok: Bool { problems.isEmpty }

    static let limit = 20

    /// What a device's verification leaves to the centre, as one line; nil when nothing is.
    public var centreNote: String? {
        checkedAtCentre == 0 ? nil : "\(checkedAtCentre) special-category value(s) are sealed for the centre and do not open here: "
            + "their ledger entries and digests are in the chain checked above; whether each seal holds its value is checked by `consent ledger verify` at the centre"
    }

    mutating func problem(_ text: String) {
        if problems.count < Self.limit { problems.append(text) }
    }
}

extension ConsentDatabase {
    /// Checks the whole database: SQLite's own integrity check of both files, every device's hash chain (sequence, order, content, values,
    /// head), and that the projection equals the fold of the ledger for every tenant. On a device that seals special-category
    /// values for the centre, the seals it cannot open are counted in ``VerificationReport/checkedAtCentre`` instead of opened.
    /// `progress` is called with (tenants checked, tenants in all).
    public func verify(progress: (Int, Int) -> Void = { _, _ in }) throws(StoreError) -> VerificationReport {
        try read { db in
            if keys.kek == nil, !keys.sealsForCentre, try Int.fetchOne(db, sql: "SELECT 1 FROM vault.value WHERE sealed IS NOT NULL LIMIT 1") != nil {
                throw StoreError.keyUnavailable(reason: (keys.missingReason ?? "no key") + "; verify opens every special-category value to check it")
            }
            var report = VerificationReport()
            for schema in ["main", "vault"] {
                for line in try String.fetchAll(db, sql: "PRAGMA \(schema).integrity_check") where line != "ok" {
                    report.problem("SQLite integrity check of the \(schema == "main" ? "main file" : "vault"): \(line)")
                }
            }
            let devices = try DeviceNumbers(db)
            try verifyChains(db, devices, &report)
            try verifyProjection(db, devices, &report, progress)
            return report
        }
    }

    private func verifyChains(_ db: Database, _ devices: DeviceNumbers, _ report: inout VerificationReport) throws {
        let rows = LedgerRows(devices: devices, keys: keys)
        for deviceNo in try Int64.fetchAll(db, sql: "SELECT DISTINCT device_no FROM ledger ORDER BY device_no") {
            report.devices += 1
            let name = devices.id(deviceNo).rawValue
            var head = ValueDigest.empty
            var expected: Int64 = 1
            var values = try ValueRowStream(db: db, deviceNo: deviceNo)
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT \(LedgerRows.columns) FROM ledger l LEFT JOIN tenant t ON t.id = l.tenant_id
                WHERE l.device_no = ? ORDER BY l.device_seq
                """, arguments: [deviceNo])
            while let row = try cursor.next() {
                report.events += 1
                let f = rows.fields(row)
                let at = "event \(name)#\(f.sequence) (ledger position \(row.integer("position") ?? 0))"
                if f.sequence != expected, let link = try Data.fetchOne(db.cachedStatement(sql: """
                    SELECT prev_hash FROM chain_link WHERE device_no = ? AND device_seq = ?
                    """), arguments: [deviceNo, f.sequence]), f.sequence > expected {
                    // Held without its predecessor (another office's events are not pulled): checked against the hash it follows.
                    if f.hash(after: link) != row.blob("hash") { report.problem("\(at): its content was changed after it was written (hash mismatch)") }
                } else if f.sequence != expected {
                    report.problem("\(at): expected sequence \(expected) of \(name); an event was removed, inserted or reordered")
                } else if f.hash(after: head) != row.blob("hash") {
                    report.problem("\(at): its content was changed after it was written (hash mismatch)")
                }
                expected = f.sequence + 1
                head = row.blob("hash") ?? ValueDigest.empty
                let stored = try values.rows(for: f.sequence)
                if let digest = f.valuesDigest {
                    var parts: [(AttributeID, Data)] = []
                    // A changed value is named once: its row cannot give the digest the chain covers.
                    var changed = false
                    for value in stored {
                        let attribute = AttributeID(value.text("attribute_id") ?? "")
                        var recorded = value.blob("digest") ?? Data()
                        if value.hasColumn("sealed"), let sealed = value.blob("sealed") {
                            let event = EventID(device: DeviceID(name), sequence: f.sequence)
                            let keyID = value.text("key_id") ?? ""
                            if keys.leavesToCentre(keyID) {
                                report.checkedAtCentre += 1
                            } else if let opened = keys.open(sealed, keyID: keyID, tenant: TenantRef(f.tenant), attribute: attribute, event: event) {
                                if ValueDigest.of(opened.value, attribute: attribute, salt: opened.salt) != recorded
                                    || (opened.value == .preferNotToSay) != ((value.integer("prefer_not") ?? 0) != 0) {
                                    report.problem("\(at): the stored value of \(attribute) was changed")
                                }
                            } else {
                                report.problem("\(at): the sealed value of \(attribute) does not open (changed, moved from another row, or its data key is missing)")
                            }
                        } else if !value.hasColumn("sealed"), let salt = value.blob("salt") {
                            let answer = AttributeValue(storedText: value.text("value"), preferNotToSay: (value.integer("prefer_not") ?? 0) != 0)
                            let derived = ValueDigest.of(answer, attribute: attribute, salt: salt)
                            if StoredValueDigest.matches(derived, stored: recorded) {
                                // A row keeping only its check stands for the whole digest it begins with.
                                recorded = derived
                            } else {
                                report.problem("\(at): the stored value of \(attribute) was changed")
                                changed = true
                            }
                        } else if try !Self.erasureRecorded(db, tenantID: row.integer("tenant_id") ?? 0, attribute: attribute, after: f.hlc) {
                            report.problem("\(at): the value of \(attribute) is gone but no erasure was recorded")
                        }
                        parts.append((attribute, recorded))
                    }
                    if !changed && ValueDigest.combine(parts) != digest {
                        report.problem("\(at): its values were removed or replaced")
                    }
                } else if !stored.isEmpty {
                    report.problem("\(at): has values but its ledger entry records none")
                }
            }
            let chainHead = try Row.fetchOne(db, sql: "SELECT seq, hash FROM chain_head WHERE device_no = ?", arguments: [deviceNo])
            if let chainHead, chainHead.integer("seq") != expected - 1 || chainHead.blob("hash") != head,
               try !Self.tailForgotten(db, deviceNo: deviceNo, head: chainHead, heldUpTo: expected - 1) {
                report.problem("device \(name): the last events of its chain were removed (head is at \(chainHead.integer("seq") ?? 0), ledger ends at \(expected - 1))")
            }
        }
    }

    /// Whether a chain's last events here went with a tenant who left this office (`Departure`): the
    /// link kept for the event after the head names the head's hash, and the head is past what is held.
    static func tailForgotten(_ db: Database, deviceNo: Int64, head: Row, heldUpTo: Int64) throws -> Bool {
        guard let seq = head.integer("seq"), seq > heldUpTo, let hash = head.blob("hash") else { return false }
        return try Data.fetchOne(db, sql: "SELECT prev_hash FROM chain_link WHERE device_no = ? AND device_seq = ?",
                                 arguments: [deviceNo, seq + 1]) == hash
    }

    /// Whether the ledger holds an erasure of `attribute` for the tenant at or after `hlc`.
    static func erasureRecorded(_ db: Database, tenantID: Int64, attribute: AttributeID, after hlc: Int64) throws -> Bool {
        try Int.fetchOne(db, sql: """
            SELECT 1 FROM ledger WHERE tenant_id = ? AND kind = 'erasure' AND attribute_id = ? AND hlc >= ? LIMIT 1
            """, arguments: [tenantID, attribute.rawValue, hlc]) != nil
    }

    /// The fold with each value whose seal this process cannot open shown as the projection shows it
    /// (unavailable) rather than as the placeholder the fold was given for it.
    static func markingUnavailable(_ state: TenantState, _ events: [StoredEvent]) -> TenantState {
        var unopened: Set<String> = []
        for stored in events {
            for attribute in stored.unavailableValues { unopened.insert("\(stored.event.id.device.rawValue)#\(stored.event.id.sequence)#\(attribute.rawValue)") }
        }
        guard !unopened.isEmpty else { return state }
        var state = state
        for (attribute, record) in state.values {
            // "Prefer not to say" is shown as held, sealed or not (the projection keeps it in clear).
            guard case .held(let value, let source) = record.state, value != .preferNotToSay,
                  unopened.contains("\(source.device.rawValue)#\(source.sequence)#\(attribute.rawValue)") else { continue }
            state.values[attribute]?.state = .unavailable(source: source)
        }
        return state
    }

    private func verifyProjection(
        _ db: Database, _ devices: DeviceNumbers, _ report: inout VerificationReport, _ progress: (Int, Int) -> Void
    ) throws {
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM tenant") ?? 0
        // The row of current values holds exactly the projection, each text its value row's and none written beside
        // a sealed or withheld value: the fold below compares only what the projection shows, so such text would
        // otherwise go unseen, in clear.
        try Self.verifyTenantValues(db, &report)
        // A centre serves pulls by the office kept beside each tenant (a device keeps it too but reads nothing by it,
        // and learns central numbers only later).
        if isCentre {
            for ref in try String.fetchAll(db, sql: OfficeColumns.driftQuery) { report.problem(OfficeColumns.drift(ref)) }
        }
        let ledgerRows = LedgerRows(devices: devices, keys: keys)
        let projection = ProjectionRows(db: db, devices: devices, keys: keys)
        let tenants = try Row.fetchCursor(db, sql: "SELECT id, ref FROM tenant ORDER BY id")
        var decisions = try DecisionsInRegisterOrder(db, projection: projection)
        defer { decisions.finish() }
        while let tenant = try tenants.next() {
            report.tenants += 1
            let ref = TenantRef(tenant.text("ref") ?? "")
            let id = tenant.integer("id") ?? 0
            let events = try ledgerRows.events(db, tenantID: id)
            let folded = Self.markingUnavailable(TenantState.fold(ref, events.map(\.event)), events)
            let stored = try projection.loadAll(id, ref, decisions: &decisions)
            if folded != stored {
                report.problem("tenant \(ref): \(stored.difference(from: folded) ?? "the projection differs from the ledger")")
            }
            if report.tenants % 1000 == 0 { progress(report.tenants, total) }
        }
        progress(report.tenants, total)
    }
}

/// The value rows of one device in sequence order, from the main file and the vault together,
/// read alongside that device's ledger rows (a merge join, so memory stays flat).
private struct ValueRowStream {
    private var cursors: [RowCursor]
    private var peeked: [Row?]

    init(db: Database, deviceNo: Int64) throws {
        cursors = try ["value", "vault.value"].map { table in
            try Row.fetchCursor(db, sql: "SELECT * FROM \(table) WHERE device_no = ? ORDER BY device_seq, attribute_id", arguments: [deviceNo])
        }
        peeked = []
        for i in cursors.indices { peeked.append(try cursors[i].next()?.copy()) }
    }

    /// The value rows of `sequence`, skipping any left over from earlier sequences.
    mutating func rows(for sequence: Int64) throws -> [Row] {
        var out: [Row] = []
        for i in cursors.indices {
            while let row = peeked[i], (row.integer("device_seq") ?? 0) <= sequence {
                if row.integer("device_seq") == sequence { out.append(row) }
                peeked[i] = try cursors[i].next()?.copy()
            }
        }
        return out
    }
}

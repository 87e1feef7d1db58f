import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Tenants whose name has words starting with each word of `name` and whose postcode starts with
    /// `postcode` (either may be empty, not both), case- and accent-insensitive, through the search
    /// index: a range of one index per word, never a scan of the register.
    public func findTenants(name: String, postcode: String, limit: Int = 20) throws(StoreError) -> [TenantMatch] {
        var terms = SearchKeys.words(name).map { "n:" + $0 }
        let code = SearchKeys.postcode(postcode)
        if !code.isEmpty { terms.append("p:" + code) }
        guard !terms.isEmpty else { return [] }
        return try read { db in
            // Drive the search from the rarest term (counted up to a cap, through the index), so a common
            // first name with a rare postcode does not walk every tenant with that name.
            var driver = terms[0]
            if terms.count > 1 {
                var fewest = Int.max
                for term in terms {
                    let count = try Int.fetchOne(db, sql: """
                        SELECT count(*) FROM (SELECT 1 FROM tenant_search WHERE key >= ? AND key < ? LIMIT 5000)
                        """, arguments: [term, term + "\u{10FFFF}"]) ?? 0
                    if count < fewest { (driver, fewest) = (term, count) }
                }
            }
            let others = terms.filter { $0 != driver }
            var sql = "SELECT s.tenant_id FROM tenant_search s WHERE s.key >= ? AND s.key < ?"
            var arguments: StatementArguments = [driver, driver + "\u{10FFFF}"]
            for term in others {
                sql += " AND EXISTS (SELECT 1 FROM tenant_search o WHERE o.tenant_id = s.tenant_id AND o.key >= ? AND o.key < ?)"
                arguments += [term, term + "\u{10FFFF}"]
            }
            // No GROUP BY: it would sort the whole range before the limit. A tenant matched by two of
            // their words comes twice, so fetch a few more and drop repeats.
            sql += " LIMIT ?"
            arguments += [limit * 4]
            var seen: Set<Int64> = []
            let ids = try Int64.fetchAll(db, sql: sql, arguments: arguments).filter { seen.insert($0).inserted }.prefix(limit)
            return try ids.compactMap { try Self.match(db, tenantID: $0) }.sorted { ($0.name ?? "", $0.reference) < ($1.name ?? "", $1.reference) }
        }
    }

    /// The tenant with this reference, if any.
    public func findTenant(reference: TenantRef) throws(StoreError) -> TenantMatch? {
        try read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM tenant WHERE ref = ?", arguments: [reference.rawValue]) else { return nil }
            return try Self.match(db, tenantID: id)
        }
    }

    private static func match(_ db: Database, tenantID: Int64) throws -> TenantMatch? {
        guard let ref = try String.fetchOne(db, sql: "SELECT ref FROM tenant WHERE id = ?", arguments: [tenantID]) else { return nil }
        let values = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT c.attribute_id, v.value FROM current_value c
            JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
            WHERE c.tenant_id = ? AND c.attribute_id IN ('full-name', 'postcode') AND c.status = 'value'
            """), arguments: [tenantID])
        let byAttribute = Dictionary(values.map { ($0["attribute_id"] as String, $0["value"] as String? ?? "") }, uniquingKeysWith: { a, _ in a })
        let markers = try String.fetchAll(db.cachedStatement(sql: "SELECT marker FROM tenant_marker WHERE tenant_id = ? AND active = 1 ORDER BY marker"),
                                          arguments: [tenantID])
        return TenantMatch(reference: ref, name: byAttribute["full-name"], postcode: byAttribute["postcode"], markers: markers,
                           jointTenants: try jointTenants(db, of: ref).map(\.rawValue))
    }

    /// Sets or clears a marker (ids from Forms/staff.yaml; the caller checks them) as a ledger event:
    /// audited, in the tenant's history, and carried by sync to every terminal.
    public func setMarker(_ marker: String, on: Bool, for ref: TenantRef, by staff: StaffID) throws(StoreError) {
        try record(ChangeRequest(tenant: ref, payload: .marker(marker, set: on), actor: .staff(staff, verification: nil, reason: nil),
                                 channel: .system))
    }

    /// Checks a staff id and password, counting failures in the database (five lock the account).
    public func staffSignIn(_ id: String, password: String) throws(StoreError) -> StaffSignInOutcome {
        let now = clock()
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT s.id, s.name, s.role, s.kdf, s.salt, s.hash, f.failures, f.last_at, f.locked
                FROM staff s LEFT JOIN staff_sign_in_failure f ON f.staff_id = s.id WHERE s.id = ? AND s.disabled = 0
                """, arguments: [id])
        }
        guard let row else {
            do { _ = try SecretHasher.hash(password) } catch { throw Self.map(error) } // the same work as a real check
            return .failed
        }
        let failures = row["failures"] as Int? ?? 0
        switch Self.failureBar(row, now: now) {
        case .locked?: return .locked
        case .wait(let seconds)?: return .wait(seconds: seconds)
        case nil: break
        }
        // A hash that cannot be checked (a damaged row) is an error to show, not a wrong password to count.
        let ok: Bool
        do { ok = try SecretHasher.matches(password, kdf: row["kdf"], salt: row["salt"], hash: row["hash"]) } catch { throw Self.map(error) }
        if ok {
            try write { db in try db.execute(sql: "DELETE FROM staff_sign_in_failure WHERE staff_id = ?", arguments: [id]) }
            return .signedIn(StaffMember(id: row["id"], name: row["name"], role: StaffRole(rawValue: row["role"]) ?? .support))
        }
        let count = failures + 1
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO staff_sign_in_failure (staff_id, failures, last_at, locked) VALUES (?, ?, ?, ?)",
                           arguments: [id, count, Millis.from(now), count >= Self.maxSignInFailures ? 1 : 0])
        }
        return count >= Self.maxSignInFailures ? .locked : .failed
    }

    /// Clears a staff member's failed sign-ins.
    public func unlockStaff(_ id: String) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM staff_sign_in_failure WHERE staff_id = ?", arguments: [id]) }
    }

    /// Changes waiting for a second person, oldest first: pending corrections, held grants, and open
    /// requests of every kind (``RequestFold``; erasure requests one per tenant and attribute).
    public func heldItems(limit: Int = 200) throws(StoreError) -> [HeldItem] {
        let requests = try heldRequests()
        let held = try read { db in
            let devices = try DeviceNumbers(db)
            let decoder = LedgerRows(devices: devices, keys: nil)
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(LedgerRows.columns) FROM pending_value p
                JOIN ledger l ON l.device_no = p.source_device AND l.device_seq = p.source_seq JOIN tenant t ON t.id = l.tenant_id
                UNION ALL
                SELECT \(LedgerRows.columns) FROM ledger l INDEXED BY ledger_held_grants JOIN tenant t ON t.id = l.tenant_id
                JOIN device d ON d.no = l.device_no
                WHERE l.kind = 'held-grant' AND NOT EXISTS (
                    SELECT 1 FROM ledger v WHERE v.tenant_id = l.tenant_id AND v.kind = 'verification'
                    AND v.target_device = d.id AND v.target_seq = l.device_seq)
                ORDER BY hlc LIMIT ?
                """, arguments: [limit])
            return rows.compactMap { row -> HeldItem? in
                let event = decoder.event(row, values: []).event
                let kind: HeldItem.Kind
                switch event.payload {
                case let .correction(attribute, _, _): kind = .correction(attribute)
                case let .heldGrant(purpose, attributes, _, _): kind = .grant(purpose, attributes)
                default: return nil
                }
                return HeldItem(tenant: event.tenant, event: event.id, kind: kind, takenBy: event.actor, channel: event.channel,
                                at: Millis.date(event.hlc.millis))
            }
        }
        return Array((held + requests).sorted { $0.at < $1.at }.prefix(limit))
    }

    /// Decisions whose projection names an event to re-confirm with the tenant (filled by sync).
    public func conflicts(limit: Int = 200) throws(StoreError) -> [ConflictItem] {
        try read { db in
            let devices = try DeviceNumbers(db)
            return try Row.fetchAll(db, sql: """
                SELECT t.ref, d.attribute_id, d.purpose_id, d.state, d.reconfirm_device, d.reconfirm_seq
                FROM decision d INDEXED BY decision_reconfirm JOIN tenant t ON t.id = d.tenant_id
                WHERE d.reconfirm_seq IS NOT NULL ORDER BY t.ref, d.purpose_id, d.attribute_id LIMIT ?
                """, arguments: [limit]).map { row in
                ConflictItem(reference: row["ref"], attribute: row["attribute_id"], purpose: row["purpose_id"], state: row["state"],
                             losingEvent: EventID(device: devices.id(row["reconfirm_device"]), sequence: row["reconfirm_seq"]).description)
            }
        }
    }
}

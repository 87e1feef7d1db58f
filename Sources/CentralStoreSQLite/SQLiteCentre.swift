import CentralStore
import ConsentCore
import ConsentStore
import ConsentVault
import Crypto
import Foundation
import GRDB
import SyncProtocol

/// The central store on SQLite: a `ConsentDatabase` made with `centre: true`, so its own events
/// and every pushed event get a central sequence (their ledger position; SQLite's single writer
/// makes positions visible in order, so a pull by cursor never skips one), plus the devices it
/// knows. Exports, `tenant show` and `ledger verify` work on it as on any database.
extension ConsentDatabase {
    /// Refuses a device database: the requests of a centre need a central store.
    func requireCentre() throws(StoreError) {
        guard isCentre else {
            throw .sync(.invalid("\(path) is a device database, not a central store; create one with `consent init --centre`"))
        }
    }

    private static func digest(_ text: String) -> Data { Data(SHA256.hash(data: Data(text.utf8))) }

    /// A random code of `length` characters from an alphabet without look-alikes (no 0/O, 1/I/L).
    private static func randomCode(_ length: Int) -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// Issues a one-time enrolment code for a new device of `office`, which it enrols as `kind`; only its hash is stored.
    public func issueEnrolmentCode(office: String, lifetime: TimeInterval, kind: DeviceKind = .kiosk) throws(StoreError) -> String {
        try requireCentre()
        let code = Self.randomCode(12)
        let pretty = "\(code.prefix(4))-\(code.dropFirst(4).prefix(4))-\(code.suffix(4))"
        try write { db in
            try refuseIfMoved(db)
            try db.execute(sql: "INSERT INTO sync_code (code_hash, office, expires_at, kind) VALUES (?, ?, ?, ?)",
                           arguments: [Self.digest(code), office, Millis.from(clock().addingTimeInterval(lifetime)), kind.rawValue])
        }
        return pretty
    }

    /// Enrols a device with a one-time code and returns its credential (stored only as a hash).
    public func enrol(_ request: EnrolRequest) throws(StoreError) -> EnrolResponse {
        try requireCentre()
        let code = request.code.uppercased().filter { $0 != "-" && $0 != " " }
        let now = Millis.from(clock())
        let secretBytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let secret = secretBytes.base64EncodedString()
        if let problem = WireCheck.enrolmentProblem(request) { throw .sync(problem) }
        let device = request.device
        return try write { db in
            try refuseIfMoved(db)
            guard let row = try Row.fetchOne(db, sql: "SELECT office, expires_at, used_at, kind FROM sync_code WHERE code_hash = ?",
                                             arguments: [Self.digest(code)]),
                  (row["used_at"] as Int64?) == nil, (row["expires_at"] as Int64) > now
            else { throw CentralStoreError.badEnrolmentCode }
            if try Int.fetchOne(db, sql: "SELECT 1 FROM sync_device WHERE id = ?", arguments: [device]) != nil
                || device == self.device.rawValue {
                throw CentralStoreError.invalid("a device called \(device) is already enrolled; enrol with a new database")
            }
            // A chain under that name with no enrolment (the centre's own, or one imported or migrated here) stays whose it was.
            if try Int.fetchOne(db, sql: WireCheck.chainHeldQuery(mark: { _ in "?" }), arguments: [device]) != nil {
                throw CentralStoreError.invalid(WireCheck.chainHeldRefusal(device))
            }
            let office: String = row["office"]
            try db.execute(sql: "UPDATE sync_code SET used_at = ? WHERE code_hash = ?", arguments: [now, Self.digest(code)])
            try db.execute(sql: "INSERT INTO sync_device (id, office, secret_hash, enrolled_at, public_key, kind) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [device, office, Self.digest(secret), now, request.signingKey, DeviceKind.recorded(row["kind"]).rawValue])
            return EnrolResponse(device: device, office: office, secret: secret, sealingKey: keys.organisationKey?.raw)
        }
    }

    /// Checks a device's credential: unknown devices and wrong secrets look alike to the caller.
    public func authenticate(device: String, secret: String) throws(StoreError) {
        try requireCentre()
        let row = try read { db in
            try refuseIfMoved(db)
            return try Row.fetchOne(db, sql: "SELECT secret_hash, revoked_at FROM sync_device WHERE id = ?", arguments: [device])
        }
        guard let row, let stored = row["secret_hash"] as Data?,
              Self.constantTimeEqual(stored, Self.digest(secret)) else { throw .sync(.unauthenticated(device)) }
        if (row["revoked_at"] as Int64?) != nil { throw .sync(.revoked(device)) }
    }

    private static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Revokes a device; every later request of it is refused.
    public func revoke(device: String) throws(StoreError) {
        try requireCentre()
        let changed = try write { db in
            try refuseIfMoved(db)
            try db.execute(sql: "UPDATE sync_device SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           arguments: [Millis.from(clock()), device])
            return db.changesCount
        }
        if changed == 0 { throw .sync(.invalid("no enrolled, unrevoked device is called \(device); see `consent device list`")) }
    }

    /// The devices enrolled here, with the last sequence stored from each.
    public func enrolledDevices() throws(StoreError) -> [CentralDevice] {
        try requireCentre()
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.id, d.office, d.enrolled_at, d.revoked_at, COALESCE(h.seq, 0) AS seq, d.kind FROM sync_device d
                LEFT JOIN device n ON n.id = d.id LEFT JOIN chain_head h ON h.device_no = n.no ORDER BY d.id
                """).map {
                CentralDevice(id: $0["id"], office: $0["office"], enrolledAt: Millis.date($0["enrolled_at"]),
                              revokedAt: ($0["revoked_at"] as Int64?).map(Millis.date), lastSequence: $0["seq"],
                              kind: DeviceKind.recorded($0["kind"]))
            }
        }
    }

    /// Applies a push from the authenticated `device` in one transaction: `PushPlanner` decides
    /// (resends get the answer they got before; the first event this centre cannot apply is rejected
    /// and ends the batch; a refusal refuses all), and what it accepted is stored here.
    public func acceptPush(_ request: PushRequest, from device: String) throws(StoreError) -> PushResponse {
        try requireCentre()
        let kek = keys.kek
        if let problem = PushPlanner.precheck(request, authenticated: device, keyRefusal: kek.map { kek in { kek.refusal(of: $0) } }) {
            throw .sync(problem)
        }
        let planner = PushPlanner(validator: validator)
        let now = clock()
        let (response, erasures) = try writeLedger { db in
            let plan = try planner.plan(request, from: device, state: try Self.pushState(request, from: device, ageLimits: planner.ageLimits, in: db), now: Millis.from(now))
            var ingester = try LedgerIngester(db, catalogue: catalogue, keys: keys, vaultWriter: vaultWriter, ownDevice: self.device, centre: true)
            var outcomes: [PushOutcome] = []
            var numbers: [Int64] = []
            for event in plan.accepted {
                // Planned: its chain, values and Forms were checked against the chain head loaded in this transaction.
                guard case let .stored(outcome, central) = try ingester.ingest(event, prechecked: (.sound, nil)) else {
                    throw CentralStoreError.storage("event \(event.record.device)#\(event.record.sequence) was not stored as planned")
                }
                outcomes.append(PushPlan.outcome(outcome))
                numbers.append(central)
            }
            let deviceNo = ingester.devices.byID[DeviceID(device)] ?? 0
            for (event, (outcome, central)) in zip(plan.accepted, zip(outcomes, numbers)) {
                try db.cachedStatement(sql: """
                    INSERT INTO sync_result (device_no, device_seq, outcome, central, reason) VALUES (?, ?, ?, ?, NULL)
                    """).execute(arguments: [deviceNo, event.record.sequence, outcome.rawValue, central])
            }
            try ingester.finish(dataKeys: request.dataKeys, now: now)
            if let head = plan.signedHead {
                try db.execute(sql: "INSERT OR REPLACE INTO sync_head (device, seq, hash, signature, at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [device, head.sequence, head.hash, head.signature, Millis.from(now)])
            }
            for entry in plan.audit { try Self.audit(db, at: now, device: device, what: entry) }
            return (plan.response(outcomes: outcomes, central: numbers), ingester.queuedVaultErasures)
        }
        if erasures { try applyDueErasures() }
        return response
    }

    /// What `PushPlanner` needs of this centre for a push from `device`: its enrolment, chain head,
    /// the stored events it resends (with the answers they got), the batch's known tenants (and those
    /// outside its scope, `PushScope`) and staff, and the dates of birth of tenants answered a question
    /// asked only from an age.
    static func pushState(_ request: PushRequest, from device: String, ageLimits: [AttributeID: Int],
                                  in db: Database) throws -> PushState {
        let enrolled = try Row.fetchOne(db, sql: "SELECT public_key, kind, office, served FROM sync_device WHERE id = ? AND revoked_at IS NULL", arguments: [device])
        let head = try Row.fetchOne(db, sql: "SELECT h.seq, h.hash FROM chain_head h JOIN device n ON n.no = h.device_no WHERE n.id = ?",
                                    arguments: [device])
        let headSequence: Int64 = head?["seq"] ?? 0
        var stored: [Int64: PushState.Stored] = [:]
        for sequence in PushPlanner.storedSequences(request, head: headSequence) {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT l.hash, r.outcome, r.central, r.reason FROM ledger l JOIN device n ON n.no = l.device_no
                LEFT JOIN sync_result r ON r.device_no = l.device_no AND r.device_seq = l.device_seq WHERE n.id = ? AND l.device_seq = ?
                """), arguments: [device, sequence]) else {
                if let setAside = try setAsideLink(db, device: device, sequence: sequence) { stored[sequence] = setAside }
                continue
            }
            let result = PushResult(sequence: sequence, outcome: PushOutcome(rawValue: row["outcome"] ?? "") ?? .applied,
                                    central: row["central"], reason: row["reason"])
            stored[sequence] = PushState.Stored(hash: row["hash"], result: result)
        }
        var known = Set<String>(), outside = Set<String>()
        let tenants = Array(PushPlanner.tenants(request))
        let office: String = enrolled?["office"] ?? "", served: Int64 = enrolled?["served"] ?? 0
        let own = try Int64.fetchOne(db, sql: "SELECT no FROM device WHERE id = ?", arguments: [device]) ?? -1
        for start in stride(from: 0, to: tenants.count, by: 500) {
            let chunk = Array(tenants[start..<min(start + 500, tenants.count)])
            let marks = chunk.indices.map { "?\($0 + 1)" }.joined(separator: ",")
            known.formUnion(try String.fetchAll(db, sql: "SELECT ref FROM tenant WHERE ref IN (\(marks))", arguments: StatementArguments(chunk)))
            outside.formUnion(try String.fetchAll(db, sql: PushScope.outsideQuery(tenants: "IN (\(marks))") { "?\($0 + chunk.count)" },
                                                  arguments: StatementArguments(chunk) + [office, own, device, served]))
        }
        return PushState(enrolment: enrolled.map { .active(publicKey: $0["public_key"]) } ?? .revoked,
                         head: (headSequence, head?["hash"] ?? ValueDigest.empty), stored: stored, knownTenants: known,
                         staff: try activeStaff(WireCheck.staffActors(request.events), in: db),
                         takers: try staffTakers(WireCheck.confirmationTargets(request.events), in: db),
                         birthDates: try birthDates(WireCheck.ageCheckedTenants(request.events, limits: ageLimits), in: db),
                         highestCentral: try Int64.fetchOne(db, sql: "SELECT max(central_seq) FROM ledger") ?? 0,
                         deviceKind: DeviceKind.recorded(enrolled?["kind"]), outsideScope: outside)
    }

    /// The dates of birth this centre holds for `tenants` (those with none are absent).
    private static func birthDates(_ tenants: Set<String>, in db: Database) throws -> [String: String] {
        var dates: [String: String] = [:]
        let refs = Array(tenants)
        for start in stride(from: 0, to: refs.count, by: 500) {
            let chunk = Array(refs[start..<min(start + 500, refs.count)])
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            for row in try Row.fetchAll(db, sql: WireCheck.birthDatesQuery(tenants: "IN (\(marks))"), arguments: StatementArguments(chunk)) {
                if let date: String = row["value"] { dates[row["ref"]] = date }
            }
        }
        return dates
    }

    /// Events with central sequence above `cursor`, at most `limit` (up to a snapshot page), in central order.
    public func pullPage(after cursor: Int64, limit: Int) throws(StoreError) -> PullResponse {
        try requireCentre()
        let limit = max(1, min(limit, SyncWire.maxSnapshotEvents))
        return try read { db in
            try refuseIfMoved(db)
            let (events, _) = try WireRows(db: db, devices: try DeviceNumbers(db))
                .events(where: "l.central_seq > ?", [cursor], order: "l.central_seq", limit: limit + 1)
            let page = Array(events.prefix(limit))
            // No data keys go to devices: a device opens no special-category value (they are read at the centre).
            return PullResponse(events: page, cursor: page.last?.central ?? cursor, more: events.count > limit, dataKeys: [])
        }
    }

    /// Checks each device's latest signed chain head against the ledger: the signature must be the
    /// device's (its enrolled key) and the event it names must still have that hash. A chain
    /// rewritten here, even with every hash recomputed, fails. Returns what is wrong, first first.
    public func verifySignedHeads() throws(StoreError) -> [String] {
        try requireCentre()
        return try read { db in
            var problems: [String] = []
            let devices = try Row.fetchAll(db, sql: """
                SELECT d.id, d.public_key, h.seq, h.hash, h.signature FROM sync_device d LEFT JOIN sync_head h ON h.device = d.id ORDER BY d.id
                """)
            for row in devices {
                let id: String = row["id"]
                guard let key = row["public_key"] as Data? else {
                    problems.append("device \(id) enrolled without a signing key: its chain cannot be checked against it")
                    continue
                }
                guard let seq = row["seq"] as Int64?, let hash = row["hash"] as Data?, let signature = row["signature"] as Data? else { continue }
                let head = SignedHead(device: id, sequence: seq, hash: hash, signature: signature)
                if !head.isValid(publicKey: key) {
                    problems.append("device \(id): the stored head for event #\(seq) is not signed by the device (the head was altered)")
                    continue
                }
                let stored = try Data.fetchOne(db, sql: """
                    SELECT l.hash FROM ledger l JOIN device n ON n.no = l.device_no WHERE n.id = ? AND l.device_seq = ?
                    """, arguments: [id, seq])
                if stored != hash {
                    problems.append("device \(id): event #\(seq) no longer has the hash the device signed: its chain was rewritten at the centre")
                }
            }
            return problems
        }
    }

    /// Records a refused request (bad credential, bad input, a replay that differs) in the audit log.
    public func auditRefusal(device: String?, what: String) throws(StoreError) {
        let now = clock()
        try write { db in try Self.audit(db, at: now, device: device, what: what) }
    }

    /// The audit log's entries, newest last.
    public func syncAudit() throws(StoreError) -> [(at: Date, device: String?, what: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT at, device, what FROM sync_audit ORDER BY id").map {
                (Millis.date($0["at"]), $0["device"], $0["what"])
            }
        }
    }

    /// Appends one line to the audit log (`sync_audit`), cut to its columns' lengths.
    static func audit(_ db: Database, at: Date, device: String?, what: String) throws {
        try db.execute(sql: "INSERT INTO sync_audit (at, device, what) VALUES (?, ?, ?)",
                       arguments: [Millis.from(at), device.map { String($0.prefix(200)) }, String(what.prefix(1_000))])
    }
}

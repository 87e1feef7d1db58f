import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresCentralStore {
    /// Applies a push in one transaction. Lock order, the same in every push so two never wait on
    /// each other: the device's chain head (`FOR UPDATE`), then the rows of the batch's tenants (in
    /// tenant order), then the central counter. The counter's row lock is held from taking central
    /// numbers until commit, so pushes commit in central order; the tenant locks let the projection
    /// rows be read before it.
    public func push(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> PushResponse {
        // What needs no database first: a wrong device is refused before anything is read.
        let key = keyEncryptionKey
        if let problem = PushPlanner.precheck(request, authenticated: device, keyRefusal: key.map { key in { key.refusal(of: $0) } }) {
            throw problem
        }
        let planner = PushPlanner(validator: validator)
        return try await transaction { connection in
            try await self.apply(request, from: device, planner: planner, on: connection)
        }
    }

    /// Loads what the planner needs (``pushState(_:from:planner:on:)``), then writes what it decided.
    private func apply(_ request: PushRequest, from device: String, planner: PushPlanner,
                       on connection: PostgresConnection) async throws -> PushResponse {
        let (state, deviceNo, known) = try await pushState(request, from: device, planner: planner, on: connection)
        let now = self.now()
        let plan = try planner.plan(request, from: device, state: state, now: now)
        return try await store(plan, dataKeys: request.dataKeys, device: device, deviceNo: deviceNo, tenants: known, now: now, on: connection)
    }

    /// Writes what the planner decided for `device` (number `deviceNo` here; `known`, the batch's tenants
    /// already here, by id): new tenants, the accepted events merged into the projection and numbered,
    /// the chain head, the signed head and the audit lines; answers as the push's response.
    func store(_ plan: PushPlan, dataKeys: [WireDataKey], device: String, deviceNo: Int64, tenants known: [String: Int64], now: Int64,
               on connection: PostgresConnection) async throws -> PushResponse {
        var tenants = known
        var outcomes: [PushOutcome] = []
        var first: Int64 = 0

        if !plan.accepted.isEmpty {
            if !plan.newTenants.isEmpty {
                // New tenants are added in a transaction of their own, before any lock: a tenant row alone
                // says nothing (views show only tenants with values), and two pushes registering the
                // same tenant can then never wait on each other while one holds the counter.
                // Numbered in the order they first appear in the batch, as a SQLite centre numbers them,
                // so exports (which read in tenant-number order) list tenants alike at both centres.
                let added = plan.newTenants
                _ = try await client.withConnection { other in
                    try await other.query("""
                        INSERT INTO tenant (ref) SELECT r FROM unnest(\(added)) WITH ORDINALITY AS x(r, n) ORDER BY n ON CONFLICT (ref) DO NOTHING
                        """, logger: self.logger)
                }
                for try await (id, ref) in try await connection.query("SELECT id, ref FROM tenant WHERE ref = ANY(\(added))", logger: logger)
                    .decode((Int64, String).self) {
                    tenants[ref] = id
                }
            }
            let events = Array(plan.accepted)
            // Everything that needs no central number is written before the counter is taken.
            var batch = try prepare(events, deviceNo: deviceNo, tenants: tenants)
            let valueColumns = ["device_no", "device_seq", "attribute_id", "tenant_id"]
            try await batch.values.copy(into: "value", columns: valueColumns + ["value", "prefer_not", "salt", "digest"], on: connection, logger: logger)
            try await batch.sealed.copy(into: "sealed_value", columns: valueColumns + ["key_id", "sealed", "prefer_not", "digest"],
                                        on: connection, logger: logger)
            if !dataKeys.isEmpty {
                let keys = dataKeys
                try await connection.query("""
                    INSERT INTO data_key (key_id, kek_id, wrapped, created_at)
                    SELECT k, e, w, \(now) FROM unnest(\(keys.map(\.keyID)), \(keys.map(\.kekID)), \(keys.map { ByteBuffer(bytes: $0.wrapped) })) AS x(k, e, w)
                    ON CONFLICT (key_id, kek_id) DO NOTHING
                    """, logger: logger)
            }

            // The projection rows the batch touches are read before the counter is taken, under row locks
            // on the batch's tenants (taken in tenant order, so two pushes never wait for each other in a
            // circle), which keep every other push off those rows until this one commits.
            try await lockTenants(Set(batch.merged.map(\.tenant)), on: connection)
            let projection = try await PostgresProjection(connection: connection, logger: logger)
            var states: [Int64: TenantState] = [:]
            for (tenant, event) in batch.merged where states[tenant] == nil { states[tenant] = TenantState(ref: event.tenant) }
            try await projection.loadHeldGrants(for: batch.merged, touched: &batch.touched, into: &states)
            try await projection.load(batch.touched, into: &states)

            // The merge needs the batch's central numbers only to tell whether a device had seen an
            // event, and no device can have seen a number not yet given. So when no causal context
            // here reaches past the numbers given so far, the batch is merged before its numbers are
            // taken (with the next numbers as a guess, written as slots in the rows) and the rows
            // without numbers are written; else it is all done under the counter, with the real ones.
            let given = try await Self.first(Int64.self, "SELECT last FROM central_counter", on: connection, logger: logger) ?? 0
            let early = Self.causalReach(batch.merged, states) <= given
                ? try merge(batch, deviceNo: deviceNo, events: events, states: states, projection: projection, first: given + 1) : nil
            if let early { try await projection.writeUnnumbered(early.changes) }

            // The counter's row lock from here to commit: pushes commit in central order.
            var last: Int64 = 0
            for try await value in try await connection.query(
                "UPDATE central_counter SET last = last + \(Int64(events.count)) RETURNING last", logger: logger
            ).decode(Int64.self) {
                last = value
            }
            first = last - Int64(events.count) + 1
            var merged: Merged
            if let early {
                merged = early
            } else {
                merged = try merge(batch, deviceNo: deviceNo, events: events, states: states, projection: projection, first: first)
                try await projection.writeUnnumbered(merged.changes)
            }
            try await finish(&batch, &merged, projection: projection, first: first, on: connection)
            outcomes = merged.outcomes
            try await connection.query(
                "UPDATE chain_head SET seq = \(plan.head.sequence), hash = \(plan.head.hash) WHERE device_no = \(deviceNo)", logger: logger)
        }
        if let head = plan.signedHead {
            try await connection.query("""
                INSERT INTO sync_head (device, seq, hash, signature, at) VALUES (\(device), \(head.sequence), \(head.hash), \(head.signature), \(now))
                ON CONFLICT (device) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, signature = EXCLUDED.signature, at = EXCLUDED.at
                """, logger: logger)
        }
        for entry in plan.audit {
            try await Self.audit(device: device, what: entry, at: now, on: connection, logger: logger)
        }
        return plan.response(outcomes: outcomes, central: (0..<Int64(outcomes.count)).map { first + $0 })
    }

    /// A batch's rows, built before the central numbers are known.
    struct PreparedBatch {
        /// Ledger rows with a placeholder for each central sequence.
        var ledger: CopyRows
        var centralSlots: [Int]
        var values: CopyRows
        var sealed: CopyRows
        var merged: [(tenant: Int64, event: Event)] = []
        var touched = PostgresProjection.Touched()
        var erasures: [(index: Int, tenant: Int64, attribute: String, hlc: Int64)] = []
    }

    /// Builds the ledger and value rows and the domain events of accepted events.
    private func prepare(_ events: [WireEvent], deviceNo: Int64, tenants: [String: Int64]) throws -> PreparedBatch {
        var batch = PreparedBatch(ledger: CopyRows(capacity: events.count * 220), centralSlots: [], values: CopyRows(), sealed: CopyRows())
        batch.centralSlots.reserveCapacity(events.count)
        for event in events {
            let r = event.record
            guard let tenant = tenants[r.tenant] else { throw CentralStoreError.storage("tenant \(r.tenant) was not added") }
            batch.centralSlots.append(LedgerRow.write(r, deviceNo: deviceNo, tenant: tenant, hash: event.hash, into: &batch.ledger))
            var answers: [AttributeID: AttributeValue] = [:]
            for value in event.values {
                let attribute = AttributeID(value.attribute)
                answers[attribute] = value.answer
                if catalogue.attribute(attribute)?.isSpecial ?? false || value.sealed != nil {
                    batch.sealed.int(deviceNo); batch.sealed.int(r.sequence); batch.sealed.text(value.attribute); batch.sealed.int(tenant)
                    batch.sealed.text(value.keyID); batch.sealed.bytes(value.sealed); batch.sealed.bool(value.preferNot)
                    batch.sealed.bytes(value.digest)
                    batch.sealed.endRow()
                } else {
                    batch.values.int(deviceNo); batch.values.int(r.sequence); batch.values.text(value.attribute); batch.values.int(tenant)
                    batch.values.text(value.salt == nil ? nil : value.text); batch.values.bool(value.preferNot)
                    batch.values.bytes(value.salt); batch.values.bytes(value.digest)
                    batch.values.endRow()
                }
            }
            let domainEvent = r.event(centralSequence: nil, answers: answers)
            if case .erasure(let attribute) = domainEvent.payload {
                batch.erasures.append((batch.merged.count, tenant, attribute.rawValue, r.hlc))
            }
            PostgresProjection.touched(by: domainEvent, tenant: tenant, into: &batch.touched)
            batch.merged.append((tenant, domainEvent))
        }
        return batch
    }

    /// Takes the row locks of the batch's tenants, in tenant order: a push that touches any of them
    /// waits here (before the counter) until this one commits. Row locks live in the rows, so a batch
    /// of thousands of tenants needs no room in the server's lock table.
    private func lockTenants(_ tenants: Set<Int64>, on connection: PostgresConnection) async throws {
        guard !tenants.isEmpty else { return }
        for try await _ in try await connection.query("""
            SELECT count(*) FROM (SELECT id FROM tenant WHERE id = ANY(\(Array(tenants))) ORDER BY id FOR NO KEY UPDATE) AS locked
            """, logger: logger).decode(Int64.self) {}
    }

    /// A batch merged into its projection rows: each event's outcome, the rows that changed and the
    /// push results, with slots for central numbers counted from `first`.
    struct Merged {
        var outcomes: [PushOutcome]
        var changes: PostgresProjection.Changes
        var results: CopyRows
        var resultSlots: [Int]
    }

    /// How far the causal contexts the merge may compare central numbers against reach: the batch's
    /// events and the held grants they confirm.
    static func causalReach(_ merged: [(tenant: Int64, event: Event)], _ states: [Int64: TenantState]) -> Int64 {
        let events = merged.compactMap(\.event.causalContext).max() ?? 0
        let held = states.values.flatMap { $0.heldGrants.values.compactMap(\.causalContext) }.max() ?? 0
        return max(events, held)
    }

    /// Merges the events into the loaded projection rows (`states`) in order, numbered from `first`.
    private func merge(_ batch: PreparedBatch, deviceNo: Int64, events: [WireEvent], states loaded: [Int64: TenantState],
                       projection: PostgresProjection, first: Int64) throws -> Merged {
        var states = loaded
        var outcomes: [PushOutcome] = []
        outcomes.reserveCapacity(batch.merged.count)
        for (n, (tenant, unnumbered)) in batch.merged.enumerated() {
            var event = unnumbered
            event.centralSequence = first + Int64(n)
            outcomes.append(PushPlan.outcome(states[tenant]?.apply(event) ?? .applied))
        }
        let changes = try projection.changes(batch.touched, before: loaded, after: states, numbering: .init(first: first))
        var results = CopyRows(capacity: events.count * 100)
        var slots: [Int] = []
        slots.reserveCapacity(events.count)
        for (event, outcome) in zip(events, outcomes) {
            results.int(deviceNo); results.int(event.record.sequence); results.text(outcome.rawValue)
            slots.append(results.slot()); results.null(); results.bytes(event.hash)
            results.endRow()
        }
        return Merged(outcomes: outcomes, changes: changes, results: results, resultSlots: slots)
    }

    /// Under the counter's lock, with the batch's central numbers counted from `first`: writes the
    /// ledger rows, clears what applied erasures erase, and writes the decisions and push results.
    private func finish(_ batch: inout PreparedBatch, _ merged: inout Merged, projection: PostgresProjection, first: Int64,
                        on connection: PostgresConnection) async throws {
        for (n, slot) in batch.centralSlots.enumerated() { batch.ledger.fill(slot, with: first + Int64(n)) }
        try await batch.ledger.copy(into: "ledger", columns: LedgerRow.columns, on: connection, logger: logger)
        for erasure in batch.erasures where merged.outcomes[erasure.index] == .applied {
            try await eraseValues((erasure.tenant, erasure.attribute, erasure.hlc), on: connection)
        }
        try await projection.writeNumbered(merged.changes, first: first)
        // The restrictions in force of tenants whose requests this batch makes or decides, for the purpose views.
        let deciding = Set(batch.merged.filter { Self.restrictionKinds.contains($0.event.payload.kind) }.map(\.tenant))
        if !deciding.isEmpty { try await Self.refreshRestrictions(on: connection, logger: logger, tenants: deciding.sorted()) }
        for (n, slot) in merged.resultSlots.enumerated() { merged.results.fill(slot, with: first + Int64(n)) }
        try await merged.results.copy(into: "push_result", columns: ["device_no", "device_seq", "outcome", "central_seq", "reason", "hash"],
                                      on: connection, logger: logger)
    }

    /// An applied erasure clears the text, salt and seal of every value of that attribute of the
    /// tenant recorded no later (by clock) than it, as the SQLite store does; digests stay, so the
    /// chains still verify.
    private func eraseValues(_ e: (tenant: Int64, attribute: String, hlc: Int64), on connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE value v SET value = NULL, salt = NULL FROM ledger l
            WHERE v.tenant_id = \(e.tenant) AND v.attribute_id = \(e.attribute) AND l.device_no = v.device_no AND l.device_seq = v.device_seq
              AND l.hlc <= \(e.hlc) AND (v.value IS NOT NULL OR v.salt IS NOT NULL)
            """, logger: logger)
        try await connection.query("""
            UPDATE sealed_value v SET sealed = NULL, key_id = NULL FROM ledger l
            WHERE v.tenant_id = \(e.tenant) AND v.attribute_id = \(e.attribute) AND l.device_no = v.device_no AND l.device_seq = v.device_seq
              AND l.hlc <= \(e.hlc) AND v.sealed IS NOT NULL
            """, logger: logger)
    }

    /// What the planner needs for a push (or a set-aside) from `device`: its enrolment, its chain head
    /// (locked `FOR UPDATE`), the events it resends with their answers (an event set aside here has its
    /// refusal, with no central number), the batch's tenants (and those outside its scope, `PushScope`)
    /// and staff, and the dates of birth of tenants answered a question asked only from an age; with the
    /// device's number and the tenants' ids.
    func pushState(_ request: PushRequest, from device: String, planner: PushPlanner,
                   on connection: PostgresConnection) async throws -> (PushState, Int64, [String: Int64]) {
        let staff = try await activeStaff(WireCheck.staffActors(request.events), on: connection)
        let takers = try await staffTakers(WireCheck.confirmationTargets(request.events), on: connection)
        var enrolment = PushState.Enrolment.revoked
        var kind = DeviceKind.kiosk
        var office = "", served: Int64 = 0
        for try await (key, recorded, enrolledFor, servedUpTo) in try await connection.query(
            "SELECT public_key, kind, office, served FROM sync_device WHERE id = \(device) AND revoked_at IS NULL", logger: logger
        ).decode((Data?, String?, String, Int64).self) {
            enrolment = .active(publicKey: key)
            kind = DeviceKind.recorded(recorded)
            office = enrolledFor
            served = servedUpTo
        }
        let deviceNo = try await Self.deviceNumber(device, on: connection, logger: logger)
        var head: (sequence: Int64, hash: Data) = (0, ValueDigest.empty)
        for try await (seq, hash) in try await connection.query(
            "SELECT seq, hash FROM chain_head WHERE device_no = \(deviceNo) FOR UPDATE", logger: logger
        ).decode((Int64, Data).self) {
            head = (seq, hash)
        }
        var stored: [Int64: PushState.Stored] = [:]
        let sequences = PushPlanner.storedSequences(request, head: head.sequence)
        if !sequences.isEmpty {
            for try await (seq, outcome, central, reason, hash) in try await connection.query("""
                SELECT device_seq, outcome, central_seq, reason, hash FROM push_result WHERE device_no = \(deviceNo) AND device_seq = ANY(\(sequences))
                """, logger: logger).decode((Int64, String, Int64?, String?, Data).self) {
                let result = PushResult(sequence: seq, outcome: PushOutcome(rawValue: outcome) ?? .applied, central: central, reason: reason)
                stored[seq] = PushState.Stored(hash: hash, result: result)
            }
        }
        var tenants: [String: Int64] = [:]
        for try await (id, ref) in try await connection.query(
            "SELECT id, ref FROM tenant WHERE ref = ANY(\(Array(PushPlanner.tenants(request))))", logger: logger
        ).decode((Int64, String).self) {
            tenants[ref] = id
        }
        var outside = Set<String>()
        var scope = PostgresBindings()
        scope.append(Array(tenants.keys))
        scope.append(office)
        scope.append(deviceNo)
        scope.append(device)
        scope.append(served)
        for try await ref in try await connection.query(PostgresQuery(unsafeSQL: PushScope.outsideQuery(tenants: "= ANY($1)") { "$\($0 + 1)" },
                                                                       binds: scope), logger: logger).decode(String.self) {
            outside.insert(ref)
        }
        var birthDates: [String: String] = [:]
        let checked = Array(WireCheck.ageCheckedTenants(request.events, limits: planner.ageLimits))
        if !checked.isEmpty {
            var binds = PostgresBindings()
            binds.append(checked)
            for try await (ref, date) in try await connection.query(PostgresQuery(unsafeSQL: WireCheck.birthDatesQuery(tenants: "= ANY($1)"), binds: binds),
                                                                   logger: logger).decode((String, String?).self) {
                if let date { birthDates[ref] = date }
            }
        }
        var highestCentral: Int64 = 0
        for try await last in try await connection.query("SELECT last FROM central_counter", logger: logger).decode(Int64.self) {
            highestCentral = last
        }
        let state = PushState(enrolment: enrolment, head: head, stored: stored, knownTenants: Set(tenants.keys), staff: staff, takers: takers,
                              birthDates: birthDates, highestCentral: highestCentral, deviceKind: kind, outsideScope: outside)
        return (state, deviceNo, tenants)
    }

}

/// A ledger row in COPY form.
package enum LedgerRow {
    package static let columns = [
        "central_seq", "device_no", "device_seq", "tenant_id", "kind", "attribute_id", "purpose_id", "state", "pending",
        "notice_version", "language", "valid_until", "target_device", "target_seq", "values_digest", "hlc", "effective_at",
        "actor", "actor_id", "verification", "reason", "channel", "causal_seq", "evidence", "hash",
    ]

    /// Writes a row whose central sequence is filled in later; returns the slot to fill.
    static func write(_ r: EventRecord, deviceNo: Int64, tenant: Int64, hash: Data, into rows: inout CopyRows) -> Int {
        let slot = rows.slot()
        rest(r, deviceNo: deviceNo, tenant: tenant, hash: hash, into: &rows)
        return slot
    }

    package static func write(_ r: EventRecord, central: Int64, deviceNo: Int64, tenant: Int64, hash: Data, into rows: inout CopyRows) {
        rows.int(central)
        rest(r, deviceNo: deviceNo, tenant: tenant, hash: hash, into: &rows)
    }

    private static func rest(_ r: EventRecord, deviceNo: Int64, tenant: Int64, hash: Data, into rows: inout CopyRows) {
        rows.int(deviceNo); rows.int(r.sequence); rows.int(tenant); rows.text(r.kind); rows.text(r.attribute)
        rows.text(r.purpose); rows.text(r.state); rows.bool(r.pending); rows.int(r.noticeVersion); rows.text(r.language)
        rows.int(r.validUntil); rows.text(r.targetDevice); rows.int(r.targetSequence); rows.bytes(r.valuesDigest); rows.int(r.hlc)
        rows.int(r.effectiveAt); rows.text(r.actor); rows.text(r.actorID); rows.text(r.verification); rows.text(r.reason)
        rows.text(r.channel); rows.int(r.causal); rows.text(r.evidence); rows.bytes(hash)
        rows.endRow()
    }
}

import CentralStore
import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresCentralStore {
    /// Applies a push in one transaction. Lock order, the same in every push so two never wait on
    /// each other: the device's chain head (`FOR UPDATE`), then the central counter. The counter's
    /// row lock is held from taking central numbers until commit, so pushes commit in central order.
    public func push(_ request: PushRequest, from device: String) async throws(CentralStoreError) -> PushResponse {
        // What needs no database first: a wrong device is refused before anything is read.
        if let problem = WireCheck.batchProblem(request, authenticated: device) { throw problem }
        let validation = PushValidation(catalogue: catalogue)
        return try await transaction { connection in
            try await self.apply(request, from: device, validation: validation, on: connection)
        }
    }

    private func apply(_ request: PushRequest, from device: String, validation: PushValidation,
                       on connection: PostgresConnection) async throws -> PushResponse {
        var enrolled = false
        for try await _ in try await connection.query(
            "SELECT 1 FROM sync_device WHERE id = \(device) AND revoked_at IS NULL", logger: logger
        ).decode(Int.self) {
            enrolled = true
        }
        guard enrolled else { throw CentralStoreError.revoked(device) }
        let deviceNo = try await Self.deviceNumber(device, on: connection, logger: logger)
        var head: (seq: Int64, hash: Data) = (0, ValueDigest.empty)
        for try await (seq, hash) in try await connection.query(
            "SELECT seq, hash FROM chain_head WHERE device_no = \(deviceNo) FOR UPDATE", logger: logger
        ).decode((Int64, Data).self) {
            head = (seq, hash)
        }
        let refs = Array(Set(request.events.map(\.record.tenant)))
        var tenants: [String: Int64] = [:]
        for try await (id, ref) in try await connection.query("SELECT id, ref FROM tenant WHERE ref = ANY(\(refs))", logger: logger)
            .decode((Int64, String).self) {
            tenants[ref] = id
        }
        let plan = try validation.plan(request.events, head: head, knownTenants: Set(tenants.keys))
        var results = try await storedResults(request.events[..<plan.resent], deviceNo: deviceNo, on: connection)
        let now = Self.now()

        if !plan.accepted.isEmpty {
            // The counter's row lock from here to commit: pushes commit in central order.
            var last: Int64 = 0
            for try await value in try await connection.query(
                "UPDATE central_counter SET last = last + \(Int64(plan.accepted.count)) RETURNING last", logger: logger
            ).decode(Int64.self) {
                last = value
            }
            let centrals = Array((last - Int64(plan.accepted.count) + 1)...last)
            if !plan.newTenants.isEmpty {
                let added = Array(plan.newTenants)
                for try await (id, ref) in try await connection.query(
                    "INSERT INTO tenant (ref) SELECT unnest(\(added)) ON CONFLICT (ref) DO NOTHING RETURNING id, ref", logger: logger
                ).decode((Int64, String).self) {
                    tenants[ref] = id
                }
                let raced = added.filter { tenants[$0] == nil } // registered meanwhile by another device's push
                if !raced.isEmpty {
                    for try await (id, ref) in try await connection.query("SELECT id, ref FROM tenant WHERE ref = ANY(\(raced))", logger: logger)
                        .decode((Int64, String).self) {
                        tenants[ref] = id
                    }
                }
            }
            let events = Array(plan.accepted)
            let outcomes = try await store(events, centrals: centrals, deviceNo: deviceNo, tenants: tenants, dataKeys: request.dataKeys, on: connection)
            var resultRows = CopyRows()
            for (event, (outcome, central)) in zip(events, zip(outcomes, centrals)) {
                results.append(PushResult(sequence: event.record.sequence, outcome: outcome, central: central))
                resultRows.int(deviceNo); resultRows.int(event.record.sequence); resultRows.text(outcome.rawValue)
                resultRows.int(central); resultRows.null(); resultRows.bytes(event.hash)
                resultRows.endRow()
            }
            try await resultRows.copy(into: "push_result", columns: ["device_no", "device_seq", "outcome", "central_seq", "reason", "hash"],
                                      on: connection, logger: logger)
            try await connection.query("UPDATE chain_head SET seq = \(plan.head.seq), hash = \(plan.head.hash) WHERE device_no = \(deviceNo)", logger: logger)
            if now + 86_400_000 < (events.map(\.record.hlc).max() ?? 0) >> 16 {
                try await Self.audit(device: device, what: "clock more than a day ahead of the centre's; check the device's clock", at: now, on: connection, logger: logger)
            }
        }
        if let (event, reason) = plan.rejected {
            results.append(PushResult(sequence: event.record.sequence, outcome: .rejected, central: nil, reason: reason))
            try await Self.audit(device: device, what: "rejected \(reason)", at: now, on: connection, logger: logger)
        }
        return PushResponse(results: results)
    }

    /// The answers given before for resent events; a resent event that differs from the stored one is refused.
    private func storedResults(_ events: ArraySlice<WireEvent>, deviceNo: Int64, on connection: PostgresConnection) async throws -> [PushResult] {
        guard !events.isEmpty else { return [] }
        var stored: [Int64: (PushResult, Data)] = [:]
        for try await (seq, outcome, central, reason, hash) in try await connection.query("""
            SELECT device_seq, outcome, central_seq, reason, hash FROM push_result WHERE device_no = \(deviceNo) AND device_seq = ANY(\(events.map(\.record.sequence)))
            """, logger: logger).decode((Int64, String, Int64?, String?, Data).self) {
            stored[seq] = (PushResult(sequence: seq, outcome: PushOutcome(rawValue: outcome) ?? .applied, central: central, reason: reason), hash)
        }
        return try events.map { event in
            guard let (result, hash) = stored[event.record.sequence] else {
                throw CentralStoreError.storage("the centre has no result stored for event \(event.record.sequence) below its chain head")
            }
            guard hash == event.hash else {
                throw CentralStoreError.invalid("""
                    event \(event.record.device)#\(event.record.sequence) differs from the one stored under that number; \
                    a device database was replaced or copied: enrol it as a new device
                    """)
            }
            return result
        }
    }

    /// Tenant ids for references, adding new tenants.
    private func tenantIDs(_ refs: Set<String>, on connection: PostgresConnection) async throws -> [String: Int64] {
        guard !refs.isEmpty else { return [:] }
        let list = Array(refs)
        try await connection.query("INSERT INTO tenant (ref) SELECT unnest(\(list)) ON CONFLICT (ref) DO NOTHING", logger: logger)
        var ids: [String: Int64] = [:]
        for try await (id, ref) in try await connection.query("SELECT id, ref FROM tenant WHERE ref = ANY(\(list))", logger: logger)
            .decode((Int64, String).self) {
            ids[ref] = id
        }
        return ids
    }

    /// Writes the ledger and value rows of accepted events, merges them into the projection and
    /// returns each one's outcome.
    private func store(_ events: [WireEvent], centrals: [Int64], deviceNo: Int64, tenants: [String: Int64],
                       dataKeys: [WireDataKey], on connection: PostgresConnection) async throws -> [PushOutcome] {
        guard !events.isEmpty else { return [] }
        var ledger = CopyRows(capacity: events.count * 200)
        var values = CopyRows(), sealed = CopyRows()
        var merged: [(tenant: Int64, event: Event)] = []
        var touched = PostgresProjection.Touched()
        var erasures: [(index: Int, tenant: Int64, attribute: String, hlc: Int64)] = []
        for (event, central) in zip(events, centrals) {
            let r = event.record
            guard let tenant = tenants[r.tenant] else { throw CentralStoreError.storage("tenant \(r.tenant) was not added") }
            LedgerRow.write(r, central: central, deviceNo: deviceNo, tenant: tenant, hash: event.hash, into: &ledger)
            var answers: [AttributeID: AttributeValue] = [:]
            for value in event.values {
                let attribute = AttributeID(value.attribute)
                answers[attribute] = value.preferNot ? .preferNotToSay : .value(value.text ?? "")
                if catalogue.attribute(attribute)?.isSpecial ?? false || value.sealed != nil {
                    sealed.int(deviceNo); sealed.int(r.sequence); sealed.text(value.attribute); sealed.int(tenant)
                    sealed.text(value.keyID); sealed.bytes(value.sealed); sealed.bool(value.preferNot); sealed.bytes(value.digest)
                    sealed.endRow()
                } else {
                    values.int(deviceNo); values.int(r.sequence); values.text(value.attribute); values.int(tenant)
                    values.text(value.salt == nil ? nil : value.text); values.bool(value.preferNot); values.bytes(value.salt); values.bytes(value.digest)
                    values.endRow()
                }
            }
            let domainEvent = r.event(centralSequence: central, answers: answers)
            if case .erasure(let attribute) = domainEvent.payload { erasures.append((merged.count, tenant, attribute.rawValue, r.hlc)) }
            PostgresProjection.touched(by: domainEvent, tenant: tenant, into: &touched)
            merged.append((tenant, domainEvent))
        }
        try await ledger.copy(into: "ledger", columns: LedgerRow.columns, on: connection, logger: logger)
        let valueColumns = ["device_no", "device_seq", "attribute_id", "tenant_id"]
        try await values.copy(into: "value", columns: valueColumns + ["value", "prefer_not", "salt", "digest"], on: connection, logger: logger)
        try await sealed.copy(into: "sealed_value", columns: valueColumns + ["key_id", "sealed", "prefer_not", "digest"], on: connection, logger: logger)
        if !dataKeys.isEmpty {
            try await connection.query("""
                INSERT INTO data_key (key_id, kek_id, wrapped, created_at)
                SELECT k, e, w, \(Self.now()) FROM unnest(\(dataKeys.map(\.keyID)), \(dataKeys.map(\.kekID)), \(dataKeys.map { ByteBuffer(bytes: $0.wrapped) })) AS x(k, e, w)
                ON CONFLICT (key_id, kek_id) DO NOTHING
                """, logger: logger)
        }
        let projection = try await PostgresProjection(connection: connection, logger: logger)
        var states: [Int64: TenantState] = [:]
        for (tenant, event) in merged where states[tenant] == nil { states[tenant] = TenantState(ref: event.tenant) }
        try await projection.load(touched, into: &states)
        let before = states
        var outcomes: [PushOutcome] = []
        outcomes.reserveCapacity(merged.count)
        for (tenant, event) in merged {
            let outcome = states[tenant]?.apply(event) ?? .applied
            switch outcome {
            case .applied, .appliedNeedsReconfirmation: outcomes.append(.applied)
            case .overriddenByWithdrawal: outcomes.append(.overridden)
            case .superseded: outcomes.append(.superseded)
            }
        }
        try await projection.save(touched, before: before, after: states)
        for erasure in erasures where outcomes[erasure.index] == .applied {
            try await eraseValues((erasure.tenant, erasure.attribute, erasure.hlc), on: connection)
        }
        return outcomes
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
}

/// A ledger row in COPY form.
enum LedgerRow {
    static let columns = [
        "central_seq", "device_no", "device_seq", "tenant_id", "kind", "attribute_id", "purpose_id", "state", "pending",
        "notice_version", "language", "valid_until", "target_device", "target_seq", "values_digest", "hlc", "effective_at",
        "actor", "actor_id", "verification", "reason", "channel", "causal_seq", "evidence", "hash",
    ]

    static func write(_ r: EventRecord, central: Int64, deviceNo: Int64, tenant: Int64, hash: Data, into rows: inout CopyRows) {
        rows.int(central); rows.int(deviceNo); rows.int(r.sequence); rows.int(tenant); rows.text(r.kind); rows.text(r.attribute)
        rows.text(r.purpose); rows.text(r.state); rows.bool(r.pending); rows.int(r.noticeVersion); rows.text(r.language)
        rows.int(r.validUntil); rows.text(r.targetDevice); rows.int(r.targetSequence); rows.bytes(r.valuesDigest); rows.int(r.hlc)
        rows.int(r.effectiveAt); rows.text(r.actor); rows.text(r.actorID); rows.text(r.verification); rows.text(r.reason)
        rows.text(r.channel); rows.int(r.causal); rows.text(r.evidence); rows.bytes(hash)
        rows.endRow()
    }
}

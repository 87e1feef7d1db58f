import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresProjection {
    /// Central numbers as a merge made before they were taken knows them: the batch's events are
    /// numbered from `first` on, which may be a guess. A number from `first` up is written as a slot
    /// in the rows, filled with the real one once it is known; a lower one was committed already.
    struct Numbering {
        var first: Int64

        func isBatch(_ central: Int64?) -> Bool { (central ?? 0) >= first }
    }

    /// What a merge changed among the touched rows, as rows to write. Built without the real central
    /// numbers (see ``Numbering``); a decision whose stops name an event of the batch is kept back and
    /// written once they are known (its numbers are inside a text column).
    struct Changes {
        var numbering: Numbering
        var markerKeys: [Key2] = [], markerRows = CopyRows()
        var decisionKeys: [Key3] = [], decisionRows = CopyRows()
        /// Slots in `decisionRows`: where, and which event of the batch (from 0).
        var decisionSlots: [(at: Int, index: Int64)] = []
        var keptBack: [(Key3, DecisionRecord)] = []
        var valueKeys: [Key2] = [], valueRows = CopyRows()
        var pendingKeys: [Key2] = [], pendingRows = CopyRows()
    }

    /// The rows that changed between `before` and `after` among the touched ones. Only rows that were
    /// there are to be deleted: a key loaded without a row has none to replace.
    func changes(_ touched: Touched, before: [Int64: TenantState], after: [Int64: TenantState], numbering: Numbering) throws -> Changes {
        var changes = Changes(numbering: numbering)
        for key in touched.markers {
            let old = before[key.tenant]?.markers[key.attribute]
            guard let new = after[key.tenant]?.markers[key.attribute], new != old else { continue }
            if old != nil { changes.markerKeys.append(key) }
            changes.markerRows.int(key.tenant); changes.markerRows.text(key.attribute); changes.markerRows.bool(new.set)
            changes.markerRows.int(new.hlc.packed); changes.markerRows.text(new.device.rawValue)
            changes.markerRows.endRow()
        }
        for key in touched.decisions {
            let dk = DecisionKey(AttributeID(key.attribute), PurposeID(key.purpose))
            let old = before[key.tenant]?.decisions[dk], new = after[key.tenant]?.decisions[dk]
            guard old != new else { continue }
            if old != nil { changes.decisionKeys.append(key) }
            guard let new else { continue }
            if StoredBlocking.encode(new) != nil && new.blocking.contains(where: { numbering.isBatch($0.centralSequence) }) {
                changes.keptBack.append((key, new))
            } else {
                try writeDecision(key, new, numbering: numbering, into: &changes.decisionRows, slots: &changes.decisionSlots)
            }
        }
        for key in touched.values {
            let attribute = AttributeID(key.attribute)
            let oldState = before[key.tenant], newState = after[key.tenant]
            if oldState?.values[attribute] != newState?.values[attribute] {
                if oldState?.values[attribute] != nil { changes.valueKeys.append(key) }
                if let record = newState?.values[attribute] { try writeValue(key, record, into: &changes.valueRows) }
            }
            if oldState?.pending[attribute] != newState?.pending[attribute] {
                if !(oldState?.pending[attribute] ?? []).isEmpty { changes.pendingKeys.append(key) }
                for p in newState?.pending[attribute] ?? [] {
                    changes.pendingRows.int(key.tenant); changes.pendingRows.text(key.attribute)
                    changes.pendingRows.int(try number(p.event.device)); changes.pendingRows.int(p.event.sequence)
                    changes.pendingRows.int(p.hlc.packed); changes.pendingRows.bool(p.value == .preferNotToSay)
                    changes.pendingRows.endRow()
                }
            }
        }
        return changes
    }

    /// Deletes the rows being replaced and writes the rows that hold no central number (markers,
    /// current and pending values). Safe before the numbers are taken: the batch's tenants are locked.
    func writeUnnumbered(_ changes: Changes) async throws {
        if !changes.markerKeys.isEmpty {
            let keys = changes.markerKeys
            try await connection.query("""
                DELETE FROM tenant_marker WHERE (tenant_id, marker) IN (SELECT * FROM unnest(\(keys.map(\.tenant)), \(keys.map(\.attribute))))
                """, logger: logger)
        }
        try await changes.markerRows.copy(into: "tenant_marker", columns: ["tenant_id", "marker", "active", "hlc", "writer"], on: connection, logger: logger)
        if !changes.decisionKeys.isEmpty {
            let keys = changes.decisionKeys
            try await connection.query("""
                DELETE FROM decision WHERE (tenant_id, attribute_id, purpose_id) IN
                (SELECT * FROM unnest(\(keys.map(\.tenant)), \(keys.map(\.attribute)), \(keys.map(\.purpose))))
                """, logger: logger)
        }
        if !changes.valueKeys.isEmpty {
            let keys = changes.valueKeys
            try await connection.query("""
                DELETE FROM current_value WHERE (tenant_id, attribute_id) IN (SELECT * FROM unnest(\(keys.map(\.tenant)), \(keys.map(\.attribute))))
                """, logger: logger)
        }
        try await changes.valueRows.copy(into: "current_value", columns: ["tenant_id", "attribute_id", "status", "source_device", "source_seq", "hlc", "writer"],
                                         on: connection, logger: logger)
        if !changes.pendingKeys.isEmpty {
            let keys = changes.pendingKeys
            try await connection.query("""
                DELETE FROM pending_value WHERE (tenant_id, attribute_id) IN (SELECT * FROM unnest(\(keys.map(\.tenant)), \(keys.map(\.attribute))))
                """, logger: logger)
        }
        try await changes.pendingRows.copy(into: "pending_value", columns: ["tenant_id", "attribute_id", "source_device", "source_seq", "hlc", "prefer_not"],
                                           on: connection, logger: logger)
    }

    /// Writes the decisions with the batch's real central numbers, which start at `first`.
    func writeNumbered(_ changes: Changes, first: Int64) async throws {
        var rows = changes.decisionRows
        let shift = first - changes.numbering.first
        for slot in changes.decisionSlots { rows.fill(slot.at, with: first + slot.index) }
        var none: [(at: Int, index: Int64)] = []
        for (key, record) in changes.keptBack {
            var real = record
            if changes.numbering.isBatch(real.centralSequence) { real.centralSequence = real.centralSequence.map { $0 + shift } }
            real.blocking = real.blocking.map { stop in
                var stop = stop
                if changes.numbering.isBatch(stop.centralSequence) { stop.centralSequence = stop.centralSequence.map { $0 + shift } }
                return stop
            }
            try writeDecision(key, real, numbering: Numbering(first: .max), into: &rows, slots: &none)
        }
        try await rows.copy(into: "decision", columns: Self.decisionTableColumns, on: connection, logger: logger)
    }

    private func writeValue(_ key: Key2, _ record: ValueRecord, into rows: inout CopyRows) throws {
        guard let (status, source) = StoredValueStatus.encode(record.state) else { return }
        rows.int(key.tenant); rows.text(key.attribute); rows.text(status); rows.int(try number(source.device))
        rows.int(source.sequence); rows.int(record.hlc.packed); rows.text(record.device.rawValue)
        rows.endRow()
    }

    private func writeDecision(_ key: Key3, _ r: DecisionRecord, numbering: Numbering, into rows: inout CopyRows,
                               slots: inout [(at: Int, index: Int64)]) throws {
        let actor = r.actor.columns
        rows.int(key.tenant); rows.text(key.attribute); rows.text(key.purpose)
        rows.text(r.state.rawValue); rows.int(try number(r.event.device)); rows.int(r.event.sequence)
        if let central = r.centralSequence, numbering.isBatch(central) {
            slots.append((rows.slot(), central - numbering.first))
        } else {
            rows.int(r.centralSequence)
        }
        rows.int(Millis.from(r.effectiveAt)); rows.int(r.notice.map { Int64($0.version) }); rows.text(r.notice?.language)
        rows.int(r.validUntil.map(Millis.from)); rows.text(actor.kind); rows.text(actor.id); rows.text(actor.verification); rows.text(actor.reason)
        rows.text(r.channel.rawValue)
        rows.int(try r.needsReconfirmation.map { try number($0.device) }); rows.int(r.needsReconfirmation?.sequence)
        rows.text(StoredBlocking.encode(r))
        rows.endRow()
    }
}

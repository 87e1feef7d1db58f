import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

extension PostgresProjection {
    /// Puts into `states` the held grants the batch's verifications settle, so `TenantState.apply`
    /// merges a confirmed one as the decision it holds, exactly as on a device or the SQLite centre,
    /// and adds the decisions they cover to `touched`. A held grant pushed in this same batch comes
    /// from the batch itself (applied before its confirmation); an earlier one is read from the
    /// ledger, unless a verification there has already settled it. Called before the batch's own
    /// ledger rows are written, under the row locks of its tenants, so what the ledger holds for them
    /// is all before the batch. Like the SQLite centre, there is no table of held grants to keep in step.
    func loadHeldGrants(for batch: [(tenant: Int64, event: Event)], touched: inout Touched,
                        into states: inout [Int64: TenantState]) async throws {
        var inBatch: [EventID: HeldGrant] = [:]
        var wanted: [(tenant: Int64, target: EventID)] = []
        for (tenant, event) in batch {
            switch event.payload {
            case .heldGrant: inBatch[event.id] = HeldGrant(event: event)
            case let .verification(target, _, _):
                if let held = inBatch[target] {
                    Self.cover(held, tenant: tenant, in: &touched)
                } else {
                    wanted.append((tenant, target))
                }
            default: break
            }
        }
        guard !wanted.isEmpty else { return }
        let rows = try await connection.query("""
            SELECT \(unescaped: PostgresCentralStore.ledgerColumns)
            FROM unnest(\(wanted.map(\.tenant)), \(wanted.map(\.target.device.rawValue)), \(wanted.map(\.target.sequence))) AS w(tenant_id, device, seq)
            JOIN device d ON d.id = w.device
            JOIN ledger l ON l.device_no = d.no AND l.device_seq = w.seq AND l.tenant_id = w.tenant_id
            JOIN tenant t ON t.id = l.tenant_id
            WHERE l.kind = 'held-grant' AND NOT EXISTS (
                SELECT 1 FROM ledger v WHERE v.tenant_id = l.tenant_id AND v.kind = 'verification'
                AND v.target_device = d.id AND v.target_seq = l.device_seq)
            """, logger: logger)
        for try await row in rows {
            let c = row.makeRandomAccess()
            let record = try PostgresCentralStore.record(c)
            let tenant = try c[3].decode(String.self)
            let event = record.event(centralSequence: try c[0].decode(Int64.self), answers: [:])
            guard let held = HeldGrant(event: event), let id = wanted.first(where: { $0.target == held.event })?.tenant,
                  states[id]?.ref.rawValue == tenant else { continue }
            states[id]?.heldGrants[held.event] = held
            Self.cover(held, tenant: id, in: &touched)
        }
    }

    /// The decisions a held grant sets once confirmed.
    private static func cover(_ held: HeldGrant, tenant: Int64, in touched: inout Touched) {
        for attribute in held.attributes {
            touched.decisions.insert(Key3(tenant: tenant, attribute: attribute.rawValue, purpose: held.purpose.rawValue))
        }
    }
}

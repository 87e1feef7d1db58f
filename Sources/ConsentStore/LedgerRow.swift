import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// Writing one ledger row, for events appended here and events received from elsewhere alike.
enum LedgerRow {
    /// Inserts a row; `central` is the centre's number for it when known, `pushed` whether the
    /// centre has it (always true for events received from it).
    static func insert(_ f: EventRecord, deviceNo: Int64, tenantID: Int64, hash: Data, central: Int64? = nil,
                       pushed: Bool = false, statements: StatementCache) throws {
        var raw = try statements.raw(.insertLedger, """
            INSERT INTO ledger (device_no, device_seq, tenant_id, kind, attribute_id, purpose_id, state, pending,
                notice_version, language, valid_until, target_device, target_seq, values_digest, hlc, effective_at,
                actor, actor_id, verification, reason, channel, causal_seq, evidence, hash, central_seq, pushed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        raw.bind(deviceNo)
        raw.bind(f.sequence)
        raw.bind(tenantID)
        raw.bind(f.kind)
        raw.bind(f.attribute)
        raw.bind(f.purpose)
        raw.bind(f.state)
        raw.bind(f.pending)
        raw.bind(f.noticeVersion)
        raw.bind(f.language)
        raw.bind(f.validUntil)
        raw.bind(f.targetDevice)
        raw.bind(f.targetSequence)
        raw.bind(f.valuesDigest)
        raw.bind(f.hlc)
        raw.bind(f.effectiveAt)
        raw.bind(f.actor)
        raw.bind(f.actorID)
        raw.bind(f.verification)
        raw.bind(f.reason)
        raw.bind(f.channel)
        raw.bind(f.causal)
        raw.bind(f.evidence)
        raw.bind(hash)
        raw.bind(central)
        raw.bind(pushed)
        try raw.execute()
    }
}

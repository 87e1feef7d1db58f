import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// Writing one ledger row, for events appended here and events received from elsewhere alike.
enum LedgerRow {
    /// Where a new row's central sequence comes from.
    enum Central {
        /// Not numbered yet (a device's own new event).
        case none
        /// Numbered by the centre (an event pulled from it).
        case given(Int64)
        /// This is the centre: the row's ledger position is its number.
        case position
    }

    /// Inserts a row and returns its central sequence, if it has one; `pushed` says whether the
    /// centre has it (always true for events received from it).
    @discardableResult
    static func insert(_ f: EventRecord, deviceNo: Int64, tenantID: Int64, hash: Data, central: Central,
                       pushed: Bool = false, statements: StatementCache) throws -> Int64? {
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
        if case .given(let number) = central { raw.bind(number) } else { raw.bind(Int64?.none) }
        raw.bind(pushed)
        try raw.execute()
        switch central {
        case .none: return nil
        case .given(let number): return number
        case .position:
            let position = statements.db.lastInsertedRowID
            var number = try statements.raw(.numberCentrally, "UPDATE ledger SET central_seq = position WHERE position = ?")
            number.bind(position)
            try number.execute()
            return position
        }
    }

    /// Inserts an ordinary value an event recorded (special categories go to the vault instead);
    /// `text` and `salt` are nil once it is erased.
    static func insertValue(deviceNo: Int64, sequence: Int64, attribute: String, tenantID: Int64, text: String?, preferNot: Bool,
                            salt: Data?, digest: Data, statements: StatementCache) throws {
        var raw = try statements.raw(.insertValue, """
            INSERT INTO value (device_no, device_seq, attribute_id, tenant_id, value, prefer_not, salt, digest)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        raw.bind(deviceNo)
        raw.bind(sequence)
        raw.bind(attribute)
        raw.bind(tenantID)
        raw.bind(text)
        raw.bind(preferNot)
        raw.bind(salt)
        raw.bind(digest)
        try raw.execute()
    }

    /// The local id of the tenant with reference `ref`, if one is registered here.
    static func tenantID(_ ref: String, statements: StatementCache) throws -> Int64? {
        var lookup = try statements.raw(.tenantID, "SELECT id FROM tenant WHERE ref = ?")
        lookup.bind(ref)
        guard try lookup.step(), let id = lookup.int64(0) else { return nil }
        lookup.done()
        return id
    }

    /// Registers the tenant with reference `ref`; their new local id.
    static func insertTenant(_ ref: String, statements: StatementCache) throws -> Int64 {
        var insert = try statements.raw(.insertTenant, "INSERT INTO tenant (ref) VALUES (?)")
        insert.bind(ref)
        try insert.execute()
        return statements.db.lastInsertedRowID
    }
}

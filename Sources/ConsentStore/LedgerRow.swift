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

    /// The columns every insert binds, in order; `central_seq` and `pushed` follow.
    private static let boundColumns = """
        device_no, device_seq, tenant_id, kind, attribute_id, purpose_id, state, pending,
            notice_version, language, valid_until, target_device, target_seq, values_digest, hlc, effective_at,
            actor, actor_id, verification, reason, channel, causal_seq, evidence, hash
        """
    private static let boundMarks = Array(repeating: "?", count: 24).joined(separator: ", ")

    /// At the centre a row's central sequence is its position, the one SQLite would choose
    /// (one past the highest), written with the row instead of by a second statement.
    private static let nextPosition = "(SELECT ifnull(max(position), 0) + 1 FROM ledger)"

    /// Inserts a row and returns its central sequence, if it has one; `pushed` says whether the
    /// centre has it (always true for events received from it).
    @discardableResult
    static func insert(_ f: EventRecord, deviceNo: Int64, tenantID: Int64, hash: Data, central: Central,
                       pushed: Bool = false, statements: StatementCache) throws -> Int64? {
        var raw: RawStatement
        if case .position = central {
            raw = try statements.raw(.insertLedgerNumbered, """
                INSERT INTO ledger (position, \(boundColumns), central_seq, pushed)
                VALUES (\(nextPosition), \(boundMarks), \(nextPosition), ?)
                """)
        } else {
            raw = try statements.raw(.insertLedger, """
                INSERT INTO ledger (\(boundColumns), central_seq, pushed) VALUES (\(boundMarks), ?, ?)
                """)
        }
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
        switch central {
        case .none: raw.bind(Int64?.none)
        case .given(let number): raw.bind(number)
        case .position: break
        }
        raw.bind(pushed)
        try raw.execute()
        switch central {
        case .none: return nil
        case .given(let number): return number
        case .position: return statements.db.lastInsertedRowID
        }
    }

    /// Inserts an ordinary value an event recorded (special categories go to the vault instead);
    /// `text` and `salt` are nil once it is erased. `digest` is the whole digest; the row keeps what
    /// ``StoredValueDigest`` says.
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
        raw.bind(StoredValueDigest.stored(digest, salt: salt))
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

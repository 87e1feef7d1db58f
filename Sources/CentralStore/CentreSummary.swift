import ConsentCore
import Crypto
import Foundation

/// A field of a row copied into the centre by `consent migrate`.
public enum CopyValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// An integer (SQLite's reals are copied as integers: the centre stores none).
    case int(Int64)
    /// Text.
    case text(String)
    /// Bytes (a blob, `bytea` at PostgreSQL).
    case bytes(Data)
    /// A boolean.
    case bool(Bool)
}

/// What the migration's check compares on both sides: the SQLite centre's summary (`CentreMove.summary(counts:)`,
/// CentralStoreSQLite) against the PostgreSQL centre's (`PostgresCentralStore.summary()`), compared by ``differences(from:)``.
public struct CentreSummary: Codable, Equatable, Sendable {
    /// Row counts by table.
    public var counts: [String: Int64]
    /// The tables whose row counts both centres' summaries compare.
    public static let comparedTables = ["ledger", "value", "sealed_value", "data_key", "organisation_key", "tenant", "decision", "current_value",
                                        "sync_device", "push_result", "tenant_marker", "disclosure",
                                        "tenant_fetch"]
    /// Per device: its last sequence and the hash of its chain's last event.
    public var heads: [String: ChainHead]
    /// SHA-256 over every ledger hash in central order, with its central sequence.
    public var ledgerDigest: String

    /// The last event of a device's chain.
    public struct ChainHead: Codable, Equatable, Sendable {
        /// Its device sequence.
        public var sequence: Int64
        /// Its hash, in hexadecimal.
        public var hash: String
        /// A chain head.
        public init(sequence: Int64, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    /// A summary of counts, chain heads and ledger digest.
    public init(counts: [String: Int64], heads: [String: ChainHead], ledgerDigest: String) {
        self.counts = counts
        self.heads = heads
        self.ledgerDigest = ledgerDigest
    }

    /// What differs between `wanted` (the SQLite centre's summary) and this one (PostgreSQL's), one line
    /// each; empty when they match.
    public func differences(from wanted: CentreSummary) -> [String] {
        var out: [String] = []
        for (table, n) in wanted.counts.sorted(by: { $0.key < $1.key }) where counts[table] != n {
            out.append("\(table): \(n) rows in SQLite, \(counts[table] ?? 0) in PostgreSQL")
        }
        for (device, head) in wanted.heads.sorted(by: { $0.key < $1.key }) where heads[device] != head {
            out.append("device \(device): chain head \(head.sequence) \(head.hash.prefix(16)) in SQLite, "
                       + (heads[device].map { "\($0.sequence) \($0.hash.prefix(16))" } ?? "none") + " in PostgreSQL")
        }
        for device in heads.keys.sorted() where wanted.heads[device] == nil { out.append("device \(device) only in PostgreSQL") }
        if wanted.ledgerDigest != ledgerDigest { out.append("the ledgers differ (digest over central order)") }
        return out
    }
}

/// SHA-256 over (central sequence, hash) pairs in central order.
public struct LedgerDigest {
    private var hasher = SHA256()
    /// An empty digest.
    public init() {}
    /// Adds the next event in central order.
    public mutating func add(central: Int64, hash: Data) {
        hasher.update(data: withUnsafeBytes(of: central.bigEndian) { Data($0) })
        hasher.update(data: hash)
    }
    /// The digest so far, in hexadecimal.
    public var hex: String { hasher.finalize().lowercaseHex }
}

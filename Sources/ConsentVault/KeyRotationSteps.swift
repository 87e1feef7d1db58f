import Crypto
import Foundation

/// What `consent keys rotate --data-keys` did (a SQLite database or a PostgreSQL centre).
public struct DataKeyRotationReport: Sendable, Codable, Equatable {
    /// The key file that now holds the new key-encryption key.
    public var keyFile: String
    /// The key-encryption key that replaced the old one (the data keys' rotation ends with one).
    public var newKeyID: String
    /// The data key every value that was under a data key is now sealed under.
    public var newDataKey: String
    /// Data keys destroyed (no value is sealed under them any more), by this run.
    public var destroyedDataKeys: [String]
    /// Values sealed again under ``newDataKey`` by this run.
    public var resealedValues: Int
    /// Values sealed to the organisation's key (HPKE), left as they are: the key pair is not rotated.
    public var organisationSeals: Int
    /// Data keys that still seal values but do not open here (broken, or not this vault's): left as they are.
    public var keptDataKeys: [String]
    /// Whether this run finished a rotation that an earlier run had begun.
    public var resumed: Bool

    /// An empty report for `keyFile`, filled in as the rotation goes.
    public init(keyFile: String, resumed: Bool) {
        self.keyFile = keyFile
        newKeyID = ""
        newDataKey = ""
        destroyedDataKeys = []
        resealedValues = 0
        organisationSeals = 0
        keptDataKeys = []
        self.resumed = resumed
    }
}

/// Where a data-key rotation stands, as a database records it (one short text, committed with the step
/// it describes), so a rerun after a crash carries on from there.
package enum DataKeyRotationState: Equatable, Sendable {
    /// Values are being sealed again under this new data key (every old one still opens).
    case reseal(dataKey: String)
    /// The old data keys are gone; the key-encryption key with this id is being replaced.
    case rewrap(oldKEK: String)

    /// The state from its recorded text; nil for anything else.
    package init?(text: String) {
        if text.hasPrefix("reseal:") { self = .reseal(dataKey: String(text.dropFirst(7))) }
        else if text.hasPrefix("rewrap:") { self = .rewrap(oldKEK: String(text.dropFirst(7))) }
        else { return nil }
    }

    /// The text recorded.
    package var text: String {
        switch self {
        case .reseal(let key): "reseal:" + key
        case .rewrap(let kek): "rewrap:" + kek
        }
    }
}

extension Sealing {
    /// A new random data key and its id (`dk-` and 16 hex digits).
    package static func newDataKey() -> (id: String, key: SymmetricKey) {
        (newKeyID("dk-"), SymmetricKey(size: .bits256))
    }

    /// A new key id: `prefix` and 16 random hex digits.
    package static func newKeyID(_ prefix: String) -> String {
        prefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// `sealed` (under `old`) sealed again under `new` with the same salt and associated data, so the
    /// ledger's digest still proves it; nil when it does not open under `old`.
    package static func reseal(_ sealed: some DataProtocol, from old: DataKey, to new: DataKey, associatedData: Data) throws -> Data? {
        guard let plain = openPlain(sealed, key: old, associatedData: associatedData), let value = value(of: plain) else { return nil }
        return try seal(value, salt: Data(plain.prefix(saltBytes)), key: new, associatedData: associatedData)
    }

    /// The wraps under `target` that `rows` lack: each data key (or organisation private key) wrapped by
    /// `current` and not yet by `target`, wrapped again. `broken` names keys that claim `current` but do
    /// not open with it (their rows are left as they are).
    package static func rewraps(of rows: [(keyID: String, kekID: String, wrapped: Data)], from current: KeyEncryptionKey,
                                to target: KeyEncryptionKey) throws -> (wraps: [(keyID: String, wrapped: Data)], broken: [String]) {
        let done = Set(rows.filter { $0.kekID == target.id }.map(\.keyID))
        var wraps: [(keyID: String, wrapped: Data)] = [], broken: [String] = []
        for row in rows.sorted(by: { $0.keyID < $1.keyID }) where row.kekID == current.id && !done.contains(row.keyID) {
            guard let key = unwrap(row.wrapped, id: row.keyID, with: current) else { broken.append(row.keyID); continue }
            wraps.append((row.keyID, try wrap(key, id: row.keyID, with: target)))
        }
        return (wraps, broken)
    }
}

/// Where a key-encryption key is kept while it is replaced: the key in use, and during a rotation the
/// next one beside it (`KEY.new`), written durably before any database names it and renamed over the
/// key only once every data key is wrapped by both.
public protocol KeyEncryptionKeySlot {
    /// Where the key is, for messages and reports.
    var path: String { get }
    /// The key in use.
    func current() throws(StoreError) -> KeyEncryptionKey
    /// The next key, when a rotation has written it and not yet put it in place.
    func pending() throws(StoreError) -> KeyEncryptionKey?
    /// Writes a new random next key durably and returns it.
    func makePending() throws(StoreError) -> KeyEncryptionKey
    /// Puts the next key in place of the current one (atomically).
    func promotePending() throws(StoreError)
}

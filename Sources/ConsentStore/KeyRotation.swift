import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// What `consent keys rotate` did.
public struct RotationReport: Sendable, Codable, Equatable {
    /// The key file that now holds the new key-encryption key.
    public var keyFile: String
    public var oldKeyID: String
    public var newKeyID: String
    /// Data keys now wrapped by the new key only.
    public var dataKeys: Int
    /// Whether this run finished a rotation that an earlier run had begun.
    public var resumed: Bool
}

/// What `consent keys status` shows: where the key is, whether it opens the vault, and the vault's keys.
public struct KeyStatus: Sendable, Codable, Equatable {
    public var keyFile: String
    public var origin: String
    /// The fingerprint of the key-encryption key, if one was read.
    public var keyID: String?
    /// Why special-category values are unavailable; nil when the key opens the vault.
    public var problem: String?
    /// The vault's data keys and the organisation's private key, if held here (not the PIN key, ``PINKey``).
    public var dataKeys: Int
    /// Wrapped keys per key-encryption key fingerprint, the PIN key's included (two fingerprints during a rotation).
    public var wrapsByKey: [String: Int]
    public var sealedValues: Int
    public var erasedValues: Int
    /// A rotation was interrupted; run `consent keys rotate` again to finish it.
    public var rotationUnfinished: Bool
    /// Data keys that name this key but do not open with it (forged by a device, or damaged): values
    /// under them read as unavailable; everything else works.
    public var brokenKeys: [String]
    /// The id of the organisation's public key new special-category values are sealed to (HPKE), if any;
    /// the same on the centre and on every device enrolled with it.
    public var organisationKey: String?
    /// Whether this process opens values sealed to that key (the centre, with its key-encryption key).
    public var opensOrganisationSeals: Bool
    /// The PIN key PINs and codes are hashed keyed with (``PINKey``), if this process holds one.
    public var pinKey: String?
    /// PINs and unexpired sign-in codes still hashed the unkeyed way: each PIN is keyed at its next sign-in with the key file;
    /// until none is left, every sign-in also spends the unkeyed hash's work (docs/kiosk.md).
    public var unkeyedSecrets: Int

    /// What to do about ``brokenKeys``, in words; nil when there are none.
    public var brokenKeysAdvice: String? {
        brokenKeys.isEmpty ? nil : """
            data key \(brokenKeys.joined(separator: ", ")) does not open with this key (forged by a device or damaged): \
            values sealed under it read as unavailable and every other value works; a centre now refuses such keys, \
            so it came from an older push: restore that key from a backup of the vault made before it arrived
            """
    }
}

extension ConsentDatabase {
    /// The key file that a rotation in progress writes first: `KEY.new`.
    public static func pendingKeyPath(for keyFile: String) -> String { keyFile + ".new" }

    /// Replaces the key-encryption key in `keyFile` with a new one and re-wraps every data key, in
    /// steps that a crash (even `kill -9`) can interrupt anywhere without losing access:
    /// 1. the new key is written durably to `KEY.new` (the vault still opens with `KEY`);
    /// 2. one vault transaction adds a wrap of every data key under the new key (both keys open it);
    /// 3. `KEY.new` is renamed over `KEY` (atomic; the app now reads the new key);
    /// 4. one vault transaction removes the wraps under other keys.
    /// Run again after a crash, it finishes the interrupted rotation instead of starting another.
    /// `afterStep` is called after each step (tests use it to crash on purpose).
    public static func rotateKey(
        at path: String, validator: Validator, keyFile: String, afterStep: (Int) -> Void = { _ in }
    ) throws(StoreError) -> RotationReport {
        let pending = pendingKeyPath(for: keyFile)
        let current = try KeyFile.read(keyFile)
        var target: KeyEncryptionKey
        var resumed = false
        if FileManager.default.fileExists(atPath: pending) {
            target = try KeyFile.read(pending)
            resumed = true
        } else {
            let db = try open(at: path, validator: validator, key: current)
            let stale = try db.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM vault.data_key WHERE kek_id != ?", arguments: [current.id]) ?? 0
            }
            if stale > 0 { // crashed after step 3: the key file is already the new key; finish step 4
                let keys = try db.dropWrapsExcept(current)
                try db.close()
                afterStep(4)
                return RotationReport(keyFile: keyFile, oldKeyID: "", newKeyID: current.id, dataKeys: keys, resumed: true)
            }
            try db.close()
            target = KeyEncryptionKey.generate(source: keyFile)
            try KeyFile.create(target, at: pending)
        }
        target = KeyEncryptionKey(key: target.key, source: keyFile)
        afterStep(1)
        let db = try open(at: path, validator: validator, key: current)
        defer { try? db.close() }
        try db.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT key_id, kek_id, wrapped FROM vault.data_key ORDER BY key_id")
                .map { (keyID: $0["key_id"] as String, kekID: $0["kek_id"] as String, wrapped: $0["wrapped"] as Data) }
            let plan = try Sealing.rewraps(of: rows, from: current, to: target)
            let covered = Set(rows.filter { $0.kekID == current.id || $0.kekID == target.id }.map(\.keyID))
            guard plan.broken.isEmpty, covered == Set(rows.map(\.keyID)) else { throw StoreError.wrongKey(source: keyFile) }
            for wrap in plan.wraps {
                try db.execute(sql: "INSERT INTO vault.data_key (key_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [wrap.keyID, target.id, wrap.wrapped, Millis.from(Date())])
            }
        }
        afterStep(2)
        try KeyFile.move(pending, over: keyFile)
        afterStep(3)
        let keys = try db.dropWrapsExcept(target)
        afterStep(4)
        return RotationReport(keyFile: keyFile, oldKeyID: current.id, newKeyID: target.id, dataKeys: keys, resumed: resumed)
    }

    /// Removes wraps under other keys of every data key that `kek` wraps; returns how many data keys it wraps.
    private func dropWrapsExcept(_ kek: KeyEncryptionKey) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: """
                DELETE FROM vault.data_key WHERE kek_id != ? AND key_id IN (SELECT key_id FROM vault.data_key WHERE kek_id = ?)
                """, arguments: [kek.id, kek.id])
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM vault.data_key WHERE kek_id = ?", arguments: [kek.id]) ?? 0
        }
    }

    /// The state of the vault's keys, for `consent keys status`.
    public func keyStatus(keyFile: String, origin: String) throws(StoreError) -> KeyStatus {
        try read { db in
            var wraps: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kek_id, count(*) AS n FROM vault.data_key GROUP BY kek_id") {
                wraps[row["kek_id"]] = row["n"]
            }
            let counts = try Row.fetchOne(db, sql: "SELECT count(sealed) AS sealed, count(*) - count(sealed) AS erased FROM vault.value")
            return KeyStatus(
                keyFile: keyFile, origin: origin, keyID: keys.kek?.id, problem: keys.missingReason,
                dataKeys: try Int.fetchOne(db, sql: "SELECT count(DISTINCT key_id) FROM vault.data_key WHERE key_id NOT LIKE ?", arguments: [PINKey.likePattern]) ?? 0,
                wrapsByKey: wraps, sealedValues: counts?["sealed"] ?? 0, erasedValues: counts?["erased"] ?? 0,
                rotationUnfinished: wraps.count > 1 || FileManager.default.fileExists(atPath: Self.pendingKeyPath(for: keyFile)),
                brokenKeys: keys.broken, organisationKey: keys.organisationKey?.id, opensOrganisationSeals: keys.opensOrganisationSeals,
                pinKey: keys.pinKeyForNewHashes?.id,
                unkeyedSecrets: try Int.fetchOne(db, sql: Self.unkeyedSecretsCount, arguments: [Millis.from(clock())]) ?? 0)
        }
    }
}

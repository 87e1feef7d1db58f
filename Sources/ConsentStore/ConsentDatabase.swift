import ConsentCore
@_exported import ConsentVault
import Foundation
import GRDB
import SyncProtocol

/// The store facade: owns the SQLite connection (main file plus the special-category vault file),
/// migrates it, and offers only consistent writes — every change goes through ``ChangeRules`` and
/// becomes a hash-chained ledger event and its projection update in one transaction.
///
/// ```swift
/// let db = try ConsentDatabase.create(at: "consent.sqlite", validator: content.validator)
/// try db.record(ChangeRequest(tenant: ref, payload: .erasure(AttributeID("email")), actor: .tenant, channel: .kiosk))
/// ```
public final class ConsentDatabase: Sendable {
    /// The main database file.
    public let path: String
    /// The file that holds special-category values, apart from everything else.
    public let vaultPath: String
    /// This device's id; the ledger chains this device's events.
    public let device: DeviceID
    /// Whether this is a central store (`consent serve`): its events are numbered centrally as they
    /// are written, and devices push to it and pull from it. Otherwise it is a device's own database.
    public let isCentre: Bool
    public let validator: Validator
    let queue: DatabaseQueue
    package let clock: @Sendable () -> Date
    /// The data keys this process holds (none without a key-encryption key).
    package let keys: VaultKeyring
    /// The vault-only connection through which vault rows commit before the main file (see ``VaultWriter``).
    package let vaultWriter: VaultWriter

    /// Whether special-category values can be read and recorded here (a key-encryption key was given,
    /// and this is not a device that seals them for the centre).
    public var specialValuesAvailable: Bool { keys.kek != nil && !keys.sealsForCentre }

    /// Whether this database seals special-category values to the organisation's key and cannot open
    /// them (an enrolled device): reading one back, revealing it and checking it need the centre.
    public var specialValuesSealedForCentre: Bool { keys.sealsForCentre }

    /// Refuses `what` (a reveal, say) on a device whose special-category values only the centre opens,
    /// before anything is asked or recorded: ``StoreError/sealedForCentre(what:)``.
    public func refuseIfSealedForCentre(_ what: String) throws(StoreError) {
        if keys.sealsForCentre { throw .sealedForCentre(what: what) }
    }

    /// The organisation's public key this database seals special-category values to (a centre gives it
    /// to devices at enrolment), if it has one.
    public var organisationKey: OrganisationPublicKey? { keys.organisationKey }

    /// On a device: seals special-category values from now on to `key`, the organisation's public key
    /// its centre sent over the enrolment's authenticated channel. Refused at a centre.
    public func adoptOrganisationKey(_ key: OrganisationPublicKey) throws(StoreError) {
        guard !isCentre else { throw .badOrganisationKey(reason: "\(path) is a central store and keeps its own organisation key") }
        try write { db in try keys.adoptOrganisationKey(key, db) }
    }

    /// Why special-category values are unavailable, as one line for the user; nil when they are available.
    public var specialValuesProblem: String? {
        if keys.sealsForCentre {
            return "special-category values on this device are sealed to the organisation's key: they can be recorded here, "
                + "and are read, revealed, exported and checked at the centre"
        }
        return keys.missingReason.map { "special-category values are unavailable: \($0); nothing stored is lost, and they open again with the key" }
    }

    public var catalogue: Catalogue { validator.catalogue }

    /// The vault file that goes with a main database file: `consent.sqlite` → `consent.special.sqlite`.
    public static func vaultPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        guard !ext.isEmpty else { return path + ".special" }
        return url.deletingPathExtension().path + ".special." + ext
    }

    /// Creates a new, empty database (and its vault). Refuses a path that exists. With `key`, the vault
    /// gets its first data key, wrapped by it; without, special-category values cannot be recorded.
    public static func create(
        at path: String, validator: Validator, device: DeviceID? = nil, clock: @escaping @Sendable () -> Date = Date.init,
        key: KeyEncryptionKey? = nil, keyProblem: String? = nil, centre: Bool = false
    ) throws(StoreError) -> ConsentDatabase {
        let vault = vaultPath(for: path)
        for file in [path, vault] where FileManager.default.fileExists(atPath: file) {
            throw .alreadyExists(path: file)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = device ?? DeviceID("dev-" + UUID().uuidString.prefix(8).lowercased())
        // Both files exist, 0600, before SQLite opens them: it gives their WAL and -shm files the same mode.
        try KeyFile.createPrivate(path)
        try KeyFile.createPrivate(vault)
        do {
            let queue = try openQueue(path, vault: vault)
            try Schema.migrator.migrate(queue)
            let keys = VaultKeyring(kek: key, missingReason: keyProblem)
            try queue.write { db in
                try keys.createDataKey(db, now: clock())
                let databaseID = UUID().uuidString
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('device_id', ?), ('database_id', ?)",
                               arguments: [id.rawValue, databaseID])
                try db.execute(sql: "INSERT INTO vault.meta (key, value) VALUES ('database_id', ?)", arguments: [databaseID])
                try db.execute(sql: "INSERT INTO device (no, id) VALUES (1, ?)", arguments: [id.rawValue])
                if centre {
                    try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('role', 'centre')")
                    try keys.createOrganisationKey(db, now: clock())
                }
            }
            return ConsentDatabase(path: path, vaultPath: vault, device: id, isCentre: centre, validator: validator, queue: queue, clock: clock,
                                   keys: keys, vaultWriter: try VaultWriter(path: vault))
        } catch let error as StoreError {
            throw error
        } catch {
            throw .sqlite(String(describing: error))
        }
    }

    /// Opens an existing database, after checking that it is ours, not newer than this binary, and
    /// that its vault is the right one. Applies pending migrations.
    /// `cacheMegabytes` bounds SQLite's page cache: large for bulk work, small for a kiosk that
    /// reads one tenant at a time. `key` opens the special-category vault; without it (`keyProblem` says
    /// why, for messages) the database opens, special-category values read as unavailable and new ones
    /// are refused. A key that does not belong to the vault is refused (``StoreError/wrongKey(source:)``).
    /// `upgrading` is called once before pending migrations run (some rewrite a table: about a minute at a million
    /// tenants), so a caller can say why opening waits.
    public static func open(
        at path: String, validator: Validator, clock: @escaping @Sendable () -> Date = Date.init, cacheMegabytes: Int = 32,
        key: KeyEncryptionKey? = nil, keyProblem: String? = nil, upgrading: () -> Void = {}
    ) throws(StoreError) -> ConsentDatabase {
        guard FileManager.default.fileExists(atPath: path) else { throw .noDatabase(path: path) }
        try inspect(path)
        let vault = vaultPath(for: path)
        guard FileManager.default.fileExists(atPath: vault) else { throw .vaultMissing(path: vault) }
        try inspect(vault, isVault: true)
        try requirePrivate(path)
        do {
            let queue = try openQueue(path, vault: vault, cacheMegabytes: cacheMegabytes)
            let (device, mainID, vaultID, role) = try queue.read { db in
                (try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device_id'"),
                 try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'database_id'"),
                 try String.fetchOne(db, sql: "SELECT value FROM vault.meta WHERE key = 'database_id'"),
                 try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'role'"))
            }
            guard let device, let mainID else { throw StoreError.notOurs(path: path) }
            guard mainID == vaultID else { throw StoreError.vaultMismatch(path: vault) }
            let migrator = Schema.migrator
            if try !queue.read(migrator.hasCompletedMigrations) { upgrading() }
            try migrator.migrate(queue)
            guard try queue.read({ db in try Int.fetchOne(db, sql: "SELECT 1 FROM vault.sqlite_master WHERE name = 'data_key'") }) != nil else {
                throw StoreError.unsealedVault(path: path)
            }
            let keys = VaultKeyring(kek: key, missingReason: keyProblem)
            if try !queue.read({ db in try keys.load(db) }) {
                _ = try queue.write { db in try keys.createDataKey(db, now: clock()) }
            }
            if role == "centre", keys.kek != nil, keys.organisationKey == nil {
                // A centre from before organisation keys: it gets its key pair now; values sealed before still open with their data keys.
                try queue.write { db in try keys.createOrganisationKey(db, now: clock()) }
            }
            let database = ConsentDatabase(path: path, vaultPath: vault, device: DeviceID(device), isCentre: role == "centre",
                                           validator: validator, queue: queue,
                                           clock: clock, keys: keys, vaultWriter: try VaultWriter(path: vault))
            try database.applyDueErasures()
            try database.applyDueDepartures()
            return database
        } catch let error as StoreError {
            throw error
        } catch {
            throw .sqlite(String(describing: error))
        }
    }

    private init(
        path: String, vaultPath: String, device: DeviceID, isCentre: Bool, validator: Validator, queue: DatabaseQueue,
        clock: @escaping @Sendable () -> Date, keys: VaultKeyring, vaultWriter: VaultWriter
    ) {
        self.keys = keys
        self.vaultWriter = vaultWriter
        self.path = path
        self.vaultPath = vaultPath
        self.device = device
        self.isCentre = isCentre
        self.validator = validator
        self.queue = queue
        self.clock = clock
    }

    private static func openQueue(_ path: String, vault: String, cacheMegabytes: Int = 32) throws -> DatabaseQueue {
        var config = Configuration.durableWAL(attachingVault: vault)
        // A kiosk, the desk's commands and a sync may open the same files at once: wait for each other.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -\(cacheMegabytes * 1000)") }
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// Reads one value of a database's metadata without opening it for use (no migration, no key):
    /// enough to tell whether a file is a demo that may be replaced.
    public static func metadata(_ key: String, at path: String) throws(StoreError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { throw .noDatabase(path: path) }
        try inspect(path)
        do {
            var config = Configuration()
            config.readonly = true
            let probe = try DatabaseQueue(path: path, configuration: config)
            defer { try? probe.close() }
            return try probe.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
        } catch {
            throw Self.map(error)
        }
    }

    /// Refuses a database whose files (main file, vault, their WAL and shared-memory files) group or
    /// others may read or write: they hold the register, the PIN hashes and the sync secret.
    static func requirePrivate(_ path: String) throws(StoreError) {
        let vault = vaultPath(for: path)
        let exposed = [path, path + "-wal", path + "-shm", vault, vault + "-wal", vault + "-shm"]
            .filter { file in KeyFile.permissions(file).flatMap(KeyFile.exposed) != nil }
        guard exposed.isEmpty else { throw .databaseUnsafe(files: exposed) }
    }

    /// Reads a file's header without changing it: refuses foreign and newer files.
    private static func inspect(_ path: String, isVault: Bool = false) throws(StoreError) {
        do {
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(10)
            let probe = try DatabaseQueue(path: path, configuration: config)
            defer { try? probe.close() }
            let (appID, version, tables) = try probe.read { db in
                (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                 try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0)
            }
            if appID == 0 && tables == 0 { throw isVault ? StoreError.vaultMismatch(path: path) : StoreError.notOurs(path: path) }
            guard appID == Schema.applicationID else { throw StoreError.notOurs(path: path) }
            if !isVault && version > Schema.version {
                throw StoreError.newerSchema(path: path, found: version, known: Schema.version)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notSQLite(path: path)
        } catch {
            throw .sqlite(String(describing: error))
        }
    }

    /// Runs a read transaction, mapping database errors to ``StoreError``.
    package func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try queue.read(body) } catch { throw Self.map(error) }
    }

    /// Runs a write transaction, mapping database errors to ``StoreError``.
    package func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try queue.write(body) } catch { throw Self.map(error) }
    }

    /// Runs a write transaction that appends to the ledger: deferred, with the main file's write lock
    /// taken first, so the vault stays free for ``VaultWriter`` to commit vault rows before this commits.
    package func writeLedger<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.deferred) {
                    try db.cachedStatement(sql: "UPDATE chain_head SET seq = seq WHERE 0").execute() // takes the main file's write lock now
                    try refuseIfMoved(db)
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw StoreError.sqlite("a ledger transaction ended without a result") }
                return result
            }
        } catch {
            throw Self.map(error)
        }
    }

    /// Makes the vault forget special-category values whose erasure the main file has committed.
    /// Run after every commit that recorded an erasure, and at opening (after a crash in between).
    package func applyDueErasures() throws(StoreError) {
        let due = try read { db in
            try Row.fetchAll(db, sql: "SELECT id, device_no, device_seq, attribute_id FROM vault_erasure_due ORDER BY id")
        }
        guard let last = due.last?["id"] as Int64? else { return }
        do {
            try vaultWriter.erase(due.map { (deviceNo: $0["device_no"], sequence: $0["device_seq"], attribute: $0["attribute_id"]) })
        } catch {
            throw Self.map(error)
        }
        try write { db in try db.execute(sql: "DELETE FROM vault_erasure_due WHERE id <= ?", arguments: [last]) }
    }

    package static func map(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? ChangeError { return .refused(error) }
        if let error = error as? HLCError { return .clock(error) }
        if let error = error as? CentralStoreError { return .sync(error) }
        if let error = error as? DatabaseError, [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode.primaryResultCode) { return .busy }
        return .sqlite(String(describing: error))
    }

    /// Closes the connection; further use fails.
    public func close() throws(StoreError) {
        do {
            try vaultWriter.close()
            try queue.close()
        } catch { throw Self.map(error) }
    }
}

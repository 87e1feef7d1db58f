import ConsentCore
import Foundation
import GRDB

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
    public let validator: Validator
    let queue: DatabaseQueue
    let clock: @Sendable () -> Date

    public var catalogue: Catalogue { validator.catalogue }

    /// The vault file that goes with a main database file: `consent.sqlite` → `consent.special.sqlite`.
    public static func vaultPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        guard !ext.isEmpty else { return path + ".special" }
        return url.deletingPathExtension().path + ".special." + ext
    }

    /// Creates a new, empty database (and its vault). Refuses a path that exists.
    public static func create(
        at path: String, validator: Validator, device: DeviceID? = nil, clock: @escaping @Sendable () -> Date = Date.init
    ) throws(StoreError) -> ConsentDatabase {
        let vault = vaultPath(for: path)
        for file in [path, vault] where FileManager.default.fileExists(atPath: file) {
            throw .alreadyExists(path: file)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = device ?? DeviceID("dev-" + UUID().uuidString.prefix(8).lowercased())
        do {
            let queue = try openQueue(path, vault: vault)
            try Schema.migrator.migrate(queue)
            try queue.write { db in
                let databaseID = UUID().uuidString
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('device_id', ?), ('database_id', ?)",
                               arguments: [id.rawValue, databaseID])
                try db.execute(sql: "INSERT INTO vault.meta (key, value) VALUES ('database_id', ?)", arguments: [databaseID])
                try db.execute(sql: "INSERT INTO device (no, id) VALUES (1, ?)", arguments: [id.rawValue])
            }
            return ConsentDatabase(path: path, vaultPath: vault, device: id, validator: validator, queue: queue, clock: clock)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .sqlite(String(describing: error))
        }
    }

    /// Opens an existing database, after checking that it is ours, not newer than this binary, and
    /// that its vault is the right one. Applies pending migrations.
    /// `cacheMegabytes` bounds SQLite's page cache: large for bulk work, small for a kiosk that
    /// reads one tenant at a time.
    public static func open(
        at path: String, validator: Validator, clock: @escaping @Sendable () -> Date = Date.init, cacheMegabytes: Int = 32
    ) throws(StoreError) -> ConsentDatabase {
        guard FileManager.default.fileExists(atPath: path) else { throw .noDatabase(path: path) }
        try inspect(path)
        let vault = vaultPath(for: path)
        guard FileManager.default.fileExists(atPath: vault) else { throw .vaultMissing(path: vault) }
        try inspect(vault, isVault: true)
        do {
            let queue = try openQueue(path, vault: vault, cacheMegabytes: cacheMegabytes)
            let (device, mainID, vaultID) = try queue.read { db in
                (try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device_id'"),
                 try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'database_id'"),
                 try String.fetchOne(db, sql: "SELECT value FROM vault.meta WHERE key = 'database_id'"))
            }
            guard let device, let mainID else { throw StoreError.notOurs(path: path) }
            guard mainID == vaultID else { throw StoreError.vaultMismatch(path: vault) }
            try Schema.migrator.migrate(queue)
            return ConsentDatabase(path: path, vaultPath: vault, device: DeviceID(device), validator: validator, queue: queue, clock: clock)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .sqlite(String(describing: error))
        }
    }

    private init(path: String, vaultPath: String, device: DeviceID, validator: Validator, queue: DatabaseQueue, clock: @escaping @Sendable () -> Date) {
        self.path = path
        self.vaultPath = vaultPath
        self.device = device
        self.validator = validator
        self.queue = queue
        self.clock = clock
    }

    private static func openQueue(_ path: String, vault: String, cacheMegabytes: Int = 32) throws -> DatabaseQueue {
        var config = Configuration()
        config.journalMode = .wal
        // Another process (staff issuing a code while the kiosk starts) may hold the write lock for a moment.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS vault", arguments: [vault])
            try db.execute(sql: "PRAGMA vault.journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA vault.synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -\(cacheMegabytes * 1000)")
        }
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// Reads a file's header without changing it: refuses foreign and newer files.
    private static func inspect(_ path: String, isVault: Bool = false) throws(StoreError) {
        do {
            var config = Configuration()
            config.readonly = true
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
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try queue.read(body) } catch { throw Self.map(error) }
    }

    /// Runs a write transaction, mapping database errors to ``StoreError``.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try queue.write(body) } catch { throw Self.map(error) }
    }

    static func map(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? ChangeError { return .refused(error) }
        if let error = error as? HLCError { return .clock(error) }
        return .sqlite(String(describing: error))
    }

    /// Closes the connection; further use fails.
    public func close() throws(StoreError) {
        do { try queue.close() } catch { throw Self.map(error) }
    }
}

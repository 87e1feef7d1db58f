import GRDB

extension Configuration {
    /// A configuration for a database file every commit of which must survive a power cut: WAL
    /// journal and `synchronous = FULL` (the WAL is synced at each commit). Its connections also have
    /// the SQL function that gives a value's whole digest (``StoredValueDigest``).
    ///
    /// GRDB's own `journalMode = .wal` switch is not used on purpose: it runs after
    /// `prepareDatabase` and sets `synchronous = NORMAL`, which would quietly undo FULL (a commit
    /// could then be lost at a power cut, though the file stays consistent). Setups added later with
    /// `prepareDatabase` run after these two pragmas.
    package static func durableWAL() -> Configuration {
        var config = Configuration()
        config.prepareDatabase { db in
            guard let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL"), mode.lowercased() == "wal" else {
                throw DatabaseError(message: "could not switch \(db.description) to WAL mode")
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            db.add(function: StoredValueDigest.function)
        }
        return config
    }

    /// ``durableWAL()`` for a main file with its vault attached as `vault`, the vault durable the same way.
    package static func durableWAL(attachingVault vault: String) -> Configuration {
        var config = durableWAL()
        config.prepareDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS vault", arguments: [vault])
            try db.execute(sql: "PRAGMA vault.journal_mode = WAL")
            try db.execute(sql: "PRAGMA vault.synchronous = FULL")
        }
        return config
    }
}

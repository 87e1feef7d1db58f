import ArgumentParser
import CentralStorePostgres
import ConsentCore
import ConsentStore

/// Opening a PostgreSQL central store from a `--database` option.
public enum PostgresCentre {
    /// The help of a `--database` option.
    public static let help = ArgumentHelp("""
        A PostgreSQL central store instead of --db: postgres://USER@HOST[:PORT]/DATABASE (?host=/socket/dir for a unix socket).
        """, valueName: "url")

    /// Connects (creating or migrating the schema), with the catalogue from the content options.
    public static func open(_ url: String, store: StoreOptions) async throws -> PostgresCentralStore {
        try await open(url, catalogue: try store.content.load().catalogue)
    }

    /// For a command that has loaded Forms already; with `keyEncryptionKey` (the organisation's KEK), pushed data keys must open with it.
    public static func open(_ url: String, catalogue: Catalogue, keyEncryptionKey: KeyEncryptionKey? = nil) async throws -> PostgresCentralStore {
        let location: PostgresLocation
        do { location = try PostgresLocation(url: url) } catch { throw ValidationError(error.description) }
        return try await PostgresCentralStore.open(location, catalogue: catalogue, keyEncryptionKey: keyEncryptionKey)
    }
}

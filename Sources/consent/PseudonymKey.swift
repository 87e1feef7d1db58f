import ArgumentParser
import ConsentCommandLine
import ConsentStore
import Crypto
import Foundation

/// `--pseudonym-key`: the key that keyed pseudonyms are made with, for the regulator return and for
/// exports of a purpose whose rows are pseudonymised. One key for both, so a tenant keeps one pseudonym.
struct PseudonymKeyOption: ParsableArguments {
    @Option(help: ArgumentHelp("The pseudonym key (created 0600 if missing). Default: DB.pseudonym-key beside the database.", valueName: "file"), completion: .file())
    var pseudonymKey: String?

    /// The key at `--pseudonym-key`, else beside `--db`; created (0600) when missing. A PostgreSQL
    /// centre has no file beside it, so `--database` needs the option.
    func load(store: StoreOptions, database: String?) throws -> SymmetricKey {
        if database != nil, pseudonymKey == nil {
            throw CLIError("""
                with --database, give --pseudonym-key FILE: the key earlier pseudonymised files were made with (or a new file, \
                created 0600), so each tenant keeps their pseudonym; nothing was written
                """)
        }
        return try create(store: store)
    }

    /// The key pseudonymised files were already made with, for reading them back (recalls): never a new one,
    /// which would make other pseudonyms than the file's.
    func existing(store: StoreOptions, database: String?, for what: String) throws -> SymmetricKey {
        let path = pseudonymKey ?? (database == nil ? store.path + ".pseudonym-key" : nil)
        guard let path, FileManager.default.fileExists(atPath: path) else {
            let missing = path.map { " (\($0) does not exist)" } ?? ""
            throw CLIError("\(what) names tenants by pseudonym: give --pseudonym-key FILE, the key it was made with\(missing); nothing was printed")
        }
        return try create(store: store)
    }

    private func create(store: StoreOptions) throws -> SymmetricKey {
        SymmetricKey(data: try KeyFile.loadOrCreateSecret(pseudonymKey ?? store.path + ".pseudonym-key", bytes: 32, header: """
            # TenantConsent pseudonym key (regulator returns, pseudonymised exports): the same tenant keeps the same
            # pseudonym while this file is kept. Keep it secret (mode 0600) and back it up: a new key changes every pseudonym.

            """))
    }
}

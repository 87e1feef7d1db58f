import ArgumentParser
import ConsentCommandLine
import ConsentStore
import Crypto

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
        return SymmetricKey(data: try KeyFile.loadOrCreateSecret(pseudonymKey ?? store.path + ".pseudonym-key", bytes: 32, header: """
            # TenantConsent pseudonym key (regulator returns, pseudonymised exports): the same tenant keeps the same
            # pseudonym while this file is kept. Keep it secret (mode 0600) and back it up: a new key changes every pseudonym.

            """))
    }
}

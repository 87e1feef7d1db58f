import ArgumentParser
import ConsentCommandLine
import ConsentStore
import Foundation

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The key-encryption key that opens special-category values: status and rotation.",
        subcommands: [Status.self, Rotate.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where the key is, whether it opens the vault, and how many values it seals.",
            discussion: """
                Names the organisation key new special-category values are sealed to: a device prints the same id when it \
                enrols, so staff can check that it seals to this centre's key.
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: PostgresCentre.help) var database: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            if let database { return try await postgresStatus(database) }
            let location = store.keyLocation
            let status = try store.open().keyStatus(keyFile: location.path, origin: location.origin.rawValue)
            if json { return try printJSON(status) }
            print("Key file: \(status.keyFile) (\(status.origin))")
            if let problem = status.problem {
                print("Special-category values: UNAVAILABLE (\(problem))")
            } else {
                print("Special-category values: available (key \(status.keyID ?? "?"))")
            }
            print("Data keys: \(status.dataKeys); sealed values: \(status.sealedValues); erased: \(status.erasedValues)")
            for (kek, count) in status.wrapsByKey.sorted(by: { $0.key < $1.key }) {
                print("  wrapped by key \(kek)\(kek == status.keyID ? " (this key)" : ""): \(count)")
            }
            if let key = status.organisationKey {
                print("Organisation key: \(key) (new special-category values are sealed to it; "
                      + (status.opensOrganisationSeals ? "its private key is here and opens them)" : "this database cannot open them: they are read at the centre)"))
            }
            if let advice = status.brokenKeysAdvice { print("Broken key: \(advice)") }
            if status.rotationUnfinished { print("A key rotation was interrupted: run `consent keys rotate` again to finish it.") }
        }

        /// At a PostgreSQL centre: its organisation key, and whether the key-encryption key given opens its private half.
        private func postgresStatus(_ database: String) async throws {
            let central = try await PostgresCentre.open(database, store: store)
            defer { central.shutdown() }
            let key = try await central.organisationPublicKey()
            let (opener, problem) = try await sealedValueOpener(store, central: central)
            let opens = key != nil && opener?.organisationKeyID == key?.id
            if json {
                return try printJSON(PostgresKeyStatus(organisationKey: key?.id, opensOrganisationSeals: opens,
                                                       problem: opener == nil ? (problem ?? "no key-encryption key was found") : nil))
            }
            guard let key else {
                return print("""
                    Organisation key: none (devices enrolled here seal under keys of their own); start `consent serve --database ...` \
                    once with --key-file FILE, the organisation's key-encryption key, to make one
                    """)
            }
            print("Organisation key: \(key.id) (devices enrolled here seal special-category values to it; "
                  + (opens ? "the key-encryption key given opens its private key)" : "its private key is not opened here: give --key-file to read values)"))
        }
    }

    /// What `consent keys status --database` shows.
    struct PostgresKeyStatus: Codable {
        /// The id of the organisation's public key devices seal to; nil when the centre has none.
        var organisationKey: String?
        /// Whether the key-encryption key given opens its private key.
        var opensOrganisationSeals: Bool
        /// Why no key-encryption key was used, if none was.
        var problem: String?
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the key-encryption key with a new one and re-wrap every data key.",
            discussion: """
                Writes the new key to KEY.new, wraps every data key under it as well, renames KEY.new over the key
                file, then drops the old wraps. Interrupted at any point (even by a power cut), every value still
                opens with the key file as it is; run the command again to finish. Values themselves are not
                re-encrypted. Back up the new key file afterwards; the old one no longer opens the vault.
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let location = store.keyLocation
            guard location.origin != .credential else {
                throw CLIError("the key comes from a systemd credential (\(location.path)), which this program cannot replace; rotate the key file it was made from with --key-file PATH, then re-create the credential")
            }
            let content = try store.content.load()
            let crashAt = ProcessInfo.processInfo.environment["CONSENT_TEST_KILL_AT_ROTATION_STEP"].flatMap(Int.init)
            let report = try ConsentDatabase.rotateKey(at: store.path, validator: content.validator, keyFile: location.path) { step in
                if step == crashAt { kill(getpid(), SIGKILL) } // tests only: a crash at this step
            }
            if json { return try printJSON(report) }
            if report.resumed { print("Finished an interrupted rotation.") }
            print("Key \(report.newKeyID) in \(report.keyFile) now wraps \(report.dataKeys) data key(s); back this file up, apart from the database.")
        }
    }
}

import ArgumentParser
import ConsentCommandLine
import ConsentStore
import Foundation

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "The key-encryption key that opens special-category values: status and rotation.",
        subcommands: [Status.self, Rotate.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
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
            print("PIN key: \(status.pinKey ?? "none held (made by the first PIN or code stored with the key file)"); "
                  + "PINs and codes not yet keyed: \(status.unkeyedSecrets)"
                  + (status.unkeyedSecrets > 0 ? " (each PIN is keyed at its next sign-in; until none is left, sign-ins spend both hashes' work)" : ""))
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

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Replace the key-encryption key (and with --data-keys, the data keys) with new ones.",
            discussion: """
                Writes the new key to KEY.new, wraps every data key under it as well, renames KEY.new over the key
                file, then drops the old wraps. Interrupted at any point (even by a power cut), every value still
                opens with the key file as it is; run the command again to finish. Back up the new key file
                afterwards; the old one no longer opens the vault.

                With --data-keys, every special-category value under a data key is first sealed again under one new
                data key and the old data keys are destroyed; then the key-encryption key is replaced as above, so a
                backup from before opens nothing with the new keys. Stop the server and anything else that writes to
                the database first. Killed part-way, every value still opens; run the same command again to finish.
                Progress is shown on a terminal only. Values sealed to the organisation's key are left as they are
                (see docs/vault.md).

                At a PostgreSQL centre (--database URL --key-file KEY, the key given to `consent serve`), only
                --data-keys is offered, with the same steps; stop every `consent serve --database` first and start
                them again with the new key file.
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "Also replace the data keys: seal every value again under a new one and destroy the old ones.")
        var dataKeys = false

        @Option(help: "A PostgreSQL centre (with --data-keys and --key-file): postgres://USER@HOST[:PORT]/DATABASE.")
        var database: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let location = store.keyLocation
            guard location.origin != .credential else {
                throw CLIError("the key comes from a systemd credential (\(location.path)), which this program cannot replace; rotate the key file it was made from with --key-file PATH, then re-create the credential")
            }
            let environment = ProcessInfo.processInfo.environment
            let crashAt = environment["CONSENT_TEST_KILL_AT_ROTATION_STEP"].flatMap(Int.init)
            let crashStep: (Int) -> Void = { step in
                if step == crashAt { kill(getpid(), SIGKILL) } // tests only: a crash at this step
            }
            let crashAfter = environment["CONSENT_TEST_KILL_AFTER_RESEALED"].flatMap(Int.init)
            var line = ProgressLine("Sealing values under the new data key", quiet: json)
            let progress: (Int, Int) -> Void = { done, total in
                line.update(done, of: total)
                if let crashAfter, done >= crashAfter { kill(getpid(), SIGKILL) } // tests only: a crash part-way
            }
            let batchSize = crashAfter == nil ? 500 : 50
            if let database {
                guard dataKeys, location.origin == .option else {
                    throw CLIError("""
                        at a PostgreSQL centre give --data-keys and --key-file (the key given to `consent serve --database`): \
                        only the data keys' rotation, which replaces that key too, is offered there; nothing was changed
                        """)
                }
                let central = try await PostgresCentre.open(database, store: store)
                defer { central.shutdown() }
                let report = try await central.rotateDataKeys(keys: KeyFileSlot(path: location.path), batchSize: batchSize,
                                                              progress: progress, afterKeyStep: crashStep)
                line.finish()
                if json { return try printJSON(report) }
                print(Self.describe(report))
                return print("Start `consent serve --database` again with --key-file \(report.keyFile).")
            }
            let content = try store.content.load()
            guard dataKeys else {
                let report = try ConsentDatabase.rotateKey(at: store.path, validator: content.validator, keyFile: location.path, afterStep: crashStep)
                if json { return try printJSON(report) }
                if report.resumed { print("Finished an interrupted rotation.") }
                return print("Key \(report.newKeyID) in \(report.keyFile) now wraps \(report.dataKeys) data key(s); back this file up, apart from the database.")
            }
            let report = try ConsentDatabase.rotateDataKeys(
                at: store.path, validator: content.validator, keyFile: location.path, batchSize: batchSize,
                progress: progress, afterKeyStep: crashStep)
            line.finish()
            if json { return try printJSON(report) }
            print(Self.describe(report))
        }

        /// What a data-key rotation did, in words (the same for either centre).
        static func describe(_ report: DataKeyRotationReport) -> String {
            var lines: [String] = []
            if report.resumed { lines.append("Finished an interrupted rotation.") }
            lines.append("""
                \(report.resealedValues) value(s) sealed again under data key \(report.newDataKey); destroyed \(report.destroyedDataKeys.count) old data key(s)\
                \(report.destroyedDataKeys.isEmpty ? "" : " (\(report.destroyedDataKeys.joined(separator: ", ")))").
                Key \(report.newKeyID) in \(report.keyFile) now wraps the data keys; back this file up, apart from the database.
                Backups from before open only with the old key file: keep both apart, and destroy them together when your backup period ends (docs/vault.md).
                """)
            if report.organisationSeals > 0 {
                lines.append("\(report.organisationSeals) value(s) sealed to the organisation's key are unchanged (that key pair is not rotated).")
            }
            if !report.keptDataKeys.isEmpty {
                lines.append("Values under \(report.keptDataKeys.joined(separator: ", ")) do not open here and were left as they are (see `consent keys status`).")
            }
            return lines.joined(separator: "\n")
        }
    }
}

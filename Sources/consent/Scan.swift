import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentForms
import ConsentScan
import ConsentStore
import Foundation

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Check files before they leave: refuse any that hold more than one tenant's data or a special-category value.",
        discussion: """
            consent scan [--index INDEX --key KEY | --db PATH] FILE... (or - for standard input, e.g. a mail filter)
            reads CSV/TSV, XLSX, Word (.docx), OpenDocument (.ods, .odt), PDF (through pdftotext), JSON, XML, plain
            text, HTML and mail (.eml, with its attachments), inside ZIP and gzip archives too, in any encoding
            (UTF-8, UTF-16, UTF-32, Windows-1252, any MIME charset). It matches emails, phone numbers, tenancy
            references, and surnames with a postcode, a date of birth or a house number and street against the
            register, and looks for the values of special-category attributes (ethnic origin, religion, sexual
            orientation, health). Exit status: 0 when every file is clean or holds one tenant's data, 1 when any is
            blocked, 2 when any cannot be read. Closed by default: a part that cannot be read (a picture, a legacy
            XLS/DOC/.msg file, an encrypted entry) blocks its file, named; --allow-unscanned lets it through.
            consent scan index builds the keyed index, so the scan needs no copy of the register.
            """,
        subcommands: [Files.self, BuildIndex.self],
        defaultSubcommand: Files.self)

    struct Files: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "files", abstract: "Scan files (the default: `consent scan FILE...`).")

        @Option(help: ArgumentHelp("An index from `consent scan index`.", valueName: "file"), completion: .file())
        var index: String?

        @Option(help: ArgumentHelp("The index's key file (default: INDEX.key).", valueName: "file"), completion: .file())
        var key: String?

        @Option(help: ArgumentHelp("Match against this database directly instead of an index.", valueName: "path"), completion: .file())
        var db: String?

        @OptionGroup var content: ContentOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        @Flag(help: "Let a file through when the only reason to stop it is a part that could not be read (a picture, a legacy XLS/DOC/.msg file, an encrypted entry); such parts are still listed. By default they block.")
        var allowUnscanned = false

        @Option(name: .customLong("recipient"), help: ArgumentHelp("An address the file will be sent to (repeat for each; the mail filter passes the envelope, Bcc included). A file holding one tenant's data is then blocked unless every recipient is that tenant's own email in the register or in an --own-domain.", valueName: "address"))
        var recipients: [String] = []

        @Option(name: .customLong("own-domain"), help: ArgumentHelp("A mail domain of the landlord or its processors, where one tenant's data may go (repeat for each).", valueName: "domain"))
        var ownDomains: [String] = []

        /// The envelope sender no longer opens any way (anyone can write a tenant's address there); a mail filter
        /// installed before still passes it, so it is still accepted, and ignored.
        @Option(help: .hidden)
        var sender: String?

        /// Blocking unreadable parts is the default now; the old flag is still accepted so scripts keep working.
        @Flag(help: .hidden)
        var refuseUnscanned = false

        @Argument(help: ArgumentHelp("Files to scan; - reads standard input.", valueName: "file"), completion: .file())
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one file, or - for standard input") }
            guard (index == nil) != (db == nil) else { throw ValidationError("give --index INDEX (with --key KEY), or --db PATH") }
            guard !(allowUnscanned && refuseUnscanned) else { throw ValidationError("--allow-unscanned and --refuse-unscanned contradict each other; give one") }
        }

        func run() throws {
            let scanner: LeakScanner
            do {
                let loaded = try content.load()
                let terms = ScanSetup.terms(loaded)
                if let index {
                    scanner = LeakScanner(index: try ScanSetup.loadIndex(index, key: key ?? index + ".key"), terms: terms, allowUnscanned: allowUnscanned)
                } else if let db {
                    guard FileManager.default.fileExists(atPath: db) else { throw CLIError("no database at \(db); give --db PATH of the register") }
                    let database = try ConsentDatabase.open(at: db, validator: loaded.validator)
                    scanner = LeakScanner(index: try ScanSetup.buildIndex(database, catalogue: loaded.catalogue, key: .random(), quiet: true), terms: terms,
                                          allowUnscanned: allowUnscanned)
                } else {
                    throw CLIError("give --index INDEX or --db PATH")
                }
            } catch {
                FileHandle.standardError.write(Data("consent scan: \(error)\n".utf8))
                throw ExitCode(2)
            }
            var reports: [ScanReport] = []
            var failures: [Failure] = []
            for file in files {
                do {
                    let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try ScanSetup.read(file)
                    let report = recipients.isEmpty ? try scanner.scan(data, name: file)
                        : try scanner.scan(data, name: file, recipients: recipients, ownDomains: ownDomains)
                    reports.append(report)
                    if !json { print(Self.line(report)) }
                } catch {
                    failures.append(Failure(file: file, error: "\(error)"))
                    FileHandle.standardError.write(Data("consent scan: \(TextSafety.displaySafe(file)): \(TextSafety.displaySafe("\(error)"))\n".utf8))
                }
            }
            if json { try printJSON(Output(reports: reports, errors: failures)) }
            if !failures.isEmpty { throw ExitCode(2) }
            if reports.contains(where: { $0.verdict == .blocked }) { throw ExitCode(1) }
        }

        static func line(_ r: ScanReport) -> String {
            var r = r
            r.file = TextSafety.displaySafe(r.file)
            let personal = r.personal.isEmpty ? "" : " (\(r.personal.map(\.rawValue).joined(separator: ", ")))"
            var text: String
            switch r.verdict {
            case .clean: text = "\(r.file): clean — no tenant's data, no special category"
            case .oneTenant: text = "\(r.file): one tenant\(personal) — may go to that tenant only"
            case .blocked:
                text = "\(r.file): BLOCKED — \(r.tenants == 1 ? "1 tenant" : "\(r.tenants) tenants")\(personal)"
                if !r.special.isEmpty { text += "; special categories: \(r.special.joined(separator: ", "))" }
                if r.tenants <= 1 && r.special.isEmpty && !r.unscanned.isEmpty { text += "; parts could not be checked" }
                // One tenant's data to the wrong recipients: the reason names them.
                if r.tenants == 1 && r.special.isEmpty && r.unscanned.isEmpty { text += "; \(r.reason)" }
            }
            for item in r.unscanned { text += "\n  not scanned: \(item)" }
            if !r.unscanned.isEmpty && r.verdict == .blocked {
                text += "\n  (send such parts another way, or check them by hand and pass --allow-unscanned)"
            }
            return text
        }

        struct Failure: Encodable {
            var file: String
            var error: String
        }

        struct Output: Encodable {
            var reports: [ScanReport]
            var errors: [Failure]
        }
    }

    struct BuildIndex: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index",
            abstract: "Build the scan index: keyed tags of the register's emails, phones, references and name + postcode pairs.",
            discussion: """
                The index holds SipHash-2-4 tags only, never a value; the 128-bit key goes to --key (default OUT.key),
                readable by its owner only, and an existing key file is reused so rebuilt indexes keep their key.
                Keep the key file where only the scanning account can read it; the index alone reveals nothing.
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("The index file to write (replaced atomically; readable by its owner only).", valueName: "file"), completion: .file())
        var out: String

        @Option(help: ArgumentHelp("The key file (default: OUT.key; created when missing).", valueName: "file"), completion: .file())
        var key: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let keyPath = key ?? out + ".key"
            guard URL(fileURLWithPath: keyPath).standardized != URL(fileURLWithPath: out).standardized else {
                throw CLIError("--key and --out must be different files")
            }
            let (content, db) = try store.openWithContent()
            let (scanKey, created) = try ScanSetup.loadOrCreateKey(keyPath)
            let start = Date()
            let index = try ScanSetup.buildIndex(db, catalogue: content.catalogue, key: scanKey, quiet: json)
            do {
                try KeyFile.writePrivate(out, index.serialized())
            } catch {
                let reason = if case .keyFileWrite(_, let reason) = error { reason } else { error.description }
                throw CLIError("cannot write the index \(out): \(reason); check the folder's permissions and free space")
            }
            let summary = Summary(index: out, key: keyPath, keyCreated: created, tenants: index.tenantCount, entries: index.entryCount,
                                  seconds: Date().timeIntervalSince(start))
            if json { return try printJSON(summary) }
            print("Indexed \(summary.tenants) tenants (\(summary.entries) tags) in \(String(format: "%.1f", summary.seconds)) s to \(out); key: \(keyPath)\(created ? " (new)" : "")")
        }

        struct Summary: Encodable {
            var index: String
            var key: String
            var keyCreated: Bool
            var tenants: Int
            var entries: Int
            var seconds: Double
        }
    }
}

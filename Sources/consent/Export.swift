import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentExport
import ConsentStore
import Foundation

extension Exporter.Format: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a purpose's data, only where consent and the law allow it, for each tenant and attribute.",
        subcommands: [ExportFile.self, ExportRecalls.self],
        defaultSubcommand: ExportFile.self)
}

struct ExportFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file",
        abstract: "Write a purpose's rows to a CSV, XLSX or JSONL file (the default: `consent export --purpose P --out F`).",
        discussion: """
            Columns are the purpose's declared attributes (or the --columns chosen among them); a cell is filled only
            where the policy allows that attribute of that tenant for the purpose now; a tenant is left out when an
            attribute the purpose requires is withheld. Special categories only where the tenant explicitly granted
            them for this purpose. A CSV starts with UTF-8's byte-order mark, so Excel shows accented and non-Latin
            names correctly when the file is opened by a double-click (--no-bom leaves it out for tools that do not
            expect it); its cells a spreadsheet would run as formulas are prefixed with an apostrophe. XLSX has one
            visible sheet of text cells (none is ever a formula, so no apostrophes) and no document properties. The file is written atomically, readable by
            its owner only, never over an existing file; FILE.manifest.json records the purpose, columns, ledger
            position, rows, what was withheld and why, and the file's SHA-256; each included tenant sees the
            disclosure at the kiosk. `consent export recalls FILE.manifest.json` later lists who withdrew since.
            A purpose whose rows are pseudonymised (`rows: pseudonymised` in Forms/purposes.yaml, e.g. equality-monitoring)
            has a keyed pseudonym instead of the tenancy reference (the key beside the database, or --pseudonym-key, the
            same as the regulator return's) and whole years instead of dates (age for the date of birth).
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The purpose (an id from Forms/purposes.yaml).", valueName: "id"))
    var purpose: String

    @Option(help: "csv, xlsx or jsonl.")
    var format: Exporter.Format = .csv

    @Option(help: ArgumentHelp("Only these of the purpose's columns, comma-separated, in this order.", valueName: "ids"))
    var columns: String?

    @Option(help: ArgumentHelp("The file to write (must not exist).", valueName: "file"), completion: .file())
    var out: String

    @Option(help: ArgumentHelp("Who receives it: one of the purpose's recipients (Forms/purposes.yaml); all of them when left out.", valueName: "id"))
    var recipient: String?

    @Option(help: ArgumentHelp("""
        Export from a PostgreSQL central store instead of --db (special categories only with --key-file: they are sealed there).
        """, valueName: "url"))
    var database: String?

    @OptionGroup var pseudonym: PseudonymKeyOption

    @Flag(inversion: .prefixedNo, help: "Start a CSV with UTF-8's byte-order mark, which Excel needs to show \"Michał\" correctly (--no-bom for tools).")
    var bom = true

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    func run() async throws {
        let chosen = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let content = try store.content.load()
        let gate = try ExportGate(purpose: purpose, catalogue: content.catalogue, at: Date(), columns: chosen, recipient: recipient)
        let source = try await openTenantRows(store, database: database, content: content)
        defer { source.close() }
        try requireSpecialValues(source, for: gate.columns, in: content.catalogue)
        let transform = gate.purpose.pseudonymisedRows
            ? PseudonymisedRows.transform(gate: gate, key: try pseudonym.load(store: store, database: database)) : nil
        var progress = ProgressLine("export", quiet: json)
        let manifest = try await Exporter(gate: gate, format: format, transform: transform, byteOrderMark: bom).run(to: URL(fileURLWithPath: out), from: source) { rows in
            progress.update(rows, of: max(rows, 1))
        }
        progress.finish()
        if json { return try printJSON(manifest) }
        let withheld = manifest.withheld.values.reduce(0, +)
        print("Exported \(manifest.rows) tenants for \(manifest.purpose) to \(out) (\(manifest.tenantsLeftOut) left out, \(withheld) cells withheld); manifest: \(out).manifest.json")
    }
}

struct ExportRecalls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recalls",
        abstract: "List the tenants who withdrew, objected or had a value erased since an export was made.",
        discussion: "Give the export's FILE.manifest.json. Tell the recipient to stop using (and delete) what each line names.")

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("The export's manifest.", valueName: "manifest"), completion: .file())
    var manifest: String

    @Option(help: PostgresCentre.help) var database: String?

    @OptionGroup var pseudonym: PseudonymKeyOption

    @Flag(help: "Print the recalls as JSON.")
    var json = false

    func run() async throws {
        let manifest = try Exporter.readManifest(URL(fileURLWithPath: manifest))
        let content = try store.content.load()
        let purpose = PurposeID(manifest.purpose)
        // A pseudonymised export named nobody: its recalls name the same pseudonyms, never references.
        let key = content.catalogue.purpose(purpose)?.pseudonymisedRows == true
            ? PseudonymisedRows.purposeKey(try pseudonym.existing(store: store, database: database, for: "export \(manifest.exportID) (\(purpose))"),
                                           purpose: purpose) : nil
        let source = try await openTenantRows(store, database: database, content: content)
        defer { source.close() }
        var recalls = try await source.recalls(exportID: manifest.exportID, purpose: manifest.purpose, after: manifest.ledgerPosition)
        if let key {
            let pseudonym = Pseudonymiser(key: key)
            recalls = recalls.map { recall in
                var named = recall
                named.tenant = pseudonym(TenantRef(recall.tenant))
                return named
            }.sorted { ($0.tenant, $0.ledgerPosition) < ($1.tenant, $1.ledgerPosition) }
        }
        if json { return try printJSON(recalls) }
        guard !recalls.isEmpty else {
            return print("No recalls: nobody in export \(manifest.exportID) (\(manifest.purpose)) has withdrawn, objected or been erased since.")
        }
        let formatter = ISO8601DateFormatter()
        for recall in recalls {
            print("\(TextSafety.displaySafe(recall.tenant))\t\(recall.change)\t\(recall.attributes.joined(separator: ","))\t\(formatter.string(from: recall.effectiveAt))")
        }
        print("\(Set(recalls.map(\.tenant)).count) tenants of export \(manifest.exportID) must be recalled from \(manifest.purpose).")
    }
}

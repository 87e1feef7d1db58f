import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentExport
import ConsentStore
import Foundation

struct Return: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "return",
        abstract: "Write the regulator's CORE-style lettings return: only its fields, pseudonymised.",
        discussion: """
            One row per tenant the regulator-returns purpose allows: a keyed pseudonym instead of the tenancy reference
            (the key stays here, in a 0600 file, so pseudonyms are stable year to year and cannot be reversed without
            it), age instead of date of birth, postcode district, preferred language, a yes/no for a disability or
            health need (never its text) and the ethnic group. The return is a legal obligation: where the tenant chose
            "prefer not to say" (or refused the purpose earlier), that field says "tenant prefers not to say", and the
            tenants are listed here for staff. Written like every export: atomically, 0600, with a manifest and a
            disclosure per tenant.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: "csv, xlsx or jsonl.")
    var format: Exporter.Format = .csv

    @Option(help: ArgumentHelp("The file to write (must not exist).", valueName: "file"), completion: .file())
    var out: String

    @OptionGroup var pseudonym: PseudonymKeyOption

    @Option(help: PostgresCentre.help) var database: String?

    @Flag(inversion: .prefixedNo, help: "Start a CSV with UTF-8's byte-order mark, for Excel (--no-bom if the receiving system refuses it).")
    var bom = true

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    func run() async throws {
        let content = try store.content.load()
        let gate = try ExportGate(purpose: RegulatorReturn.purpose, catalogue: content.catalogue, at: Date(), pseudonymised: true)
        let source = try await openTenantRows(store, database: database, content: content)
        defer { source.close() }
        try requireSpecialValues(source, for: gate.columns, in: content.catalogue)
        // The key is read (or created) only once the store has opened: a mistyped --db leaves no key file behind.
        let key = try pseudonym.load(store: store, database: database)
        let exporter = Exporter(gate: gate, format: format, transform: try RegulatorReturn.transform(gate: gate, key: key), byteOrderMark: bom)
        var progress = ProgressLine("return", quiet: json)
        var refusals: [(TenantRef, [AttributeID])] = []
        let manifest = try await exporter.run(to: URL(fileURLWithPath: out), from: source, progress: { rows in
            progress.update(rows, of: max(rows, 1))
        }, refusal: { refusals.append(($0, $1)) })
        progress.finish()
        if json { return try printJSON(manifest) }
        print("Wrote the lettings return: \(manifest.rows) tenants, pseudonymised, to \(out); manifest: \(out).manifest.json")
        if !refusals.isEmpty {
            print("\(refusals.count) tenant(s) declined a question; the return says \"\(RegulatorReturn.prefersNotToSay)\" for it. For staff to note (never sent):")
            for (ref, attributes) in refusals {
                print("  \(TextSafety.displaySafe(ref.rawValue))\t\(attributes.map(\.rawValue).joined(separator: ", "))")
            }
        }
    }
}

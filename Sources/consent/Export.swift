import ArgumentParser
import ConsentCore
import ConsentExport
import ConsentStore
import Foundation

extension Exporter.Format: ExpressibleByArgument {}

/// The store as a read-only export source.
struct DatabaseExportSource: ExportSource {
    let database: ConsentDatabase

    func eachTenant(_ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        try database.eachTenant(body)
    }

    func recordDisclosures(_ entries: [DisclosureEntry]) throws {
        try database.recordDisclosures(entries.map {
            ($0.tenant, $0.exportID, $0.purpose.rawValue, $0.recipient, $0.attributes.map(\.rawValue))
        })
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a purpose's data, only where consent and the law allow it, for each tenant and attribute.",
        discussion: """
            Columns are the purpose's declared attributes; a cell is filled only where the policy allows that attribute
            of that tenant for the purpose now; a tenant is left out when an attribute the purpose requires is withheld.
            Special categories only where the tenant explicitly granted them for this purpose. Cells a spreadsheet
            would run as formulas are prefixed with an apostrophe. The file is written atomically, readable by its
            owner only, never over an existing file; FILE.manifest.json records the purpose, columns, ledger position,
            rows, what was withheld and why, and the file's SHA-256; each included tenant sees the disclosure at the kiosk.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The purpose (an id from Forms/purposes.yaml).", valueName: "id"))
    var purpose: String

    @Option(help: "csv or jsonl.")
    var format: Exporter.Format = .csv

    @Option(help: ArgumentHelp("The file to write (must not exist).", valueName: "file"))
    var out: String

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    func run() throws {
        let (content, db) = try store.openWithContent()
        let gate = try ExportGate(purpose: purpose, catalogue: content.catalogue, at: Date())
        var progress = Progress("export", quiet: json)
        let manifest = try Exporter(gate: gate, format: format).run(to: URL(fileURLWithPath: out), from: DatabaseExportSource(database: db)) { rows in
            progress.update(rows, of: max(rows, 1))
        }
        progress.finish()
        if json { return try printJSON(manifest) }
        let withheld = manifest.withheld.values.reduce(0, +)
        print("Exported \(manifest.rows) tenants for \(manifest.purpose) to \(out) (\(manifest.tenantsLeftOut) left out, \(withheld) cells withheld); manifest: \(out).manifest.json")
    }
}

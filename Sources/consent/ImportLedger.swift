import ArgumentParser
import ConsentCommandLine
import ConsentForms
import ConsentRegister
import ConsentStore
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a register exported from a housing system (CSV, UTF-8, comma-separated).",
        discussion: """
            One tenant per row. Headers are matched to attributes by common names ("Tenancy Ref", "First name",
            "Surname", "DOB", "Postcode", "Ethnicity", ...); several columns for one attribute are joined (first name +
            surname, address lines). A --map file adds or overrides, one 'CSV header: attribute-id' per line
            ('ignore' skips a column). The whole file is checked and stored in one transaction: any bad row rejects
            the file, naming the row and column, and nothing is stored.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The CSV file.", completion: .file())
    var file: String

    @Option(help: ArgumentHelp("A header mapping file.", valueName: "mapping"), completion: .file())
    var map: String?

    @Flag(help: "Print a JSON summary instead of text.")
    var json = false

    func run() throws {
        let (content, db) = try store.openWithContent()
        let mapping = try map.map { try ImportMapping.load(URL(fileURLWithPath: $0), catalogue: content.catalogue) }
            ?? ImportMapping.standard(content.catalogue)
        var progress = ProgressLine("import", quiet: json)
        let started = Date()
        let summary = try RegisterImport(content: content, mapping: mapping).run(URL(fileURLWithPath: file), into: db) { done, total in
            progress.update(Int(done / 1024), of: Int(total / 1024))
        }
        progress.finish()
        if json { return try printJSON(summary) }
        print(String(format: "Imported %d tenants (%d values) in %.1f s.", summary.tenants, summary.values, Date().timeIntervalSince(started)))
    }
}

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Check the event ledger.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every device's hash chain and that the current state equals the fold of the ledger.",
            discussion: "Exits 1 and names the first problems when anything was edited, removed, inserted or reordered.")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let db = try store.open()
            var progress = ProgressLine("verify", quiet: json)
            let report = try db.verify { done, total in progress.update(done, of: total) }
            progress.finish()
            if json {
                try printJSON(report)
            } else if report.ok {
                print("OK: \(report.events) events from \(report.devices) device(s), \(report.tenants) tenants; chains intact, state equals the ledger.")
                if let note = report.centreNote { print("Note: \(note).") }
            } else {
                print("FAILED: \(report.problems.count) problem(s) in \(report.events) events:")
                for problem in report.problems { print("  - \(problem)") }
            }
            if !report.ok { throw ExitCode(1) }
        }
    }
}

struct FormsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forms", abstract: "Check Forms/ and Localization/.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load Forms/ and Localization/ strictly and report the first problem, naming the file and entry.")

        @OptionGroup var content: ContentOptions

        func run() throws {
            let loaded = try content.load()
            print("OK: \(loaded.catalogue.attributes.count) attributes, \(loaded.catalogue.purposes.count) purposes, languages \(loaded.localizer.languages.map(\.code).joined(separator: ", ")).")
            print("Controller: \(loaded.organisation.controller.name); every notice states its basis, recipients, retention, whether required, rights and the ICO complaint line.")
            for (kind, place) in loaded.organisation.documents.sorted(by: { $0.key < $1.key }) { print("Document \(kind): \(place)") }
        }
    }
}

import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

extension TenantCommand {
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "The whole ledger of one tenant in plain words: who did what, when, how, on whose behalf, and why.",
            discussion: "Values are not printed: special categories stay private, and erased values are gone.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The tenancy reference.")
        var reference: String

        @Option(help: ArgumentHelp("Language of the names of attributes, purposes and decisions.", valueName: "code"))
        var language = "en"

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let (content, db) = try store.openWithContent()
            let ref = content.validator.tenancyReference(reference) ?? TenantRef(reference)
            let lines = HistoryLines.lines(try db.tenantRecord(ref).history.map(\.event), content, language)
            if json { return try printJSON(lines) }
            for line in lines {
                let effective = line.effective == line.when ? "" : " (expressed \(line.effective))"
                print("\(line.when)  \(TextSafety.displaySafe(line.what))\(effective)")
                print("    \(TextSafety.displaySafe(line.how))")
            }
        }
    }
}

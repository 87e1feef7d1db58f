import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentExport
import ConsentVault
import Foundation

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count tenants by one or two attributes for a statistics purpose, with small numbers suppressed.",
        discussion: """
            Counts only: a count from 1 to 9 is suppressed, and further cells where a published total would let a
            suppressed one be worked out; every published count is rounded to the nearest 5. Tenants who objected to
            (or withdrew) the purpose for a counted attribute are left out. Dates of birth are counted as age bands.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The purpose (e.g. equality-monitoring).", valueName: "id"))
    var purpose: String

    @Option(help: ArgumentHelp("One or two attributes, comma-separated.", valueName: "ids"))
    var by: String

    @Option(help: PostgresCentre.help) var database: String?

    @Flag(help: "Print the table as JSON.")
    var json = false

    struct Output: Encodable {
        var purpose: String
        var by: [String]
        var ledgerPosition: Int64
        var table: StatisticsTable.Published
    }

    func run() async throws {
        let content = try store.content.load()
        var builder = try StatisticsBuilder(purpose: purpose, by: by.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                            catalogue: content.catalogue, at: Date())
        let source = try await openTenantRows(store, database: database, content: content)
        defer { source.close() }
        try requireSpecialValues(source, for: builder.attributes, in: content.catalogue)
        let position = try await source.eachTenant(TenantSlice(builder.policy, readingDecisions: builder.policy.readsDecisions)) { _, state in
            builder.add(state)
        }.position
        let published = builder.table().publish()
        if json { return try printJSON(Output(purpose: purpose, by: builder.attributes.map(\.rawValue), ledgerPosition: position, table: published)) }
        let show = { (n: Int?) in n.map(String.init) ?? "*" }
        let header = builder.attributes.map(\.rawValue).joined(separator: " × ")
        print("\(purpose): tenants by \(header) (rounded to 5; * = suppressed)")
        for cell in published.cells { print("  \(cell.categories.joined(separator: " / "))\t\(show(cell.count))") }
        for (index, margin) in published.margins.enumerated() {
            print("  totals by \(builder.attributes[index].rawValue):")
            for cell in margin { print("    \(cell.categories.filter { $0 != "*" }.joined())\t\(show(cell.count))") }
        }
        print("  total\t\(show(published.total))")
    }
}

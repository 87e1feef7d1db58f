import ArgumentParser
import CentralStorePostgres
import ConsentCommandLine
import ConsentCore
import ConsentStore
import SyncProtocol
import Foundation

/// `consent retention`: erase what the purposes' retention rules no longer allow to keep.
struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Enforce the purposes' retention rules.",
        subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Erase every value that no purpose using it may keep any longer.",
            discussion: """
                Each purpose's `retention` (Forms/purposes.yaml) says how long it keeps what it uses: until the tenant
                withdraws, N years after the tenancy ends (the `tenancy-end` date held for the tenant), after the decision,
                or after the data were sent; a consent purpose also lets go when the tenancy ends. A value is erased once
                every purpose that uses it has let it go, and a staff marker is cleared once the purpose holding it has.
                Each is a ledger event by `system retention`, so it syncs and shows in the tenant's history. The office is kept.
                Run it with --dry-run first: it lists what would go and writes nothing but an audit line. Stopped part-way,
                a run keeps the batches it finished; run it again to finish. At a PostgreSQL centre (--database) the
                events are the centre's own, under the name `centre-retention`.
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "List what would be erased; erase nothing.")
        var dryRun = false

        @Flag(help: "Print JSON for scripts.")
        var json = false

        @Option(help: PostgresCentre.help) var database: String?

        func run() async throws {
            let outcome: RetentionOutcome
            var line = ProgressLine("Erasing values past their retention", quiet: json || dryRun)
            if let database {
                let centre = try await PostgresCentre.open(database, store: store)
                defer { centre.shutdown() }
                outcome = try await centre.retentionRun(now: Date(), dryRun: dryRun, by: operatingSystemUser(),
                                                        progress: { done, total in line.update(done, of: total) })
            } else {
                outcome = try store.open().retentionRun(now: Date(), dryRun: dryRun, by: operatingSystemUser(),
                                                        progress: { done, total in line.update(done, of: total) })
            }
            line.finish()
            if json { return try printJSON(outcome) }
            let tenants = Set(outcome.erasures.map(\.tenant) + outcome.markersCleared.map(\.tenant)).count
            let counts = Dictionary(grouping: outcome.erasures, by: \.attribute.rawValue).mapValues(\.count)
                .merging(Dictionary(grouping: outcome.markersCleared, by: { "marker \($0.marker)" }).mapValues(\.count)) { a, _ in a }
            for (what, count) in counts.sorted(by: { $0.key < $1.key }) {
                print("\(what)\t\(count)")
            }
            let markers = outcome.markersCleared.count
            let found = "\(outcome.erasures.count) values and \(markers) staff marker\(markers == 1 ? "" : "s") of \(tenants) tenants"
            if outcome.erasures.isEmpty && outcome.markersCleared.isEmpty && outcome.changedDuringRun.isEmpty {
                print("Nothing is past its retention (\(outcome.tenantsChecked) tenants checked).")
            } else if dryRun {
                print("\(found) are past their retention; nothing was erased. Run without --dry-run to erase them (--json lists each).")
            } else {
                print("Erased or cleared \(found) past their retention; each is in the ledger.")
            }
            if !outcome.changedDuringRun.isEmpty {
                print("\(outcome.changedDuringRun.count) tenants changed while the run went on and were left alone; run it again to check them.")
            }
        }
    }
}

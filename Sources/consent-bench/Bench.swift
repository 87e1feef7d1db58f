import ArgumentParser
import ConsentBench
import ConsentCommandLine
import ConsentStore
import Foundation

/// `consent-bench`: performance measured against a baseline doing the same work in the same run. A program of
/// its own, so that the `consent` binary carries no benchmark code; it starts the `consent` beside it where a
/// benchmark needs a server (`sync`, `pg-push --http`).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent-bench",
        abstract: "Measure performance against a baseline doing the same work in the same run.",
        discussion: """
            Forms/ and Localization/ are found as for `consent` (--forms/--localization, $CONSENT_FORMS/$CONSENT_LOCALIZATION,
            ./Forms and ./Localization, or beside the program). The benchmarks that need a server start the `consent`
            program installed beside this one.
            """,
        subcommands: [Ledger.self, Kiosk.self, ExportBench.self, ImportBench.self, ScanFiles.self, Find.self, SyncBench.self, PostgresPush.self])

    struct Ledger: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append decisions through the ledger vs plain SQL writing the same rows (goal: ratio ≤ 1.5).",
            discussion: """
                Three variants over the same decisions, each with WAL, synchronous=FULL and the same batch size, in a
                temporary folder removed afterwards, run --repeat times interleaved; the medians are reported: (1) through the ledger: change rules, clock, hash chain, merge and projection;
                (2) plain SQL inserting the same ledger rows and upserting the same projection rows into the same schema;
                (3) a bare upsert of one row per decision into a one-table database, for scale.
                """)

        @OptionGroup var content: ContentOptions

        @Option(help: "Decisions to append.")
        var events = 100_000

        @Option(help: "Decisions per committed transaction.")
        var batch = 100

        @Option(help: "Tenants the decisions are spread over.")
        var tenants = 10_000

        @Option(help: "Runs of each variant, interleaved; medians are reported.")
        var `repeat` = 3

        @Option(help: "Special-category values to record, sealed under a data key (AES-GCM) and to the organisation's key (HPKE), interleaved; 0 skips.")
        var special = 0

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() throws {
            let validator = try content.load().validator
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("consent-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try LedgerBenchmark.run(events: events, batch: batch, tenants: tenants, repeat: `repeat`, directory: dir, validator: validator)
            let sealing = special > 0
                ? try SealingBenchmark.run(values: special, batch: batch, repeat: `repeat`, directory: dir, validator: validator) : nil
            if json {
                try printJSON(BenchJSON(result: r, ledgerPerSecond: r.ledgerPerSecond, sameRowsPerSecond: r.sameRowsPerSecond,
                                        plainPerSecond: r.plainPerSecond, ratio: r.ratio, bareRatio: r.bareRatio,
                                        sealing: sealing, sealingRatio: sealing?.ratio, hpkeAddedMicrosPerValue: sealing?.addedMicrosPerValue))
                return
            }
            if let s = sealing {
                print(String(format: "special values sealed under a data key (AES-GCM): %d in %.2f s; to the organisation's key (HPKE): %.2f s",
                             s.values, s.dataKeySeconds, s.organisationKeySeconds))
                print(String(format: "ratio HPKE / AES-GCM through the ledger: %.2fx (+%.1f us per value); the seal alone: %.1f us vs %.1f us",
                             s.ratio, s.addedMicrosPerValue, s.organisationKeySealMicros, s.dataKeySealMicros))
            }
            print(String(format: "ledger append: %d decisions in %.2f s (%.0f/s), batches of %d", r.events, r.ledgerSeconds, r.ledgerPerSecond, r.batch))
            print(String(format: "same rows, plain SQL: %d decisions in %.2f s (%.0f/s)", r.events, r.sameRowsSeconds, r.sameRowsPerSecond))
            print(String(format: "bare one-table upsert: %d rows in %.2f s (%.0f/s)", r.events, r.plainSeconds, r.plainPerSecond))
            print(String(format: "ratio ledger / same rows: %.2fx (goal <= 1.5x); ledger / bare upsert: %.2fx", r.ratio, r.bareRatio))
        }

        struct BenchJSON: Encodable {
            var result: LedgerBenchmark.Result
            var ledgerPerSecond: Double
            var sameRowsPerSecond: Double
            var plainPerSecond: Double
            var ratio: Double
            var bareRatio: Double
            var sealing: SealingBenchmark.Result?
            var sealingRatio: Double?
            var hpkeAddedMicrosPerValue: Double?
        }
    }
}

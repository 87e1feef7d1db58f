import ArgumentParser
import CentralStorePostgres
import ConsentStore
import Foundation

/// `consent audit verify`: is the record of who did what intact?
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every device's hash chain, the projection, SQLite's integrity and (at the centre) the devices' signed chain heads.",
            discussion: """
                Names the first bad entry: an edited, removed, inserted or reordered event breaks its device's chain; a chain
                rewritten wholesale at the centre (every hash recomputed) no longer matches the head its device signed.
                With --database, checks a PostgreSQL centre: every chain, each event's values and each device's signed head.
                Exit status 0 when all is well, 1 when something is wrong.
                """)

        @OptionGroup var store: StoreOptions
        @Option(help: PostgresCentre.help) var database: String?
        @Flag(help: "Print JSON.") var json = false

        struct Report: Encodable {
            var ok: Bool
            var events: Int
            var devices: Int
            var signedHeadsChecked: Bool
            var problems: [String]
        }

        func run() async throws {
            let report: Report
            if let database {
                let central = try await PostgresCentre.open(database, store: store)
                defer { central.shutdown() }
                let found = try await central.verify()
                report = Report(ok: found.ok, events: found.events, devices: found.devices, signedHeadsChecked: true, problems: found.problems)
            } else {
                let db = try store.open()
                let ledger = try db.verify()
                let heads = db.isCentre ? try db.verifySignedHeads() : []
                report = Report(ok: ledger.ok && heads.isEmpty, events: ledger.events, devices: ledger.devices,
                                signedHeadsChecked: db.isCentre, problems: ledger.problems + heads)
            }
            if json { try printJSON(report) } else if report.ok {
                print("OK: \(report.events) events from \(report.devices) devices\(report.signedHeadsChecked ? ", every device's signed head matches" : "").")
            } else {
                print("NOT OK: \(report.problems.first ?? "")")
                for line in report.problems.dropFirst() { print("  also: \(line)") }
            }
            if !report.ok { throw ExitCode(1) }
        }
    }
}

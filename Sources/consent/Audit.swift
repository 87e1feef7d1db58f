import ArgumentParser
import CentralStore
import CentralStorePostgres
import CentralStoreSQLite
import ConsentCommandLine
import ConsentCore
import ConsentStore
import Foundation

/// `consent audit verify`: is the record of who did what intact?
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit trail, or read this file's audit log.", subcommands: [Verify.self, Log.self])

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Print this database file's audit log, oldest first: listings of tenants (who, why, how many), and what sync noted.")

        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let entries = try store.open().auditLog()
            if json { return try printJSON(entries) }
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                print("\(formatter.string(from: entry.at))\t\(TextSafety.displaySafe(entry.device ?? "-"))\t\(TextSafety.displaySafe(entry.what))")
            }
            if entries.isEmpty { print("The audit log is empty.") }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check every device's hash chain, the projection, SQLite's integrity and (at the centre) the devices' signed chain heads.",
            discussion: """
                Names the first bad entry: an edited, removed, inserted or reordered event breaks its device's chain; a chain
                rewritten wholesale at the centre (every hash recomputed) no longer matches the head its device signed.
                With --database, checks a PostgreSQL centre: every chain, each event's values and each device's signed head, and
                with the organisation's key-encryption key (--key-file, as for exports) opens every special-category value and
                checks it against its digest; without the key those stay sealed and the report says so.
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
            /// At a PostgreSQL centre: special-category values opened and checked, and those left sealed (no key).
            var sealedOpened: Int?
            var sealedUnopened: Int?
            var note: String?
        }

        func run() async throws {
            let report: Report
            if let database {
                let central = try await PostgresCentre.open(database, store: store)
                defer { central.shutdown() }
                let (opener, keyProblem) = try await sealedValueOpener(store, central: central)
                let found = try await central.verify(opener: opener)
                let note = found.sealedUnopened == 0 ? nil : "\(found.sealedUnopened) special-category values were not opened: "
                    + "no key-encryption key (\(keyProblem ?? "none found")); give --key-file to check them too"
                report = Report(ok: found.ok, events: found.events, devices: found.devices, signedHeadsChecked: true, problems: found.problems,
                                sealedOpened: found.sealedOpened, sealedUnopened: found.sealedUnopened, note: note)
            } else {
                let db = try store.open()
                let ledger = try db.verify()
                let heads = db.isCentre ? try db.verifySignedHeads() : []
                report = Report(ok: ledger.ok && heads.isEmpty, events: ledger.events, devices: ledger.devices,
                                signedHeadsChecked: db.isCentre, problems: ledger.problems + heads, note: ledger.centreNote)
            }
            if json { try printJSON(report) } else if report.ok {
                let opened = report.sealedOpened.map { $0 > 0 ? ", \($0) special-category values opened and checked" : "" } ?? ""
                print("OK: \(report.events) events from \(report.devices) devices\(report.signedHeadsChecked ? ", every device's signed head matches" : "")\(opened).")
                if let note = report.note { print("Note: \(note)") }
            } else {
                print("NOT OK: \(report.problems.first ?? "")")
                for line in report.problems.dropFirst() { print("  also: \(line)") }
            }
            if !report.ok { throw ExitCode(1) }
        }
    }
}

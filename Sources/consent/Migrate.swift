import ArgumentParser
import CentralStore
import CentralStorePostgres
import CentralStoreSQLite
import ConsentCommandLine
import Foundation

/// `consent migrate --from central.sqlite --to postgres://...`: moves a SQLite centre to PostgreSQL.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move a SQLite central store to PostgreSQL, then check that the ledgers and hash chains match.",
        discussion: """
            The SQLite centre may keep running (`consent serve --db`): migrate takes its write lock, so pushes and \
            enrolments wait (or are refused with "storage" after 10 s; devices keep their events and retry) while it \
            copies, into an empty PostgreSQL database in one transaction: devices and their chain heads, tenants, the \
            ledger with its central sequences (so device cursors stay valid), values, sealed special-category values \
            (still sealed: neither side opens them) and wrapped data keys (from the .special.sqlite vault file), the \
            projections, the sync state (enrolled devices with their credentials and signing keys, signed chain heads, \
            enrolment codes, push results, the audit log), staff markers, and the exports made with the tenants each was \
            disclosed to. Then every device's chain is walked on PostgreSQL and its head compared with the SQLite \
            centre's, with the row counts and a digest of the whole ledger in central order. Only if all match does \
            PostgreSQL commit and the SQLite centre record that it moved; otherwise nothing changes on either side (exit \
            1).

            A moved SQLite centre refuses every push, pull and enrolment (HTTP 503, "moved": devices keep their unsent \
            events) and `consent serve --db` on it will not start: restart the server with --database URL at the same \
            address and devices resend what they hold. A centre that has moved, or a PostgreSQL database that already \
            holds a centre, is refused and nothing is changed.
            """)

    @Option(help: ArgumentHelp("The SQLite central store.", valueName: "path"), completion: .file())
    var from: String

    @Option(help: ArgumentHelp("The PostgreSQL database, as postgres://USER@HOST[:PORT]/DATABASE (?host=/socket/dir for a unix socket).", valueName: "url"))
    var to: String

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() async throws {
        let location: PostgresLocation
        do { location = try PostgresLocation(url: to) } catch { throw ValidationError(error.description) }
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no SQLite centre at \(from)") }
        var progress: ProgressLine?
        let report: CentreMigration.Report
        do {
            defer { progress?.finish() }
            report = try await CentreMigration.run(from: from, to: location) { table, done, total in
                if progress?.label != "copying \(table)" {
                    progress?.finish()
                    progress = ProgressLine("copying \(table)", quiet: json)
                }
                progress?.update(done, of: total)
            }
        } catch let refusal as CentreMigration.Refusal {
            throw CLIError(refusal.description)
        }
        if json {
            try printJSON(report)
        } else {
            print("copied \(report.events) events of \(report.devices) device chain(s), \(report.counts["tenant"] ?? 0) tenants, "
                  + "\(report.counts["sealed_value"] ?? 0) sealed values, \(report.counts["sync_device"] ?? 0) enrolled devices")
            if report.matches {
                print("check: every chain verifies on PostgreSQL and its head, the counts and the ledger digest match the SQLite centre")
                print("moved: \(from) now refuses every request (its writes waited \(String(format: "%.1f", report.writesHeldSeconds)) s); "
                      + "restart the server as `consent serve --database \(location.redactedURL)` at the same address and devices resend what they hold")
            } else {
                print("check FAILED, nothing was changed on either side:\n  " + report.differences.joined(separator: "\n  "))
            }
        }
        if !report.matches { throw ExitCode.failure }
    }
}

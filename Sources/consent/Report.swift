import ArgumentParser
import ConsentCommandLine
import ConsentCore
import ConsentExport
import ConsentStore
import Foundation

/// `consent report`: the data-protection lead's figures for a period.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The data-protection lead's report for a period: requests and deadlines, the held queue, reveals, exports and recipients, staff actions, grants and withdrawals per purpose.",
        discussion: """
            Dates are days (YYYY-MM-DD, UTC); --to is included. Requests still open are listed whatever their date, with the
            day each must be answered by (one month, UK GDPR Art. 12(3)). --html writes the same as one page with bar charts,
            readable by its owner only.
            """)

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("The first day (YYYY-MM-DD).", valueName: "date")) var from: String
    @Option(help: ArgumentHelp("The last day, included (YYYY-MM-DD).", valueName: "date")) var to: String
    @Option(help: ArgumentHelp("Also write the report as an HTML page here (must not exist).", valueName: "file"), completion: .file())
    var html: String?
    @Flag(help: "Print JSON for scripts.") var json = false

    func period() throws -> (Date, Date) {
        let parse = { (text: String, name: String) throws -> Date in
            guard let date = ISO8601DateFormatter().date(from: text + "T00:00:00Z") else {
                throw ValidationError("\(name) takes a day as YYYY-MM-DD, e.g. 2026-11-01; '\(text)' is not one")
            }
            return date
        }
        let start = try parse(from, "--from"), last = try parse(to, "--to")
        guard start <= last else { throw ValidationError("--from (\(from)) is after --to (\(to)): give the earlier day first") }
        return (start, last.addingTimeInterval(86_400))
    }

    func validate() throws { _ = try period() }

    func run() throws {
        let (start, end) = try period()
        let report = try store.open().protectionReport(from: start, to: end)
        if let html { try ProtectionReportHTML.write(report, to: URL(fileURLWithPath: html)) }
        if json { return try printJSON(report) }
        ProtectionReportText.lines(report).forEach { print($0) }
        if let html { print("The page: \(html)") }
    }
}

import ConsentCore
import ConsentForms
import Foundation

/// `consent report --html FILE`: the data-protection lead's report as one self-contained page (no
/// script, no external file), tables where the lead looks things up, and inline SVG bars where a
/// picture reads faster: grants against withdrawals per purpose, month by month. Every text is escaped.
public enum ProtectionReportHTML {
    /// Writes the page to a new file, readable by its owner only; nothing is left behind on failure.
    public static func write(_ report: ProtectionReport, to url: URL) throws(ExportError) {
        let file = try OutputFile(creating: url)
        try file.append(page(report))
        try file.finish()
        file.keep()
    }

    public static func page(_ report: ProtectionReport) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Data protection report \(day(report.from)) to \(day(lastDay(report)))</title>
            <style>body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#111}
            table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #888;padding:.2em .5em;text-align:left}
            td.n{text-align:right}.overdue{color:#a00;font-weight:bold}svg text{font-size:11px}</style></head><body>
            <h1>Data protection report, \(day(report.from)) to \(day(lastDay(report)))</h1>
            <p>Made \(e(report.madeAt.ISO8601Format())). Every figure is read from the ledger and the export log.</p>

            """
        out += section("Requests by kind", ["Kind", "Listed", "Open", "Overdue"], report.requestCounts.map { c in
            [e(c.kind.rawValue), "\(c.listed)", "\(c.open)", "\(c.overdue)"]
        })
        out += section("Requests and deadlines", ["Tenant", "Kind", "About", "Made", "Answer by", "State"], report.requests.map { r in
            [e(r.tenant.rawValue), e(r.kind.rawValue), e(r.attribute?.rawValue ?? "everything held"), day(r.madeAt), day(r.deadline),
             !r.open ? e(r.outcome) : r.deadline < report.madeAt ? "<span class=\"overdue\">overdue</span>" : "open"]
        })
        let q = report.queue
        out += "<h2>Waiting for a second person</h2>\n<p>\(q.waiting) changes wait now"
            + (q.oldestDays.map { "; the oldest for \($0) days, half for \(q.medianDays ?? 0) days or fewer" } ?? "") + ".</p>\n"
        out += section("Special-category values revealed", ["When", "Staff", "Tenant", "Value", "Reason"], report.reveals.map { r in
            [e(r.at.ISO8601Format()), e(r.staff), e(r.tenant.rawValue), e(r.attribute.rawValue), e(r.reason ?? "")]
        })
        out += section("Exports and who received them", ["When", "Export", "Purpose", "Recipient", "Tenants"], report.exports.map { x in
            [day(x.at), e(x.id), e(x.purpose.rawValue), e(x.recipient), "\(x.tenants)"]
        })
        out += section("What each member of staff recorded", ["Staff", "Kind", "Events"], report.staffActions.map { s in
            [e(s.staff), e(s.kind), "\(s.count)"]
        })
        out += "<h2>Grants and withdrawals per purpose, by month (UTC)</h2>\n"
            + "<p>Dark bars: grants. Light bars: withdrawals and objections. Point at a bar for its count.</p>\n"
        for purpose in Array(Set(report.decisions.map(\.purpose))).sorted() {
            out += "<h3>\(e(purpose.rawValue))</h3>\n" + bars(report, purpose)
        }
        return out + "</body></html>\n"
    }

    /// A table with a heading, or a line saying there is nothing.
    private static func section(_ title: String, _ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<h2>\(e(title))</h2>\n<p>None in this period.</p>\n" }
        let head = "<tr>" + header.map { "<th scope=\"col\">\(e($0))</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { cell in "<td>\(cell)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<h2>\(e(title))</h2>\n<table>\n\(head)\n\(body)\n</table>\n"
    }

    /// Two bars a month (grants dark, withdrawals and objections light), scaled to the largest, with counts.
    private static func bars(_ report: ProtectionReport, _ purpose: PurposeID) -> String {
        let months = report.months
        func count(_ month: String, _ states: [DecisionState]) -> Int {
            report.decisions.filter { $0.month == month && $0.purpose == purpose && states.contains($0.state) }.reduce(0) { $0 + $1.count }
        }
        let pairs = months.map { (month: $0, grants: count($0, [.granted]), stops: count($0, [.withdrawn, .objected])) }
        let top = max(1, pairs.map { max($0.grants, $0.stops) }.max() ?? 1)
        let width = 40, height = 120
        var svg = "<svg role=\"img\" width=\"\(max(1, pairs.count) * width + 10)\" height=\"\(height + 30)\" "
            + "aria-label=\"Grants and withdrawals of \(e(purpose.rawValue)) by month\">\n"
        for (i, p) in pairs.enumerated() {
            let x = i * width + 5
            let g = p.grants * height / top, s = p.stops * height / top
            svg += "<rect x=\"\(x)\" y=\"\(height - g)\" width=\"15\" height=\"\(g)\" fill=\"#1f4e79\"><title>\(p.month): \(p.grants) grants</title></rect>"
            svg += "<rect x=\"\(x + 16)\" y=\"\(height - s)\" width=\"15\" height=\"\(s)\" fill=\"#9dc3e6\"><title>\(p.month): \(p.stops) withdrawals or objections</title></rect>"
            svg += "<text x=\"\(x)\" y=\"\(height + 14)\">\(e(String(p.month.suffix(5))))</text>\n"
        }
        let total = "\(report.total(purpose, .granted)) grants, \(report.total(purpose, .withdrawn) + report.total(purpose, .objected)) withdrawals or objections"
        return svg + "</svg>\n<p>\(e(total)) in the period.</p>\n"
    }

    private static func e(_ text: String) -> String { XMLText.escaped(text) }

    private static func day(_ date: Date) -> String { DayText.utcDay(date) }

    private static func lastDay(_ report: ProtectionReport) -> Date { report.to.addingTimeInterval(-1) }
}

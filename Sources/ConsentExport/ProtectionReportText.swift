import ConsentCore
import ConsentForms
import Foundation

/// `consent report` on a terminal: the report's figures as short lines, the ones needing action first.
public enum ProtectionReportText {
    public static func lines(_ report: ProtectionReport) -> [String] {
        let day = DayText.utcDay
        var out = ["Data protection report, \(day(report.from)) to \(day(report.to.addingTimeInterval(-1)))"]
        let open = report.requests.filter(\.open)
        out.append("Requests: \(report.requests.count) (\(open.count) open, \(report.overdue.count) past their deadline)")
        for c in report.requestCounts { out.append("  \(c.kind.rawValue)\t\(c.listed) (\(c.open) open, \(c.overdue) past their deadline)") }
        for r in open {
            out.append("  \(TextSafety.displaySafe(r.tenant.rawValue))\t\(r.kind.rawValue) \(r.attribute?.rawValue ?? "everything held")\tmade \(day(r.madeAt))\tanswer by \(day(r.deadline))")
        }
        let q = report.queue
        out.append("Waiting for a second person: \(q.waiting)" + (q.oldestDays.map { " (oldest \($0) days, median \(q.medianDays ?? 0))" } ?? ""))
        out.append("Special-category values revealed: \(report.reveals.count)")
        for (staff, count) in Dictionary(grouping: report.reveals, by: \.staff).mapValues(\.count).sorted(by: { $0.key < $1.key }) {
            out.append("  \(TextSafety.displaySafe(staff))\t\(count)")
        }
        out.append("Exports: \(report.exports.count), \(report.exports.reduce(0) { $0 + $1.tenants }) tenant rows")
        for x in report.exports {
            out.append("  \(day(x.at))\t\(x.id)\t\(x.purpose)\tto \(TextSafety.displaySafe(x.recipient))\t\(x.tenants) tenants")
        }
        out.append("Staff actions:")
        for s in report.staffActions { out.append("  \(TextSafety.displaySafe(s.staff))\t\(s.kind)\t\(s.count)") }
        out.append("Decisions per purpose (grants / withdrawals / objections):")
        for purpose in Array(Set(report.decisions.map(\.purpose))).sorted() {
            out.append("  \(purpose)\t\(report.total(purpose, .granted)) / \(report.total(purpose, .withdrawn)) / \(report.total(purpose, .objected))")
        }
        return out
    }
}

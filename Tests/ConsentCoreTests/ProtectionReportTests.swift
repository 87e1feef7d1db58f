import ConsentCore
import Foundation
import Testing

/// The report's own arithmetic: a request's deadline (one calendar month, Art. 12(3)), what is overdue,
/// and the queue's ages.
@Suite struct ProtectionReportTests {
    static let jan31 = Date(timeIntervalSince1970: 1_769_860_800)   // 2026-01-31 12:00 UTC
    static let feb28 = Date(timeIntervalSince1970: 1_772_280_000)   // 2026-02-28 12:00 UTC
    static let mar10 = Date(timeIntervalSince1970: 1_773_144_000)   // 2026-03-10 12:00 UTC

    @Test func aRequestIsDueOneCalendarMonthLaterAndTheEndOfAShortMonthCounts() {
        let request = ProtectionReport.Request(tenant: TenantRef("T1"), attribute: AttributeID("email"), madeAt: Self.jan31, open: true)
        #expect(request.deadline == Self.feb28)
    }

    @Test func onlyOpenRequestsPastTheirDayAreOverdue() {
        let open = ProtectionReport.Request(tenant: TenantRef("T1"), attribute: AttributeID("email"), madeAt: Self.jan31, open: true)
        let answered = ProtectionReport.Request(tenant: TenantRef("T2"), attribute: AttributeID("email"), madeAt: Self.jan31, open: false)
        let recent = ProtectionReport.Request(tenant: TenantRef("T3"), attribute: AttributeID("email"), madeAt: Self.feb28, open: true)
        let report = ProtectionReport(from: Self.jan31, to: Self.mar10, madeAt: Self.mar10, reveals: [], exports: [], staffActions: [],
                                      requests: [open, answered, recent], queue: .init(ages: []), decisions: [])
        #expect(report.overdue == [open])
    }

    @Test func theQueueGivesItsSizeOldestAndMedianAge() {
        let queue = ProtectionReport.Queue(ages: [9, 1, 30, 4, 2])
        #expect(queue.waiting == 5 && queue.oldestDays == 30 && queue.medianDays == 4)
        #expect(ProtectionReport.Queue(ages: []) == ProtectionReport.Queue(ages: []) && ProtectionReport.Queue(ages: []).oldestDays == nil)
    }
}

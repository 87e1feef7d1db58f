import ConsentCore
import ConsentForms
import Foundation
import KioskUI
import Testing
import TestSupport

/// The tenant sees each request and its outcome on the overview, with the reason of a refusal, in every
/// shipped language, the reason too (a coded `RefusalReason`; one recorded before the codes, in staff's words, as it
/// is) (issue 22).
@Suite struct KioskRequestLinesTests {
    static let made = Date(timeIntervalSince1970: 1_789_000_000)
    static let decided = Date(timeIntervalSince1970: 1_789_500_000)

    static func request(_ n: Int64, _ kind: RequestKind, _ attribute: String?, _ outcome: RequestOutcome) -> TenantRequest {
        TenantRequest(event: EventID(device: DeviceID("kiosk"), sequence: n), tenant: Sample.ref, kind: kind, attribute: attribute.map { AttributeID($0) },
                      madeAt: made, channel: .kiosk, actor: .tenant, outcome: outcome)
    }

    static let requests = [
        request(1, .rectification, "date-of-birth", .refused(decided, reason: RefusalReason.neededForTenancy.rawValue)),
        request(2, .restriction, "email", .carriedOut(decided)),
        request(3, .access, nil, .open),
        request(4, .erasure, "full-name", .refused(decided, reason: nil)),
        request(5, .erasure, "email", .refused(decided, reason: "kept for the rent account")),
    ]

    func overview(_ language: String) -> [String] {
        var d = Drive()
        d.press("lang:\(language)")
        var session = TenantSession(ref: Sample.ref, state: Sample.state, started: d.now)
        session.requests = Self.requests
        d.send(.signedIn(session))
        return d.model.view(now: d.now).items.map(\.text)
    }

    @Test(arguments: ["en", "pl", "ro", "ur"]) func eachRequestAndItsOutcomeIsShown(_ language: String) throws {
        let items = overview(language)
        let l = Shipped.content.localizer
        let heading = try #require(items.firstIndex(of: l.text("kiosk.requests", language)), "no requests heading in \(language): \(items)")
        let lines = Array(items[(heading + 1)...].prefix(5))
        #expect(lines.count == 5)
        let reason = l.text("request.refusal.needed-for-tenancy", language)
        #expect(!reason.isEmpty && lines[0].contains(reason), "the refusal's reason is not shown in \(language): \(lines[0])")
        if language != "en" {
            #expect(!lines[0].contains("needed-for-tenancy") && !lines[0].contains(l.text("request.refusal.needed-for-tenancy", "en")),
                    "the reason is not in \(language): \(lines[0])")
        }
        #expect(lines[4].contains("kept for the rent account"), "a reason recorded in staff's words is not shown: \(lines[4])")
        #expect(lines[0].contains(l.text("attribute.date-of-birth.label", language)))
        #expect(lines[1].contains(l.text("request.status.restricted", language, ["date": DayText.text(Self.made), "decided": DayText.text(Self.decided)])),
                "the kiosk does not say the value is left out of what is sent: \(lines[1])")
        #expect(lines[2].contains(DayText.text(ProtectionReport.deadline(for: Self.made))), "the deadline is not shown: \(lines[2])")
        #expect(lines[3].contains(l.text("request.status.refused-no-reason", language, ["date": DayText.text(Self.made), "decided": DayText.text(Self.decided)])))
    }

    @Test func aTenantWithNoRequestsSeesNoRequestsHeading() {
        var d = Drive()
        d.signIn()
        #expect(!d.model.view(now: d.now).items.map(\.text).contains("Your requests to staff"))
    }
}

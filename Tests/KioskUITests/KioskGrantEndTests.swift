import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TestSupport

/// A tenant sees the day their consent lapses, not only that they agreed: after it, what the use
/// needs leaves its exports until they agree again.
@Suite struct KioskGrantEndTests {
    /// 2027-03-31 12:00 UTC (13:00 in London).
    static let end = Date(timeIntervalSince1970: 1_806_494_400)

    /// The sample tenant, with a grant of the emails use that lapses on `end`.
    static func signedIn(language: String = "en", until: Date = end) -> Drive {
        var d = Drive()
        d.signIn()
        let grant = Event(
            id: EventID(device: DeviceID("kiosk"), sequence: 3), tenant: Sample.ref, hlc: HLCTimestamp(millis: 1_700_000_200_000),
            effectiveAt: Date(timeIntervalSince1970: 1_700_000_200), actor: .tenant, channel: .kiosk,
            payload: .decision(PurposeID("service-updates-email"), [AttributeID("full-name"), AttributeID("preferred-name"), AttributeID("email"),
                                                                  AttributeID("preferred-language")],
                               .granted, notice: NoticeShown(version: 1, language: "en"), validUntil: until))
        var state = Sample.state
        _ = state.apply(grant)
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: state, started: d.now)))
        d.model.state.language = language
        return d
    }

    func labels(_ d: Drive) -> String { d.model.items(now: d.now).items().map(\.text).joined(separator: "\n") }

    @Test func theUseAndEachItemSayTheDayTheConsentLapses() {
        var d = Self.signedIn()
        #expect(labels(d).contains("Service updates by email: You agreed, until 31/03/2027"), "\(labels(d))")
        d.press("use:service-updates-email")
        #expect(labels(d).contains("You agreed, until 31/03/2027"))
        d.press("back")
        d.press("attr:email")
        #expect(labels(d).contains("Service updates by email: You agreed, until 31/03/2027 → Withdraw consent"), "\(labels(d))")
        d.press("back")
        #expect(labels(d).contains("Service updates by text message: Not asked yet"), "a use never agreed to has no end date")
    }

    @Test func theDayIsShownInTheTenantsLanguage() {
        let d = Self.signedIn(language: "ur")
        #expect(labels(d).contains("آپ نے 31/03/2027 تک رضامندی دی"), "\(labels(d))")
    }

    @Test func aConsentEndingWithinTwoMonthsIsAskedAboutFirst() throws {
        let soon = Drive().now.addingTimeInterval(30 * 86_400)
        let d = Self.signedIn(until: soon)
        let items = d.model.items(now: d.now).items()
        let headings = items.filter { if case .heading = $0.kind { true } else { false } }.map(\.text)
        #expect(headings.first == "Ending soon: do you still agree?", "\(headings)")
        let first = try #require(d.model.selectable(now: d.now).first { !$0.inFooter })
        #expect(first.kind == .button(.use(PurposeID("service-updates-email"))), "the lapsing use is the first button")
        #expect(first.text.hasPrefix("Service updates by email: You agreed, until"))
        #expect(items.filter { $0.kind == .button(.use(PurposeID("service-updates-email"))) }.count == 1, "listed once, not again below")

        let later = Self.signedIn()
        let laterHeadings = later.model.items(now: later.now).items().filter { if case .heading = $0.kind { true } else { false } }.map(\.text)
        #expect(!laterHeadings.contains("Ending soon: do you still agree?"), "six months ahead is not yet asked first")
    }
}

import ConsentCore
import ConsentForms
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

/// The notice, use and receipt screens carry what Art. 13 asks and who is responsible: every line of
/// them must be on screen at some focus, in every language, at the smallest sizes (the list scrolls
/// with the focus, so text that never comes into view would be text the tenant cannot read).
@Suite struct NoticeLayoutTests {
    /// The lines of the current screen that Down and Up, pressed through the whole list and back,
    /// never bring into view.
    static func unreachable(_ start: KioskModel, now: Date, width: Int, height: Int) -> [String] {
        var model = start
        var scroll = TextScroll()
        let all = KioskRenderer.lines(model.view(now: now), width: width)
        var seen = Set<Int>()
        func look() {
            let view = scroll.applied(to: model.view(now: now))
            let rows = KioskRenderer.contentRows(view, width: width, height: height)
            let first = KioskRenderer.scroll(all, focus: view.focus, rows: rows, offset: view.scroll)
            seen.formUnion(first..<min(first + rows, all.count))
        }
        for key in [NavigationInput.down, .up] {
            for _ in 0..<(all.count + 10) {
                look()
                if !scroll.take(key, view: model.view(now: now), size: (width, height)) { _ = model.handle(.input(key), now: now) }
            }
        }
        return all.indices.filter { !seen.contains($0) && !all[$0].text.isEmpty }.map { all[$0].text }
    }

    /// The notice of each consent purpose, each use's screen and the receipt, signed in, in `language`.
    static func screens(_ language: String) -> [(String, Screen)] {
        let catalogue = Shipped.content.catalogue
        var out: [(String, Screen)] = [("receipt", .receipt)]
        for purpose in catalogue.purposes where purpose.legalBasis.control != .fixed {
            out.append(("use \(purpose.id)", .use(purpose.id)))
            if purpose.legalBasis == .consent, let attribute = purpose.attributes.first {
                out.append(("notice \(purpose.id)", .notice(attribute, purpose.id)))
            }
        }
        return out
    }

    @Test(arguments: ["en", "pl", "ro", "ur"])
    func everyLineOfTheNoticesCanBeBroughtIntoView(_ language: String) {
        var d = Drive()
        d.signIn()
        d.model.state.language = language
        for (name, screen) in Self.screens(language) {
            d.model.state.screen = screen
            d.model.state.receiptLines = [.use(PurposeID("service-updates-sms"), .withdrawn)]
            for (width, height) in [(60, 20), (80, 24)] {
                let missed = Self.unreachable(d.model, now: d.now, width: width, height: height)
                #expect(missed.isEmpty, "\(name) in \(language) at \(width)×\(height) never shows: \(missed)")
                let frame = KioskRenderer.render(d.model, width: width, height: height, now: d.now)
                #expect(frame.lines.allSatisfy { DisplayWidth.of($0) <= width })
            }
            let text = KioskRenderer.lines(d.model.view(now: d.now), width: 5000).map(\.text).joined(separator: " ")
            let complaint = Shipped.content.organisation.complaintLine(Shipped.content.localizer, language)
            #expect(text.contains(complaint), "\(name) in \(language) lacks the right to complain")
            #expect(text.contains("Example Housing Association (demo)") && text.contains("dpo@example.org"), "\(name) in \(language) lacks the organisation")
            if name.hasPrefix("notice") || name.hasPrefix("use") {
                let purpose = name.split(separator: " ").last.map(String.init) ?? ""
                let definition = Shipped.content.catalogue.purpose(PurposeID(purpose))
                for part in definition.map({ Shipped.content.noticeParts($0, language) }) ?? [] {
                    #expect(text.contains(part), "\(name) in \(language) lacks \(part)")
                }
            }
        }
    }
}

extension NoticeLayoutTests {
    @Test func downPastTheLastItemScrollsTheTextAndEnterNeverPressesAnUnseenButton() {
        var d = Drive()
        d.signIn()
        d.size = (60, 20)
        d.model.state.language = "pl"
        d.model.state.screen = .notice(AttributeID("email"), PurposeID("resident-involvement"))
        d.model.state.focus = 1
        let render = { (d: Drive) in KioskRenderer.render(d.scroll.applied(to: d.model.view(now: d.now)), width: 60, height: 20).lines.joined(separator: "\n") }
        #expect(render(d).contains("▶ 2."), "Back is focused and drawn")
        d.keys(.down)
        #expect(d.scroll.applied(to: d.model.view(now: d.now)).scroll > 0 && d.model.state.focus == 1, "Down on the last item shows the text below it first")
        let complaint = Shipped.content.organisation.complaintLine(Shipped.content.localizer, "pl")
        for _ in 0..<5 where !render(d).contains("make-a-complaint") { d.keys(.down) }
        #expect(render(d).contains("make-a-complaint"), "the complaint line comes into view: \(complaint)")
        // Back is out of view now: Enter brings it back rather than pressing it.
        let screen = d.model.state.screen
        if !render(d).contains("▶ 2.") {
            d.keys(.enter)
            #expect(d.model.state.screen == screen && d.scroll.applied(to: d.model.view(now: d.now)).scroll == 0)
        }
        // Up returns the way it came; Tab moves on at once.
        d.keys(.down)
        d.keys(.tab)
        #expect(d.scroll.applied(to: d.model.view(now: d.now)).scroll == 0 && d.model.state.focus == 2)
    }
}

import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

/// The kiosk's own wait (``KioskThrottle``: many failures in a row here, with any references) as the
/// person at the counter reads it: worded like a reference's wait, saying it is this kiosk's, counting
/// down, in every language, whole at 60 and 80 columns; a reference's wait keeps its own words.
@Suite struct KioskWaitMessageTests {
    static func collapsed(_ lines: [String]) -> String { lines.joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    @Test(arguments: ["en", "pl", "ro", "ur"], [(60, 20), (80, 24)])
    func theKioskWaitSaysItIsTheKiosksAndCountsDown(_ language: String, _ size: (width: Int, height: Int)) {
        var d = Drive()
        d.size = size
        d.press("lang:\(language)")
        #expect(d.model.state.screen == .signIn)
        let l = Shipped.content.localizer
        for (wait, after) in [(8, 3), (16, 10)] { // the wait grows from one try to the next; each counts down
            d.send(.kioskWait(seconds: wait))
            for left in [wait, wait - after] {
                let lines = KioskRenderer.render(d.model, width: size.width, height: size.height, now: d.now).lines
                let message = l.plural("kiosk.sign-in.kiosk-wait", count: left, language)
                #expect(message != l.plural("kiosk.sign-in.wait", count: left, language), "\(language): the kiosk's wait reads as a reference's")
                if language == "ur" { // drawn in visual order: the figure is checked
                    #expect(Self.collapsed(lines).contains("\(left)"), "\(language) \(size): no \(left):\n\(lines.joined(separator: "\n"))")
                } else {
                    #expect(Self.collapsed(lines).contains(message), "\(language) \(size): not all on screen:\n\(lines.joined(separator: "\n"))")
                }
                let status = KioskRenderer.statusLines(d.model.view(now: d.now), width: size.width, height: size.height)
                #expect(!status.contains { $0.hasSuffix("…") }, "\(language) \(size): the message is cut")
                d.wait(TimeInterval(after))
            }
        }
    }

    @Test func aReferencesWaitAfterTheKiosksKeepsItsOwnWords() {
        var d = Drive()
        d.keys(.enter)
        d.send(.kioskWait(seconds: 2))
        #expect(Self.collapsed(d.screen).contains("Many sign-ins in a row have failed at this kiosk. Please wait 2 seconds"), "\(d.screen)")
        d.wait(2)
        d.send(.signInWait(seconds: 4))
        let text = Self.collapsed(d.screen)
        #expect(text.contains("Please wait 4 seconds before trying again") && !text.contains("this kiosk"), "\(text)")
    }
}

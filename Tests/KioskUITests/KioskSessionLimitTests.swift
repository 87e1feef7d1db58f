import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore

/// The session's absolute limit as a tenant meets it (issue 17): the time left counts down above the
/// footer from two minutes before the end, and a tenant cut off while typing is told plainly that
/// what they typed was not saved.
@Suite struct KioskSessionLimitTests {
    /// The 15-minute limit with the default two-minute countdown; idle never interferes.
    static let timing = KioskTiming(idleWarning: 600, idleTimeout: 1200, sessionLimit: 900)

    /// Opens the correction box of `id` from the overview.
    func openCorrection(_ id: String, _ d: inout Drive) {
        d.keys(.home)
        let index = d.overviewIndex(id)
        for _ in 0..<index { d.keys(.down) }
        d.keys(.enter)
        d.press("correct")
    }

    @Test func theTimeLeftCountsDownAboveTheFooterFromTwoMinutesBefore() {
        var d = Drive(timing: Self.timing)
        d.signIn()
        d.wait(900 - 121)
        #expect(!d.text.contains("Session ends in"), "the countdown shows too early:\n\(d.text)")
        d.wait(1)
        #expect(d.screen[22].contains("Session ends in 2:00"), "no countdown above the footer:\n\(d.text)")
        d.keys(.down) // input does not stop the absolute limit
        d.wait(61)
        #expect(d.screen[22].contains("Session ends in 0:59"), "\(d.text)")
        #expect(d.screen[23].contains("Sign out"), "the footer went:\n\(d.text)")
    }

    @Test func cutOffWhileTypingTheTenantIsToldWhatWasNotSaved() {
        var d = Drive(timing: Self.timing)
        d.signIn()
        openCorrection("email", &d)
        #expect(d.model.state.screen == .edit(AttributeID("email")))
        d.type(".uk")
        d.wait(900)
        #expect(d.model.state.session == nil)
        #expect(d.model.state.screen == .receipt)
        #expect(d.text.contains("time limit") && d.text.contains("was not saved"), "the tenant is not told:\n\(d.text)")
        #expect(!d.text.contains("ann@example.org"), "the typed text is still on screen:\n\(d.text)")
        #expect(!d.effects.contains { if case .record = $0 { true } else { false } }, "something was saved unasked")
    }

    @Test func cutOffWithNothingTypedTheTenantIsToldOnlyThatTheTimeIsUp() {
        var d = Drive(timing: Self.timing)
        d.signIn()
        openCorrection("email", &d) // the box holds the value already stored: nothing new typed
        d.wait(900)
        #expect(d.text.contains("time limit"), "\(d.text)")
        #expect(!d.text.contains("was not saved"), "\(d.text)")
    }

    @Test func theIdleCountdownWinsWhenItEndsFirst() {
        var d = Drive(timing: KioskTiming(idleWarning: 60, idleTimeout: 90, sessionLimit: 900))
        d.signIn()
        for _ in 0..<16 { // active until 800 s
            d.wait(50)
            d.keys(.down)
        }
        d.wait(70) // 20 s to the idle sign-out, 30 s to the limit: the sooner one shows
        #expect(d.text.contains("Signing out in 20 seconds"), "\(d.text)")
    }
}

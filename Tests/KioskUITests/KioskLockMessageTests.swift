import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

/// The lock message as a locked-out tenant reads it (issue 17): it says that the lock lifts by itself
/// after the length `SignInThrottle` sets, and whom to call to have it lifted sooner, with the
/// organisation's phone number from Forms/organisation.yaml, in every language, wrapped whole at
/// 60 and 80 columns.
@Suite struct KioskLockMessageTests {
    static let phone = Shipped.content.organisation.controller.phone ?? "no phone in Forms/organisation.yaml"
    /// The lock's length in minutes, from the one rule (15 today).
    static let minutes = SignInThrottle.lockSeconds / 60

    @Test(arguments: ["en", "pl", "ro", "ur"], [(60, 20), (80, 24)])
    func theLockMessageGivesTheNumberToCallAndIsNotCut(_ language: String, _ size: (width: Int, height: Int)) {
        var d = Drive()
        d.size = size
        d.press("lang:\(language)")
        #expect(d.model.state.screen == .signIn)
        d.send(.signInLocked)
        let lines = KioskRenderer.render(d.model, width: size.width, height: size.height, now: d.now).lines
        let screen = lines.joined(separator: "\n")
        #expect(screen.contains(Self.phone), "\(language) \(size): no number to call:\n\(screen)")
        #expect(screen.split(whereSeparator: \.isWhitespace).contains("\(Self.minutes)"), "\(language) \(size): not when the lock lifts by itself:\n\(screen)")
        let status = KioskRenderer.statusLines(d.model.view(now: d.now), width: size.width, height: size.height)
        #expect(status.count > 1 && !status.contains { $0.hasSuffix("…") }, "\(language) \(size): the message is cut:\n\(screen)")
        if language != "ur" { // right to left is drawn in visual order; its words are checked by the number above
            let message = Shipped.content.localizer.plural("kiosk.sign-in.locked.phone", count: Self.minutes, language, ["phone": Self.phone])
            let collapsed = screen.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(collapsed.contains(message), "\(language) \(size): the message is not all on screen:\n\(screen)")
        }
    }

    @Test func theLockMessageSaysItLiftsByItselfAfterTheRulesLengthOrStaffCanUnlockIt() {
        var d = Drive()
        d.keys(.enter)
        d.send(.signInLocked)
        let collapsed = d.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(collapsed.contains("It unlocks by itself \(Self.minutes) minutes after your last try"), "\(d.text)")
        #expect(collapsed.contains("To unlock it sooner, please ask at the desk or call us on \(Self.phone)"), "\(d.text)")
    }

    @Test func theNextPersonDoesNotSeeTheLockMessage() {
        var d = Drive()
        d.keys(.enter)
        d.send(.signInLocked)
        #expect(d.text.contains(Self.phone))
        d.keys(.escape)
        d.keys(.enter)
        #expect(!d.text.contains("locked"), "\(d.text)")
    }
}

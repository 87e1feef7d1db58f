import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore

/// What may be typed or pasted into a box is the same in the kiosk and staff mode (one navigator):
/// no control character, bidi control or byte-order mark gets in, however it arrives.
@Suite struct FieldTypingTests {
    static let hostile = ["\u{202E}", "\u{2066}", "\u{202A}", "\u{FEFF}", "\u{85}", "\u{9B}", "\u{7F}", "\u{1B}"]

    @Test func theKioskRefusesForbiddenTextTypedOrPasted() {
        var d = Drive()
        d.keys(.enter) // English: the sign-in screen, focus on the reference
        for text in Self.hostile { d.type(text) }
        d.keys(.paste("T00\u{202E}000\u{1B}[31m01\u{2069}"))
        let typed = d.model.state.fields["ref"]?.text ?? ""
        #expect(!TextSafety.hasForbiddenCharacter(typed), "the kiosk took \(typed.unicodeScalars.map { String($0.value, radix: 16) })")
        #expect(typed == "T00000[31m01")
    }

    @Test func staffModeRefusesForbiddenTextTypedOrPasted() {
        var d = StaffDrive()
        for text in Self.hostile { d.type(text) }
        d.keys(.paste("sam\u{202E}\u{1B}x"))
        let typed = d.model.state.fields["staff"]?.text ?? ""
        #expect(!TextSafety.hasForbiddenCharacter(typed))
        #expect(typed == "samx")
    }

    @Test func aStaffPasswordTakesLettersAndDigits() {
        var d = StaffDrive()
        d.type("sam")
        d.keys(.tab)
        d.type("pa55 word!")
        d.keys(.paste("+x9"))
        #expect(d.model.state.fields["password"]?.text == "pa55 word!+x9")
    }
}

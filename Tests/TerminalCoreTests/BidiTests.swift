import Testing
@testable import TerminalCore

/// The expected visual orders here are worked out by hand from the Unicode bidirectional algorithm
/// (UAX #9) and the Arabic joining forms, not by calling FriBidi.
@Suite struct BidiTests {
    /// "نام" (name) is stored ن ا م and, read from the right, drawn م ا ن from the left, joined:
    /// م alone (U+FEE1), ا final (U+FE8E), ن initial (U+FEE7).
    let name = "\u{0646}\u{0627}\u{0645}"
    let nameDrawn = "\u{FEE1}\u{FE8E}\u{FEE7}"

    @Test func rightToLeftLettersAreDrawnFromTheRight() {
        #expect(Bidi.visual(name) == nameDrawn)
        // Two words: the words swap sides and each is reversed; the space stays between them.
        #expect(Bidi.visual(name + " " + name) == nameDrawn + " " + nameDrawn)
    }

    @Test func latinRunsAndNumbersKeepTheirOwnOrder() {
        // "نام: Ali Khan": the Latin run keeps its order and goes to the left; the colon stays with the Urdu.
        #expect(Bidi.visual(name + ": Ali Khan") == "Ali Khan :" + nameDrawn)
        // A reference and a date inside Urdu text are not reversed.
        #expect(Bidi.visual(name + " T000123") == "T000123 " + nameDrawn)
        #expect(Bidi.visual(name + " 30/08/2001") == "30/08/2001 " + nameDrawn)
    }

    @Test func aPhoneNumberInRightToLeftTextKeepsItsGroupsInOrder() {
        // "فون 0303 123 1113۔" (phone ...): without an isolate the algorithm would draw "1113 123 0303".
        // فون is drawn ن alone (U+FEE5), و final (U+FEEE), ف initial (U+FED3); the full stop goes left.
        let phone = "\u{0641}\u{0648}\u{0646} 0303 123 1113\u{06D4}"
        #expect(Bidi.visual(phone) == "\u{06D4}0303 123 1113 \u{FEE5}\u{FEEE}\u{FED3}")
        #expect(Bidi.visual(name + " +44 20-7946-0000") == "+44 20-7946-0000 " + nameDrawn)
        // After a Latin word the groups already run left to right, and the Latin text stays one run.
        #expect(Bidi.visual(name + ": Exampletown, 01632 960000,") == ",Exampletown, 01632 960000 :" + nameDrawn)
        // A date and a single number are not changed by it.
        #expect(Bidi.visual(name + " 30/08/2001") == "30/08/2001 " + nameDrawn)
    }

    @Test func bracketsAreMirrored() {
        // "(نام)" in a right-to-left line: the opening bracket is at the right, drawn as ")" would be read.
        #expect(Bidi.visual("(" + name + ")") == "(" + nameDrawn + ")")
    }

    @Test func combiningMarksStayAfterTheirLetter() {
        // ب with a fatha (U+064E) then ا: the mark stays after its base (ب initial, U+FE91) when the pair
        // is reversed; ا is final (U+FE8E).
        #expect(Bidi.visual("\u{0628}\u{064E}\u{0627}") == "\u{FE8E}\u{FE91}\u{064E}")
    }

    @Test func lamWithAlefIsOneLigatureAndLeavesNothingInvisible() {
        // "سلام" (hello): م alone, lam-alef final ligature (U+FEFC), س initial (U+FEB3).
        #expect(Bidi.visual("\u{0633}\u{0644}\u{0627}\u{0645}") == "\u{FEE1}\u{FEFC}\u{FEB3}")
        #expect(DisplayWidth.of(Bidi.visual("\u{0633}\u{0644}\u{0627}\u{0645}")) == 3)
    }

    @Test func aTypedValueRunsItsOwnWay() {
        #expect(Bidi.visualRun("30/08/2001", direction: .firstStrong) == ("30/08/2001", false))
        #expect(Bidi.visualRun(name, direction: .firstStrong) == (nameDrawn, true))
        #expect(Bidi.visualRun("", direction: .firstStrong).text == "")
        #expect(Bidi.visual("") == "")
    }

    @Test func leftToRightTextInARightToLeftLineIsUnchanged() {
        #expect(Bidi.visual("Sign out") == "Sign out")
    }
}

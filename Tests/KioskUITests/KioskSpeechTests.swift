import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// What "Read this page aloud" says (issue 21): the screen's words, errors and the receipt included; never
/// a PIN or a special-category value; names, addresses and what was typed only in headphones mode.
@Suite struct KioskSpeechTests {
    static let pin = "482916"

    @Test func aPINTypedIsNeverSaidAndTheReferenceOnlyWithHeadphones() {
        var d = Drive()
        d.press("lang:en")
        d.model.fill(["ref": Sample.ref.rawValue, "dob": "01/05/1970", "pin": Self.pin], now: d.now)
        let aloud = d.model.speech(now: d.now, headphones: false)
        #expect(aloud.contains(d.model.view(now: d.now).title), "the title is said:\n\(aloud)")
        #expect(!aloud.contains(Self.pin) && !aloud.contains(Sample.ref.rawValue) && !aloud.contains("01/05/1970"), "\(aloud)")
        let private_ = d.model.speech(now: d.now, headphones: true)
        #expect(private_.contains(Sample.ref.rawValue) && private_.contains("01/05/1970"), "headphones: what was typed is said:\n\(private_)")
        #expect(!private_.contains(Self.pin) && !private_.contains("4 8 2"), "the PIN is never said:\n\(private_)")
    }

    @Test func namesAndAddressesOnlyWithHeadphonesAndASpecialCategoryNeverEvenWhenShown() {
        var d = Drive()
        d.signIn()
        let aloud = d.model.speech(now: d.now, headphones: false)
        #expect(aloud.contains("Address") && aloud.contains("Full name"), "the items are named:\n\(aloud)")
        for value in ["Ann Smith", "1 High Street", "ann@example.org", "07700900123", "LS1 1AA"] {
            #expect(!aloud.contains(value), "\(value) said aloud without headphones")
        }
        let private_ = d.model.speech(now: d.now, headphones: true)
        #expect(private_.contains("Ann Smith") && private_.contains("1 High Street, Leeds"), "headphones: values are said:\n\(private_)")
        d.press("attr:health-needs")
        d.press("toggle-show")
        #expect(d.model.view(now: d.now).items.contains { $0.text.contains("Uses a wheelchair") }, "the tenant sees it")
        let shown = d.model.speech(now: d.now, headphones: true)
        #expect(!shown.contains("wheelchair"), "a special category is said aloud:\n\(shown)")
        d.press("correct")
        #expect(!d.model.speech(now: d.now, headphones: true).contains("wheelchair"), "nor from its correction box")
    }

    @Test func anErrorAndTheReceiptAreSaid() throws {
        var d = Drive()
        d.press("lang:en")
        _ = d.model.submit(.signIn, fields: ["ref": Sample.ref.rawValue, "dob": "31/02/19", "pin": Self.pin], now: d.now)
        let note = try #require(d.model.view(now: d.now).notes["dob"], "a badly typed date has a note")
        #expect(d.model.speech(now: d.now, headphones: false).contains(note))

        var r = Drive()
        r.signIn()
        r.press("sign-out")
        #expect(r.model.state.screen == .receipt)
        let aloud = r.model.speech(now: r.now, headphones: false)
        for item in r.model.view(now: r.now).items where item.value == nil {
            #expect(aloud.contains(item.label), "the receipt's \(item.label) is not said")
        }
    }
}

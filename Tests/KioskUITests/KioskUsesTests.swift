import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

/// Consent by use (one purpose per screen, covering every attribute it uses), and the language
/// choice while signed in.
@Suite struct KioskUsesTests {
    /// Every text of the current screen, unwrapped.
    func labels(_ d: Drive) -> String { d.model.items(now: d.now).items().map(\.text).joined(separator: "\n") }

    @Test func aUseScreenAsksForTheWholeUseAndRecordsItWithItsNotice() throws {
        var d = Drive()
        d.signIn()
        #expect(d.model.selectable(now: d.now).contains { $0.kind == .button(.use(PurposeID("service-updates-sms"))) }, "the overview lists the uses")
        d.press("use:service-updates-sms")
        #expect(d.model.state.screen == .use(PurposeID("service-updates-sms")))
        #expect(labels(d).contains("Service updates by text message uses your Preferred name, Mobile phone, Preferred language. Do you agree?"))
        #expect(d.model.selectable(now: d.now)[d.model.state.focus].kind == .button(.back), "the question opens with Back focused")
        d.press("use-set:granted")
        guard case let .record(request, receipt)? = d.effects.last else {
            Issue.record("nothing recorded: \(d.effects)")
            return
        }
        #expect(request.payload == .decision(PurposeID("service-updates-sms"), [AttributeID("preferred-name"), AttributeID("mobile"), AttributeID("preferred-language")],
                                             .granted, notice: NoticeShown(version: 1, language: "en"), validUntil: nil))
        #expect(receipt.key == "kiosk.receipt.use")
        d.send(.recorded(Sample.state, receipt))
        #expect(d.model.state.screen == .use(PurposeID("service-updates-sms")))
        #expect(d.model.selectable(now: d.now)[d.model.state.focus].kind == .button(.back), "a second Enter leaves and changes nothing")
    }

    @Test func theOverviewShowsTheUsesFirstThenTheItemsWithSignOutOnScreenAt80x24() {
        var d = Drive()
        d.signIn()
        let selectable = d.model.selectable(now: d.now).filter { !$0.inFooter }
        let uses = Shipped.content.catalogue.purposes.filter { $0.legalBasis.control != .fixed }
        #expect(!uses.isEmpty)
        #expect(selectable.prefix(uses.count).map(\.kind) == uses.map { KioskItem.Kind.button(.use($0.id)) },
                "the uses do not come first: \(selectable.prefix(uses.count + 1).map(\.kind))")
        #expect(selectable.dropFirst(uses.count).first?.kind == .button(.attribute(AttributeID("full-name"))), "the items do not follow the uses")
        // The first screen at 80x24 holds every use and the footer's Sign out.
        let lines = d.screen
        let heading = lines.firstIndex { $0.contains("Your choices, use by use") }
        let firstItem = lines.firstIndex { $0.contains("Full name:") }
        #expect(heading != nil && (firstItem.map { $0 > heading ?? .max } ?? true), "\(d.text)")
        for use in uses {
            let name = Shipped.content.localizer.text("purpose.\(use.id).name", "en")
            #expect(lines.contains { $0.contains(name) }, "\(name) is not on the first screen:\n\(d.text)")
        }
        #expect(lines.last?.contains("Sign out") == true, "\(d.text)")
    }

    @Test func anObjectionUseOffersObjectingAndNoNotice() {
        var d = Drive()
        d.signIn()
        d.press("use:equality-monitoring")
        #expect(labels(d).contains("You can object, and we will stop"))
        #expect(d.model.selectable(now: d.now).contains { $0.kind == .button(.setUse(.objected)) })
        #expect(!d.model.selectable(now: d.now).contains { $0.kind == .button(.setUse(.granted)) }, "nothing to remove while in use")
    }

    @Test func theLanguageChoiceWhileSignedInIsASettingNotTheWelcome() {
        var d = Drive()
        d.signIn()
        d.press("language")
        #expect(!labels(d).contains("Welcome"))
        #expect(labels(d).contains("You stay signed in"))
        d.press("back")
        #expect(d.model.state.screen == .overview && d.model.state.session != nil)
    }
}

@Suite struct KioskStaffExitTests {
    @Test func f12TwiceOpensTheStaffExitAndItsPasswordNeverStays() {
        var d = Drive()
        d.keys(.function(12), .down, .function(12))
        #expect(d.model.state.screen == .welcome, "F12 apart is not the chord")
        d.keys(.function(12), .function(12))
        #expect(d.model.state.screen == .staffExit(returnTo: .screen(.welcome)))
        d.type("S100")
        d.keys(.tab)
        d.type("pa55 word!")
        #expect(!d.text.contains("pa55"), "the password is masked")
        d.keys(.enter)
        #expect(d.effects.last == .endKiosk(staff: "S100", password: "pa55 word!"))
        d.send(.staffExitRefused(Message("kiosk.staff.failed")))
        #expect(d.model.state.fields.isEmpty)
        d.keys(.escape)
        #expect(d.model.state.screen == .welcome && d.model.state.fields.isEmpty)
    }
}

@Suite struct KioskCutLabelTests {
    @Test func aLabelTooLongForTheRowEndsWithAnEllipsis() {
        let view = ScreenView(title: "t", corner: "c", items: [KioskItem(.button(.back), String(repeating: "word ", count: 30))], focus: 0, fields: [:], hints: "")
        let line = KioskRenderer.lines(view, width: 60).first { $0.selectable == 0 }?.text ?? ""
        #expect(line.hasSuffix("…") && DisplayWidth.of(line) <= 54, "\(line)")
    }
}

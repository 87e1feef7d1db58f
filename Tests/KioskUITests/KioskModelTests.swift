import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

@Suite struct KioskModelTests {
    @Test func languageChoiceThenSignInEffect() {
        var d = Drive()
        d.keys(.down, .enter) // Polski
        #expect(d.model.state.language == "pl")
        #expect(d.model.state.screen == .signIn)
        #expect(d.text.contains("Polski"))
        d.type("t0000001")
        d.keys(.tab)
        d.type("01/05/1970")
        d.keys(.tab)
        d.type("48a2916") // letters are not PIN digits
        d.keys(.enter)
        #expect(d.effects == [.signIn(reference: "t0000001", dateOfBirth: "01/05/1970", pin: "482916")])
        #expect(!d.text.contains("482916"), "the PIN is masked")
    }

    @Test func refusedSignInClearsEveryBoxAndSaysTheSameForEveryFailure() {
        var d = Drive()
        d.keys(.enter)
        d.type("T1")
        d.keys(.tab)
        d.type("01/01/1980")
        d.keys(.tab)
        d.type("111111")
        d.send(.signInRefused(KioskEffects.failed))
        #expect(d.text.contains("Those details do not match our records"))
        #expect(!d.text.contains("T1") && !d.text.contains("01/01/1980") && !d.text.contains("•"), "nothing of the failed try is shown")
        d.type("T2")
        #expect(d.model.state.fields["ref"]?.text == "T2", "focus returns to the reference")
    }

    @Test func everyWayOutOfSignInEmptiesTheBoxes() {
        var d = Drive()
        d.keys(.enter)
        d.type("T0000001")
        d.keys(.tab)
        d.type("01/05/1970")
        d.keys(.escape, .enter)
        #expect(d.model.state.screen == .signIn)
        #expect(d.model.state.fields.values.allSatisfy { $0.text.isEmpty }, "Esc then Enter shows the last person's details")
        d.type("T0000001")
        d.press("use-code")
        #expect(d.model.state.screen == .code)
        #expect(!d.text.contains("T0000001"), "the reference is carried onto the code screen")
        d.type("T0000001")
        d.keys(.escape)
        #expect(d.model.state.screen == .signIn)
        #expect(!d.text.contains("T0000001"), "the reference is carried back from the code screen")
        d.type("T0000001")
        d.press("language")
        d.keys(.enter)
        #expect(d.model.state.screen == .signIn)
        #expect(!d.text.contains("T0000001"), "the reference survives a language choice")
    }

    @Test func specialCategoriesAreHiddenUntilShown() {
        var d = Drive()
        d.signIn()
        #expect(d.text.contains("Ann Smith"))
        #expect(!d.text.contains("Christian"))
        #expect(!d.text.contains("wheelchair"))
        d.send(.input(.type("x")))
        // Open Religion and show it.
        let index = d.overviewIndex("religion")
        for _ in 0..<index { d.keys(.down) }
        d.keys(.enter)
        #expect(d.model.state.screen == .attribute(AttributeID("religion")))
        #expect(!d.text.contains("Christian"))
        d.keys(.home, .enter)
        #expect(d.text.contains("Christian"))
    }

    @Test func aSealedValueThisKioskCannotOpenIsSaidSoAndCanStillBeErased() {
        var d = Drive()
        var state = Sample.state
        let source = EventID(device: DeviceID("kiosk"), sequence: 1)
        state.values[AttributeID("religion")] = ValueRecord(state: .unavailable(source: source), hlc: HLCTimestamp(millis: 1_700_000_000_000),
                                                            device: DeviceID("kiosk"))
        d.keys(.enter)
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: state, started: d.now)))
        d.send(.input(.type("x")))
        let index = d.overviewIndex("religion")
        for _ in 0..<index { d.keys(.down) }
        d.keys(.enter)
        #expect(d.model.state.screen == .attribute(AttributeID("religion")))
        #expect(d.text.contains("cannot be shown on this device"))
        #expect(!d.model.selectable(now: d.now).contains { $0.kind == .button(.toggleShow) })
        d.press("erase")
        #expect(d.model.state.screen == .confirm(AttributeID("religion"), .erase))
        d.press("confirm-yes")
        guard case let .record(request, _)? = d.effects.last, case .erasure(AttributeID("religion")) = request.payload else {
            Issue.record("no erasure recorded: \(d.effects)")
            return
        }
    }

    @Test func withdrawingIsOneActionAndGrantingShowsTheNotice() throws {
        var d = Drive()
        d.signIn()
        let email = d.overviewIndex("email")
        for _ in 0..<email { d.keys(.down) }
        d.keys(.enter)
        #expect(d.text.contains("Service updates by email: You agreed → Withdraw consent"))
        // Focus the withdraw button and press Enter: one action, recorded at once.
        let line = try #require(d.screen.firstIndex { $0.contains("Withdraw consent") })
        d.keys(.click(row: line, column: 5))
        guard case let .record(request, receipt)? = d.effects.last else {
            Issue.record("no record effect: \(d.effects)")
            return
        }
        #expect(request.payload == .decision(PurposeID("service-updates-email"), [AttributeID("email")], .withdrawn, notice: nil, validUntil: nil))
        #expect(request.channel == .kiosk && request.actor == .tenant)
        #expect(receipt.key == "kiosk.receipt.decision")
        // Granting another purpose shows its notice first, and records the version and language shown.
        let grant = try #require(d.screen.firstIndex { $0.contains("Resident involvement") && $0.contains("Agree") })
        d.keys(.click(row: grant, column: 5))
        #expect(d.model.state.screen == .notice(AttributeID("email"), PurposeID("resident-involvement")))
        #expect(d.text.contains("Notice version 1"))
        d.press("agree")
        guard case let .record(granted, _)? = d.effects.last else {
            Issue.record("no grant recorded")
            return
        }
        #expect(granted.payload == .decision(PurposeID("resident-involvement"), [AttributeID("email")], .granted,
                                             notice: NoticeShown(version: 1, language: "en"), validUntil: nil))
    }

    @Test func contractPurposesAreShownButNotSwitchable() {
        var d = Drive()
        d.signIn()
        d.press("attr:full-name")
        #expect(d.text.contains("Managing your tenancy: Always used for your tenancy (Cannot be switched"))
        #expect(!d.screen.contains { $0.contains("Managing your tenancy") && $0.contains("→") })
    }

    @Test func correctionsAreValidatedAndEvidenceAttributesGoPending() {
        var d = Drive()
        d.signIn()
        let postcode = d.overviewIndex("postcode")
        for _ in 0..<postcode { d.keys(.down) }
        d.keys(.enter)
        d.press("correct")
        #expect(d.model.text("value") == "LS1 1AA", "the box starts with the postcode held")
        for _ in 0..<7 { d.keys(.backspace) }
        d.type("NOT A POSTCODE")
        d.keys(.enter)
        #expect(d.text.contains("This is not a UK postcode"))
        #expect(d.effects.isEmpty)
        for _ in 0..<14 { d.keys(.backspace) }
        d.type("ls2 9jt")
        d.keys(.enter)
        guard case let .record(request, receipt)? = d.effects.last else {
            Issue.record("no record effect")
            return
        }
        #expect(request.payload == .correction(AttributeID("postcode"), .value("LS2 9JT"), pending: true))
        #expect(receipt.key == "kiosk.receipt.pending")
    }

    /// Issue 17: a correction box starts with the current value; dates are shown as they are typed.
    @Test func theCorrectionBoxHoldsTheValueAndDatesReadAsTyped() {
        var d = Drive()
        d.signIn()
        #expect(d.text.contains("Date of birth: 01/05/1970"), "\(d.text)")
        #expect(!d.text.contains("1970-05-01"))
        func open(_ id: String) -> Drive {
            var e = d
            let index = e.overviewIndex(id)
            for _ in 0..<index { e.keys(.down) }
            e.keys(.enter)
            e.press("correct")
            return e
        }
        let email = open("email")
        #expect(email.model.text("value") == "ann@example.org")
        #expect(email.text.contains("[ ann@example.org ]"), "\(email.text)")
        #expect(open("date-of-birth").model.text("value") == "01/05/1970")
        // A special category stays hidden until the tenant shows it: its box starts empty.
        #expect(open("health-needs").model.text("value") == "")
        // Saving the prefilled date unchanged records the same date.
        var dob = open("date-of-birth")
        dob.press("save")
        guard case let .record(request, _)? = dob.effects.last else {
            Issue.record("no record effect")
            return
        }
        #expect(request.payload == .correction(AttributeID("date-of-birth"), .value("1970-05-01"), pending: Shipped.content.catalogue.attribute(AttributeID("date-of-birth"))?.needsEvidence ?? false))
    }

    @Test func idleCountdownThenSignOutWipesAndPrintsTheReceipt() {
        var d = Drive(timing: KioskTiming(idleWarning: 5, idleTimeout: 8, sessionLimit: 100))
        d.signIn()
        d.send(.recorded(Sample.state, Message("kiosk.receipt.correction", ["attribute": "mobile"])))
        d.wait(4)
        #expect(!d.text.contains("Signing out in"))
        d.wait(2)
        #expect(d.text.contains("Signing out in 2 seconds"))
        d.wait(2)
        #expect(d.model.state.session == nil)
        #expect(d.model.state.screen == .welcome)
        let printed: [String] = d.effects.compactMap { effect -> [String]? in
            if case let .printReceipt(lines, _) = effect { return lines }
            return nil
        }.first ?? []
        #expect(printed.first == "TenantConsent receipt \(d.receiptID)" && printed.contains("Mobile phone: corrected"), "\(printed)")
        // Who is responsible and the right to complain end every printed receipt.
        #expect(printed.contains { $0.hasPrefix("Example Housing Association (demo) is in charge of your information.") }, "\(printed)")
        #expect(printed.last?.contains("ico.org.uk/make-a-complaint") == true && printed.last?.contains("0303 123 1113") == true, "\(printed)")
        #expect(d.effects.last == .wipe)
        #expect(!d.text.contains("Ann"))
    }

    @Test func anyKeyKeepsTheSessionAndTheLimitEndsIt() {
        var d = Drive(timing: KioskTiming(idleWarning: 5, idleTimeout: 8, sessionLimit: 20))
        d.signIn()
        for _ in 0..<3 {
            d.wait(6)
            d.keys(.down)
        }
        #expect(d.model.state.session != nil)
        d.wait(3)
        #expect(d.model.state.session == nil, "absolute session limit")
    }

    @Test func controlKeysDoNothing() {
        var d = Drive()
        d.signIn()
        let before = d.model.state
        d.keys(.control("c"), .control("z"), .control("\\"), .control("d"))
        #expect(d.model.state.screen == before.screen)
        #expect(d.model.state.session == before.session)
        #expect(d.effects.isEmpty)
    }

    @Test func languageCanBeChangedFromAnyScreen() {
        var d = Drive()
        d.signIn()
        d.keys(.end, .up, .enter) // "Language", second from the end
        let urdu = d.screen.firstIndex { $0.contains("اردو") } ?? 0
        d.keys(.click(row: urdu, column: 40))
        #expect(d.model.state.language == "ur")
        #expect(d.model.state.screen == .overview)
        #expect(d.model.state.session != nil)
    }
}

extension Drive {
    /// The id of the receipt last printed.
    var receiptID: String {
        for effect in effects.reversed() { if case let .printReceipt(_, id) = effect { return id } }
        return ""
    }
}

@Suite struct KioskSafetyTests {
    /// A value stored with escape sequences or bidi overrides (say, from an old import) is shown
    /// harmlessly: nothing but printable text ever reaches the terminal.
    @Test func hostileStoredTextCannotControlTheTerminal() {
        var d = Drive()
        var state = Sample.state
        let hostile = "Ann\u{1B}[2J\u{1B}]0;owned\u{07}\u{202E}evil\u{9B}31m"
        state.values[AttributeID("full-name")] = ValueRecord(
            state: .held(.value(hostile), source: EventID(device: DeviceID("x"), sequence: 9)), hlc: HLCTimestamp(millis: 1), device: DeviceID("x"))
        d.keys(.enter)
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: state, started: d.now)))
        var renderer = Renderer()
        let output = renderer.render(KioskRenderer.render(d.model, width: 80, height: 24, now: d.now))
        // Strip the renderer's own sequences (CSI with digits/;/? and a final letter), then nothing else may remain.
        let own = output.replacingOccurrences(of: #"\u{1B}\[[0-9;?]*[A-Za-z]"#, with: "", options: .regularExpression)
        #expect(!own.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E })
        #expect(d.text.contains("Ann␛[2J␛]0;owned␇"))
    }
}

import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

/// Key presses that must not hurt a tenant (issue 17): what they sign in with cannot be erased,
/// binding choices are asked once more with the safe answer focused, a double press undoes
/// nothing, and the key that dismisses the idle warning does nothing else.
@Suite struct KioskCounterSafetyTests {
    /// Opens an attribute's screen from the overview.
    func open(_ id: String, _ d: inout Drive) {
        d.keys(.home)
        let index = d.overviewIndex(id)
        for _ in 0..<index { d.keys(.down) }
        d.keys(.enter)
    }

    func recorded(_ d: Drive) -> [EventPayload] {
        d.effects.compactMap { if case let .record(request, _) = $0 { request.payload } else { nil } }
    }

    @Test func whatATenantSignsInWithOrTheTenancyNeedsCannotBeErasedHere() {
        var d = Drive()
        d.signIn()
        for id in ["date-of-birth", "full-name", "address"] {
            open(id, &d)
            #expect(d.model.state.screen == .attribute(AttributeID(id)))
            #expect(!d.model.selectable(now: d.now).contains { $0.kind == .button(.erase) }, "\(id) can be erased")
            #expect(d.model.items(now: d.now).items().contains { $0.text.contains("cannot be erased here") }, "\(id): the tenant is not told why")
            d.keys(.escape)
        }
        open("email", &d)
        #expect(d.model.selectable(now: d.now).contains { $0.kind == .button(.erase) })
        #expect(Set(Shipped.content.catalogue.attributes.map(\.id).filter { !Shipped.content.catalogue.tenantMayErase($0) })
                == [AttributeID("date-of-birth"), AttributeID("full-name"), AttributeID("address"), AttributeID("tenancy-end"),
                    AttributeID("joint-tenancy")],
                "what staff keep (the tenancy's end, which starts the retention clock, and the joint tenancy): only staff erase it")
    }

    @Test(arguments: [("email", "erase"), ("sex", "prefer-not")])
    func destructiveChoicesAskOnceMoreWithBackFocused(_ id: String, _ action: String) {
        var d = Drive()
        d.signIn()
        open(id, &d)
        d.press(action)
        guard case .confirm(AttributeID(id), _) = d.model.state.screen else {
            Issue.record("\(action) did not ask once more: \(d.model.state.screen)")
            return
        }
        d.keys(.enter) // the focused answer is the safe one
        #expect(recorded(d).isEmpty)
        #expect(d.model.state.screen == .attribute(AttributeID(id)))
    }

    @Test func objectingAsksOnceMoreAndRecordsOnlyWhenConfirmed() {
        var d = Drive()
        d.signIn()
        open("sex", &d)
        d.press("decide:equality-monitoring:objected")
        #expect(d.model.state.screen == .confirm(AttributeID("sex"), .object(PurposeID("equality-monitoring"))))
        #expect(d.text.contains("Object to Equality monitoring"), "\(d.text)")
        d.press("confirm-yes")
        #expect(recorded(d) == [.decision(PurposeID("equality-monitoring"), [AttributeID("sex")], .objected, notice: nil, validUntil: nil)])
    }

    @Test func theTenantAsksStaffToEraseWhatTheySignInWithAndIsToldTheRequestWasSent() {
        let dob = AttributeID("date-of-birth")
        var d = Drive()
        d.signIn()
        open("date-of-birth", &d)
        d.press("request-erasure")
        #expect(d.model.state.screen == .confirm(dob, .requestErasure), "the request is not asked once more")
        d.keys(.enter) // Back is focused: nothing is sent
        #expect(recorded(d).isEmpty)
        d.press("request-erasure")
        d.press("confirm-yes")
        #expect(recorded(d) == [.request(.erasure, dob)], "no request was recorded: \(recorded(d))")
        let receipt = d.effects.compactMap { if case let .record(_, receipt) = $0 { receipt } else { nil } }.first ?? Message("")
        d.send(.recorded(Sample.state, receipt))
        #expect(d.text.contains("Your request has been sent to our staff"), "\(d.text)")
        #expect(d.model.state.screen == .attribute(dob) && d.model.selectable(now: d.now)[d.model.state.focus].kind == .button(.back))
        d.press("back")
        d.press("sign-out")
        #expect(d.model.state.receiptLines == [.erasureRequested(dob)])
    }

    @Test func aSecondRequestToEraseTheSameValueSaysItIsAlreadyWithStaffAndSendsNothing() {
        let dob = AttributeID("date-of-birth")
        // Asked for in this session: the second ask goes nowhere.
        var d = Drive()
        d.signIn()
        open("date-of-birth", &d)
        d.press("request-erasure")
        d.press("confirm-yes")
        let receipt = d.effects.compactMap { if case let .record(_, receipt) = $0 { receipt } else { nil } }.first ?? Message("")
        d.send(.recorded(Sample.state, receipt))
        d.effects = []
        d.press("request-erasure")
        #expect(d.model.state.screen == .attribute(dob), "a second request is asked for again")
        #expect(d.text.contains("Your request is already with our staff"), "\(d.text)")
        #expect(recorded(d).isEmpty)
        // Asked for in an earlier session, or at another kiosk (the store's open requests at sign-in).
        var e = Drive()
        e.keys(.enter)
        var session = TenantSession(ref: Sample.ref, state: Sample.state, started: e.now)
        session.erasureRequested = [dob]
        e.send(.signedIn(session))
        e.effects = []
        open("date-of-birth", &e)
        e.press("request-erasure")
        #expect(e.model.state.screen == .attribute(dob) && e.text.contains("already with our staff"), "\(e.text)")
        #expect(recorded(e).isEmpty)
    }

    @Test func enterTwiceOnAgreeDoesNotWithdraw() {
        var d = Drive()
        d.signIn()
        open("mobile", &d)
        d.press("decide:service-updates-sms:granted")
        #expect(d.model.state.screen == .notice(AttributeID("mobile"), PurposeID("service-updates-sms")))
        #expect(d.model.selectable(now: d.now)[d.model.state.focus].kind == .button(.back), "the notice opens with Back focused")
        d.press("agree")
        // The runner feeds the result back before the next key.
        d.send(.recorded(Sample.state, Message("kiosk.receipt.decision")))
        d.keys(.enter)
        #expect(recorded(d).count == 1, "the second press recorded something: \(recorded(d))")
    }

    @Test func theKeyThatDismissesTheIdleWarningDoesNothingElse() {
        var d = Drive(timing: KioskTiming(idleWarning: 5, idleTimeout: 30, sessionLimit: 900))
        d.signIn()
        d.keys(.down)
        let before = d.model.state
        d.wait(6)
        #expect(d.text.contains("Signing out in"))
        d.keys(.enter)
        #expect(!d.text.contains("Signing out in"))
        #expect(d.model.state.screen == before.screen && d.model.state.focus == before.focus, "Enter also opened an item")
        d.keys(.enter)
        #expect(d.model.state.screen != before.screen, "the next key works as usual")
    }
}

import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// Buttons carry typed actions; their one string form (what a browser posts back) reads back only
/// what it wrote, and a front-end that presses by action presses only what is on screen.
@Suite struct ActionTokenTests {
    static let hostile = [
        "", ":", "::", "lang", "lang:", "decide", "decide:", "decide:p", "decide:p:", "decide::granted", "decide:p:maybe",
        "decide:p:granted:extra", "use-set", "use-set:yes", "attr", "choice", "back:1", "BACK", " back", "open", "open:-1", "open:x",
        "open:99999999999999999999", "held-item:١", "held-item:", "confirm", "confirm:anyone", "erasure", "erasure:maybe",
        "reason:", "sign-in\u{0}", String(repeating: "a:", count: 10_000),
    ]

    @Test func everyKioskButtonsTokenReadsBack() {
        var d = Drive()
        var seen: Set<KioskAction> = []
        for screen in [0, 1] {
            if screen == 1 { d.signIn() }
            for item in d.model.selectable(now: d.now) { if let action = item.action { seen.insert(action) } }
        }
        let more: [KioskAction] = [.language("pl"), .languages, .help, .signIn, .useCode, .redeemCode, .savePIN, .back, .signOut, .finish,
                                   .disclosures, .endKiosk, .use(PurposeID("p")), .setUse(.withdrawn), .attribute(AttributeID("a")), .toggleShow,
                                   .decide(PurposeID("email-updates"), .objected), .agree, .correct, .save, .choice("x"), .preferNotToSay,
                                   .erase, .requestErasure, .confirmYes]
        for action in seen.union(more) { #expect(KioskAction(token: action.token) == action, "\(action.token)") }
    }

    @Test func staffTokensReadBack() {
        let all: [StaffAction] = [.signIn, .signOut, .home, .find, .search, .open(3), .alertsRead, .check, .unverified, .makeCode, .checkCode,
                                  .calledBack, .decide(PurposeID("p"), .granted), .scriptRead, .reveal(AttributeID("religion")),
                                  .edit(AttributeID("mobile")), .save, .reason("caller-request"), .back, .issueCode, .unlock, .held,
                                  .heldItem(0), .confirm(.supervisor), .confirm(.callBack), .confirm(.evidence), .reject,
                                  .decideErasure(erase: true), .decideErasure(erase: false), .conflicts]
        for action in all { #expect(StaffAction(token: action.token) == action, "\(action.token)") }
    }

    @Test func hostileTokensReadAsNothing() {
        for token in Self.hostile {
            #expect(KioskAction(token: token) == nil, "kiosk read \(token.prefix(40))")
            #expect(StaffAction(token: token) == nil, "staff read \(token.prefix(40))")
        }
    }

    @Test func anActionNotOnScreenIsNotDone() {
        var d = Drive()
        d.keys(.enter) // the sign-in screen: nothing of a session on offer
        for action: KioskAction in [.confirmYes, .agree, .erase, .decide(PurposeID("email-updates"), .granted), .signOut, .finish, .endKiosk] {
            d.send(.press(action))
        }
        #expect(d.effects.isEmpty)
        #expect(d.model.state.screen == .signIn)
        d.send(.press(.useCode))
        #expect(d.model.state.screen == .code, "an action on screen is done")

        var s = StaffDrive()
        s.send(.press(.issueCode))
        s.send(.press(.decideErasure(erase: true)))
        #expect(s.effects.isEmpty && s.model.state.screen == .signIn)
    }
}

import ConsentCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import KioskUI
@testable import KioskWeb
import NIOCore
import Testing

/// Whole tenant sessions through the web kiosk's real HTTP server on loopback, as a browser without
/// script drives it: sign in with a PIN, see, agree, withdraw, correct, sign out, and the next
/// request shows nothing of the tenant.
@Suite struct WebKioskSessionTests {
    @Test func signInAgreeWithdrawCorrectSignOutAndTheNextPageHoldsNothing() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            #expect(browser.page.contains("ann@example.org") && browser.page.contains("1 High Street, Leeds"), "the values held")

            // Agree to a use, then withdraw: each is one ledger event, the tenant's, at the kiosk.
            try await browser.press(client, "use:service-updates-email")
            try await browser.press(client, "use-set:granted")
            guard case .decision(let purpose, _, .granted, let notice?, _)? = try fixture.lastPayload() else {
                Issue.record("no grant recorded: \(String(describing: try fixture.lastPayload()))")
                return
            }
            #expect(purpose == PurposeID("service-updates-email") && notice.language == "en")
            try await browser.press(client, "use-set:withdrawn")
            guard case .decision(_, _, .withdrawn, _, _)? = try fixture.lastPayload() else {
                Issue.record("no withdrawal recorded: \(String(describing: try fixture.lastPayload()))")
                return
            }
            try await browser.press(client, "back")

            // Correct the email address: the box starts with the value held; the overview shows the new one.
            try await browser.press(client, "attr:email")
            try await browser.press(client, "correct")
            #expect(browser.page.contains("value=\"ann@example.org\""), "the box holds the value to correct")
            try await browser.press(client, "save", ["value": "ann.smith@example.org"])
            #expect(try fixture.lastPayload() == .correction(AttributeID("email"), .value("ann.smith@example.org"), pending: false))
            try await browser.press(client, "back")
            #expect(browser.page.contains("ann.smith@example.org"))

            // Sign out: the receipt, then Done; the receipt is printed, and the next page is the welcome screen.
            try await browser.press(client, "sign-out")
            #expect(browser.page.contains("Your receipt"))
            try await browser.press(client, "finish")
            #expect(browser.page.contains("value=\"lang:ur\""), "the welcome screen")
            #expect(tracesOfTenant(browser.page).isEmpty, "\(tracesOfTenant(browser.page))")
            #expect(!browser.page.contains("ann.smith@example.org"))
            // The browser's Back button asks for "/" again (no-store): the same empty welcome screen.
            try await browser.get(client)
            #expect(tracesOfTenant(browser.page).isEmpty && !browser.page.contains("ann.smith"))
            let printed = try String(contentsOf: fixture.receipts, encoding: .utf8)
            #expect(!printed.isEmpty, "the receipt was printed")
        }
    }

    @Test func theIdleTimeoutWipesTheSessionTheTextSizeAndTheContrast() async throws {
        let fixture = try WebFixture(timing: KioskTiming(idleWarning: 60, idleTimeout: 90))
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            try await browser.post(client, [("size", "extra-large")])
            try await browser.post(client, [("contrast", "on")])
            #expect(browser.page.contains("class=\"size-extra-large contrast\""))
            #expect(browser.page.contains("data-refresh=\"60\""), "the page asks to be fetched again when the warning is due")
            let stale = (browser.cookie, browser.token)
            // The warning shows, and the page asks to be shown again when the sign-out is due.
            fixture.clock.advance(by: 61)
            try await browser.get(client)
            #expect(browser.page.contains("Signing out in"), "the countdown")
            #expect(browser.page.contains("data-refresh=\"5\""), "while the countdown shows, it is brought up to date")
            fixture.clock.advance(by: 30)
            try await browser.get(client)
            #expect(tracesOfTenant(browser.page).isEmpty, "\(tracesOfTenant(browser.page))")
            #expect(browser.page.contains("class=\"size-normal\""), "text size and contrast back to normal")
            #expect(browser.cookie != stale.0, "a new session")
            let replay = Browser()
            replay.cookie = stale.0
            #expect(try await replay.post(client, [("action", "attr:email")], token: stale.1).status == .forbidden)
        }
    }

    @Test func typingReportedByThePageKeepsTheSessionAliveOnlyWithTheToken() async throws {
        let fixture = try WebFixture(timing: KioskTiming(idleWarning: 60, idleTimeout: 90))
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            let cookie = try #require(browser.cookie), token = try #require(browser.token)
            func alive(_ token: String?) async throws -> TestResponse {
                let headers: HTTPFields = [.cookie: "\(KioskWebServer.cookieName)=\(cookie)", .contentType: "application/x-www-form-urlencoded"]
                let response = try await client.execute(uri: "/alive", method: .post, headers: headers, body: ByteBuffer(string: token.map { "csrf=\($0)" } ?? ""))
                #expect(response.headers[.cacheControl] == "no-store")
                return response
            }
            #expect(try await alive(nil).status == .forbidden)
            fixture.clock.advance(by: 80)
            let reply = try await alive(token)
            #expect(reply.status == .ok && String(buffer: reply.body) == "60", "the warning is due 60 s after the typing")
            fixture.clock.advance(by: 80) // 160 s since the last form, 80 s since the typing
            try await browser.get(client)
            #expect(browser.page.contains("Ann Smith"), "still signed in")
            fixture.clock.advance(by: 10) // 90 s since the typing
            try await browser.get(client)
            #expect(tracesOfTenant(browser.page).isEmpty, "signed out 90 s after the last sign of the tenant")
        }
    }

    @Test func urduIsRightToLeftAndEveryScreenHasTheSwitches() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.get(client)
            try await browser.press(client, "lang:ur")
            #expect(browser.page.contains("<html lang=\"ur\" dir=\"rtl\""))
            for page in [browser.page] {
                #expect(page.contains("name=\"language\" value=\"en\"") && page.contains("name=\"size\" value=\"large\"")
                        && page.contains("name=\"contrast\""))
                #expect(page.contains("<label for=\"f-ref\">"), "each box has its label")
            }
            // The language switch where the tenant is: the sign-in screen stays, in English, what was typed kept.
            try await browser.post(client, [("language", "en"), ("f.ref", "T0000001")])
            #expect(browser.page.contains("<html lang=\"en\" dir=\"ltr\"") && browser.page.contains("id=\"f-ref\""))
            #expect(browser.page.contains("value=\"T0000001\""))
        }
    }

    @Test func typedTextIsEscapedAndAPINIsNeverSentBack() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.get(client)
            try await browser.press(client, "lang:en")
            // Not a reference: explained under its box, the box keeps what was typed, escaped.
            try await browser.press(client, "sign-in", ["ref": "<script>x</script>\"", "dob": "01/05/1970", "pin": "482916"])
            #expect(!browser.page.contains("<script>"))
            #expect(browser.page.contains("value=\"&lt;script&gt;x&lt;/script&gt;&quot;\""))
            #expect(!browser.page.contains("482916"), "the PIN is not sent back")
            #expect(browser.page.contains("aria-describedby=\"f-ref-note\""))
        }
    }
}

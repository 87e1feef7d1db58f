import ConsentCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import KioskUI
@testable import KioskWeb
import Testing

/// The web kiosk against what should not work: forms without the session's token or cookie, forms
/// replayed after sign-out, a second browser while a tenant is signed in, an address off loopback.
@Suite struct WebKioskHostileTests {
    @Test func aFormWithoutTheTokenOrWithAnotherIsRefusedAndChangesNothing() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.get(client)
            let held = try #require(browser.cookie)
            #expect(browser.token != nil)
            let noToken = try await browser.post(client, [("action", "lang:pl")], token: .some(nil))
            #expect(noToken.status == .forbidden)
            let wrongToken = try await browser.post(client, [("action", "lang:pl")], token: String(repeating: "0", count: 64))
            #expect(wrongToken.status == .forbidden)
            #expect(browser.cookie == held, "a forged form does not end the session holding the kiosk")
            // The right token from a browser without the session's cookie (another site's form, say).
            try await browser.get(client)
            let token = try #require(browser.token)
            let stranger = Browser()
            #expect(try await stranger.post(client, [("action", "lang:pl")], token: token).status == .forbidden)
            // Nothing happened: the welcome screen, in English, for the browser holding the kiosk.
            try await browser.get(client)
            #expect(browser.page.contains("lang=\"en\"") && browser.page.contains("value=\"lang:pl\""), "still the welcome screen")
            #expect(browser.cookie == held, "the same session throughout")
        }
    }

    @Test func aFormReplayedAfterSignOutIsRefusedAndShowsNothing() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser()
            try await browser.signIn(client)
            let (oldCookie, oldToken) = (browser.cookie, browser.token)
            try await browser.press(client, "sign-out")
            #expect(browser.cookie != oldCookie, "the signed-in session's cookie is gone")
            let before = try fixture.db.tenantRecord(WebFixture.ref).history.count
            // The old session's form, replayed with its cookie and token: opening an item, then a decision.
            let replay = Browser()
            replay.cookie = oldCookie
            for action in ["attr:email", "use:service-updates-email", "sign-out"] {
                let response = try await replay.post(client, [("action", action)], token: oldToken)
                #expect(response.status == .forbidden, "\(action)")
                #expect(tracesOfTenant(replay.page).isEmpty, "\(tracesOfTenant(replay.page))")
            }
            #expect(try fixture.db.tenantRecord(WebFixture.ref).history.count == before, "nothing recorded")
        }
    }

    @Test func aSecondBrowserIsTurnedAwayWhileATenantIsSignedInAndSeesNothing() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let first = Browser(), second = Browser()
            try await first.signIn(client)
            let refused = try await second.get(client)
            #expect(refused.status == .conflict)
            #expect(second.cookie == nil, "no session for the second browser")
            #expect(tracesOfTenant(second.page).isEmpty)
            #expect(!second.page.contains("name=\"csrf\""), "no form to post")
            #expect(try await second.post(client, [("action", "sign-out")], token: first.token).status == .forbidden)
            // The first browser is still signed in, untouched.
            try await first.get(client)
            #expect(first.page.contains("Ann Smith"))
            // Once the tenant has signed out and left the receipt, the kiosk is free again.
            try await first.press(client, "sign-out")
            try await first.press(client, "finish")
            #expect(try await second.get(client).status == .ok)
            #expect(second.cookie != nil && tracesOfTenant(second.page).isEmpty)
        }
    }

    @Test func aNonLoopbackAddressIsRefusedUnlessAllowed() throws {
        for address in ["0.0.0.0:8080", "192.168.1.20:8080", "[::]:8080", "kiosk.example.org:80", "128.0.0.1:80"] {
            #expect(throws: ListenAddress.Refusal.self, "\(address)") { try ListenAddress(address) }
        }
        let refusal = try #require(throws: ListenAddress.Refusal.self) { try ListenAddress("0.0.0.0:8080") }
        #expect(refusal.description.contains("loopback only") && refusal.description.contains("--allow-non-loopback"))
        #expect(try ListenAddress("127.0.0.1:8080") == ListenAddress("127.0.0.1:8080", allowNonLoopback: false))
        #expect(try ListenAddress("[::1]:9000").host == "::1")
        #expect(try ListenAddress("localhost:1").port == 1)
        #expect(try ListenAddress("0.0.0.0:8080", allowNonLoopback: true).host == "0.0.0.0")
        for bad in ["127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ":8080", "::1:8080"] {
            #expect(throws: ListenAddress.Refusal.self, "\(bad)") { try ListenAddress(bad) }
        }
    }

    @Test func everyResponseIsNoStoreRefusalsAndErrorsIncluded() async throws {
        let fixture = try WebFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let browser = Browser(), other = Browser()
            try await browser.signIn(client)
            try await other.get(client) // 409
            try await browser.get(client, "/kiosk.css")
            try await browser.get(client, "/no-such-page") // 404
            try await browser.get(client)
            try await browser.post(client, [("action", "no-such-action")]) // 400
            try await browser.post(client, [("action", "help")], token: .some(nil)) // 403
            try await browser.get(client)
            try await browser.press(client, "sign-out")
            let all = browser.responses + other.responses
            let statuses = Set(all.map(\.status.code))
            #expect(statuses.isSuperset(of: [200, 303, 400, 403, 404, 409]), "\(statuses.sorted())")
            for response in all {
                #expect(response.headers[.cacheControl] == "no-store", "\(response.status)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            }
        }
    }
}

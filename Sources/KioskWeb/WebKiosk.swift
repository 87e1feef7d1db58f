import ConsentCore
import ConsentForms
import ConsentStore
import Crypto
import Foundation
import KioskUI

/// What the web kiosk answers to one request, before it becomes HTTP: a page, or a redirect to the
/// one kiosk address, and what happens to the session cookie.
public struct WebReply: Sendable, Equatable {
    /// The body: a whole HTML page, or a 303 to `/` (after every post, so no post is in the history).
    public enum Body: Sendable, Equatable {
        case page(String)
        case redirect
    }

    /// What the response does to the browser's session cookie.
    public enum CookieChange: Sendable, Equatable {
        case keep
        /// Sets this new session id.
        case set(String)
        /// Removes it (the session ended: sign-out, idle, Done).
        case clear
    }

    /// HTTP status: 200, 303, 400 (a form no kiosk page sends), 403 (no or stale session or token),
    /// 409 (another browser holds the kiosk).
    public var status: Int
    public var body: Body
    public var cookie: CookieChange = .keep
}

/// The kiosk in a browser: the one ``KioskModel`` the terminal kiosk runs, its effects through the same
/// ``KioskEffects``, drawn as HTML by ``KioskPage``. One browser session at a time: a session is a
/// random id in a cookie and a random token in every form; a post without both is refused and does
/// nothing. Whatever wipes the terminal's screen (sign-out, idle sign-out, Done) ends the session here:
/// its cookie and token die, the text size and contrast go back to normal, and the browser is sent
/// to `/` with the cookie cleared, so neither Back nor a replayed form reaches what was shown.
public actor WebKiosk {
    /// Runs the kiosk on its own queue, off the cooperative pool (see ``KioskQueueExecutor``).
    private let executor = KioskQueueExecutor(label: "tenantconsent.web-kiosk")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private var model: KioskModel
    private let performer: KioskEffects
    private let clock: @Sendable () -> Date
    private let page: KioskPage
    private var session: (id: String, token: String)?
    private var display = DisplaySettings()
    /// Reads the page aloud; nil when read-aloud is off (no espeak-ng).
    private let speaker: Speaker?
    /// Set when staff ended the kiosk (an effect said so): the server should stop.
    public private(set) var ended = false
    /// Yields once when ``ended`` is set (see ``untilEnded()``).
    private let endings = AsyncStream.makeStream(of: Void.self)

    /// The kiosk over `database`, printing receipts with `printer`, fetching tenants it does not hold from
    /// `centre` when enrolled (``KioskEffects``); `clock` is what the model's times follow (tests move it by hand).
    /// `speaker` reads pages aloud (the "Read this page aloud" button); without one the button is not shown.
    public init(content: Content, timing: KioskTiming, database: ConsentDatabase, printer: ReceiptPrinter,
                speaker: Speaker? = nil, centre: (any TenantFetching)? = nil, clock: @escaping @Sendable () -> Date = Date.init) throws {
        model = KioskModel(content: content, timing: timing, now: clock())
        self.speaker = speaker
        performer = KioskEffects(database: database, printer: printer, centre: centre, clock: clock)
        self.clock = clock
        page = try KioskPage(content: content)
    }

    /// `GET /`: the screen on show, for the browser holding the session. A browser without it takes the
    /// kiosk when nobody holds it or it is at rest (the welcome screen, nothing typed); otherwise it is
    /// told the kiosk is in use, and shown nothing else.
    public func show(cookie: String?) -> WebReply {
        tick()
        if ended { return closed }
        if let session, let cookie, Self.same(cookie, session.id) {
            return WebReply(status: 200, body: .page(render(token: session.token)))
        }
        guard session == nil || model.isAtRest else {
            return WebReply(status: 409, body: .page(page.notice(.inUse, language: "en")))
        }
        let fresh = (id: Self.random(), token: Self.random())
        session = fresh
        return WebReply(status: 200, body: .page(render(token: fresh.token)), cookie: .set(fresh.id))
    }

    /// `POST /`: a form of the screen on show. Refused (403, nothing done) without the session's cookie
    /// and token; otherwise the button pressed (`action`), or a setting (`language`, `size`,
    /// `contrast`, `headphones`), or read-aloud (`speech`: `start`, `stop`), with the boxes' texts
    /// (`f.NAME`), then a redirect to `/`. Any of them stops what is being read aloud first; while read-aloud is on
    /// (from "Read this page aloud" until "Stop reading" or the session's end) the page it leads to is then read, and so
    /// is the receipt that ends the session.
    public func post(cookie: String?, form: [String: String]) -> WebReply {
        tick()
        if ended { return closed }
        guard let session, let cookie, Self.same(cookie, session.id), let token = form["csrf"], Self.same(token, session.token) else {
            // A stale cookie is removed; the session's own stays (a forged form must not end the tenant's session).
            let holder = if let cookie, let held = self.session { Self.same(cookie, held.id) } else { false }
            return WebReply(status: 403, body: .page(page.notice(.expired, language: model.state.language)),
                            cookie: cookie == nil || holder ? .keep : .clear)
        }
        let now = clock()
        speaker?.stop()
        var fields: [String: String] = [:]
        for (key, value) in form where key.hasPrefix("f.") { fields[String(key.dropFirst(2))] = value }
        if let token = form["action"] {
            guard let action = KioskAction(token: token) else { return WebReply(status: 400, body: .page(page.notice(.badForm, language: "en"))) }
            perform(model.submit(action, fields: fields, now: now))
        } else if let code = form["language"] {
            model.fill(fields, now: now)
            guard model.chooseLanguage(code, now: now) else { return WebReply(status: 400, body: .page(page.notice(.badForm, language: "en"))) }
        } else if let size = form["size"].flatMap(DisplaySettings.TextSize.init(rawValue:)) {
            model.fill(fields, now: now)
            _ = model.handle(.input(.other), now: now)
            display.size = size
        } else if let contrast = form["contrast"], ["on", "off"].contains(contrast) {
            model.fill(fields, now: now)
            _ = model.handle(.input(.other), now: now)
            display.highContrast = contrast == "on"
        } else if let headphones = form["headphones"], ["on", "off"].contains(headphones) {
            model.fill(fields, now: now)
            _ = model.handle(.input(.other), now: now)
            display.headphones = headphones == "on"
        } else if let speech = form["speech"], ["start", "stop"].contains(speech) {
            model.fill(fields, now: now)
            _ = model.handle(.input(.other), now: now)
            display.readAloud = speech == "start"
        } else {
            return WebReply(status: 400, body: .page(page.notice(.badForm, language: "en")))
        }
        // A new page is read on its own while read-aloud is on (a wipe turned it off for the next tenant).
        if display.readAloud, let speaker {
            speaker.say(model.speech(now: now, headphones: display.headphones), language: model.state.language)
        }
        // Staff ended the kiosk: the page says so (no redirect: the server is stopping).
        if ended { return closed }
        return WebReply(status: 303, body: .redirect, cookie: self.session == nil ? .clear : .keep)
    }

    /// `POST /staff-key` (the page's script, on F12): the staff key, as F12 at the terminal; pressed twice in a row
    /// it opens the staff exit (a staff id and password end the kiosk), a screen no button leads to. True when the
    /// screen changed (the page should be fetched again); nil, and nothing done, without the session's cookie and token.
    public func staffKey(cookie: String?, token: String?) -> Bool? {
        tick()
        guard !ended, let session, let cookie, Self.same(cookie, session.id), let token, Self.same(token, session.token) else { return nil }
        speaker?.stop()
        let before = model.state.screen
        perform(model.handle(.input(.staffKey), now: clock()))
        return model.state.screen != before
    }

    /// Returns when staff have ended the kiosk (true), or when the calling task is cancelled first (false).
    public nonisolated func untilEnded() async -> Bool {
        for await _ in endings.stream { return true }
        return false
    }

    /// What every request gets once staff have ended the kiosk: a page saying so, the session cookie removed.
    private var closed: WebReply {
        WebReply(status: 200, body: .page(page.notice(.ended, language: model.state.language)), cookie: .clear)
    }

    /// `POST /alive` (the page's script, while the tenant types in a box): activity, as a key at the terminal
    /// is, for the session holding the kiosk; the seconds until time alone next changes the screen (0: none).
    /// Nil, and nothing done, without the session's cookie and token.
    public func alive(cookie: String?, token: String?) -> Int? {
        tick()
        guard let session, let cookie, Self.same(cookie, session.id), let token, Self.same(token, session.token) else { return nil }
        _ = model.handle(.input(.other), now: clock())
        return model.secondsToNextChange(now: clock()) ?? 0
    }

    /// `POST /quiet` (the page's script, on any key or touch while the page is read aloud): stops reading,
    /// and counts as activity. False, and nothing done, without the session's cookie and token.
    public func quiet(cookie: String?, token: String?) -> Bool {
        guard let session, let cookie, Self.same(cookie, session.id), let token, Self.same(token, session.token) else { return false }
        speaker?.stop()
        _ = model.handle(.input(.other), now: clock())
        return true
    }

    /// Time passing: the idle warning, the idle sign-out (receipt printed, session ended), the session
    /// limit; called before every request and once a second by the server.
    public func tick() {
        perform(model.handle(.tick, now: clock()))
    }

    /// The server is stopping: a session ends as an idle sign-out would (receipt printed, state wiped).
    public func stop() {
        perform(model.stop(now: clock()))
    }

    /// Seconds until time alone changes the screen (a page's refresh), nil when nothing will.
    public func secondsToNextChange() -> Int? { model.secondsToNextChange(now: clock()) }

    private func render(token: String) -> String {
        page.render(model.view(now: clock()), language: model.state.language, display: display, token: token,
                    refresh: model.secondsToNextChange(now: clock()), speaking: speaker.map(\.isSpeaking))
    }

    /// Runs effects as the terminal loop does, feeding results back; a wipe ends the browser session.
    private func perform(_ effects: [KioskEffect]) {
        for effect in effects {
            switch performer.perform(effect, for: model) {
            case .done: break
            case .report(let event): perform(model.handle(event, now: clock()))
            case .wipe:
                speaker?.stop()
                let reading = display.readAloud
                session = nil
                display = DisplaySettings()
                // The receipt a sign-out shows is read on its own while read-aloud was on (its lines name uses and
                // decisions, never values); read-aloud is then off for the next tenant. An idle sign-out shows none.
                if reading, case .receipt = model.state.screen, let speaker {
                    speaker.say(model.speech(now: clock(), headphones: false), language: model.state.language)
                }
            case .end:
                ended = true
                endings.continuation.yield()
            }
        }
    }

    /// 32 random bytes as 64 hex digits.
    private static func random() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { $0.lowercaseHex }
    }

    /// Compares in time that does not depend on where the first difference is.
    private static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// How the browser shows the screens for this session: reset to normal for the next tenant.
public struct DisplaySettings: Sendable, Equatable {
    /// The text-size switch's three sizes.
    public enum TextSize: String, Sendable, CaseIterable {
        case normal, large
        case extraLarge = "extra-large"
    }

    public var size = TextSize.normal
    public var highContrast = false
    /// Headphones mode: read-aloud says names, addresses and other values too (never a PIN or a special category).
    public var headphones = false
    /// Read-aloud is on: "Read this page aloud" turned it on, and every page after an input is read on its own
    /// until "Stop reading".
    public var readAloud = false

    public init() {}
}

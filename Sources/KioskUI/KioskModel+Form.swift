import Foundation

/// What a front-end that posts whole forms (a browser) needs of the kiosk: the boxes' texts and the
/// button pressed in one go, a language chosen in place, and whether the kiosk is free for a new
/// browser session. The rules stay the model's: only the boxes and buttons on show are taken, and a
/// typed text goes through the same filter as keys typed at the terminal.
extension KioskModel {
    /// A form posted from the screen on show: each box of that screen takes its text from `fields`
    /// (by field name; boxes not on the screen, and names not in `fields`, are left alone), then
    /// `action` is pressed as a ``KioskEvent/press(_:)``. Texts pass the terminal's typing rules
    /// (forbidden characters dropped, digits only where only digits go, the box's length limit).
    /// A press after the idle warning showed is a press: the tenant chose that button.
    public mutating func submit(_ action: KioskAction, fields: [String: String], now: Date) -> [KioskEffect] {
        if idleCountdown(now: now) != nil { _ = handle(.input(.other), now: now) }
        fill(fields, now: now)
        return handle(.press(action), now: now)
    }

    /// Each box of the screen on show takes its text from `fields`, as in ``submit(_:fields:now:)``,
    /// and nothing is pressed (a browser's setting changed: what was typed stays typed).
    public mutating func fill(_ fields: [String: String], now: Date) {
        let selectable = self.selectable(now: now)
        let navigator = Navigator(selectable: selectable, rightToLeft: isRTL)
        var focus = state.focus
        for item in selectable {
            guard case .field(let name) = item.kind, let typed = fields[name] else { continue }
            var field = state.fields[name] ?? Self.field(name)
            field.text = ""
            _ = navigator.edit(&field, .paste(typed), focus: &focus)
            state.fields[name] = field
        }
    }

    /// Switches the screens to the language with `code` where they are (nothing else changes); false,
    /// and nothing done, for a code that is not one of the kiosk's languages.
    @discardableResult
    public mutating func chooseLanguage(_ code: String, now: Date) -> Bool {
        guard content.localizer.languages.contains(where: { $0.code == code }) else { return false }
        state.lastInput = now
        state.language = code
        return true
    }

    /// Nobody is using the kiosk: the welcome screen, nobody signed in or choosing a PIN, nothing typed.
    public var isAtRest: Bool {
        state.screen == .welcome && state.session == nil && state.pendingPIN == nil && state.fields.isEmpty
    }

    /// Seconds until the next moment time alone changes the screen (the idle warning, the idle
    /// sign-out, the session's countdown or limit, a sign-in wait running out), at most 5 while a
    /// countdown shows; nil when at rest.
    public func secondsToNextChange(now: Date) -> Int? {
        guard !isAtRest || state.waitUntil != nil else { return nil }
        let idle = now.timeIntervalSince(state.lastInput)
        var moments = [timing.idleWarning - idle, timing.idleTimeout - idle]
        if let session = state.session {
            let age = now.timeIntervalSince(session.started)
            moments += [timing.sessionLimit - timing.sessionWarning - age, timing.sessionLimit - age]
        }
        if let until = state.waitUntil { moments.append(until.timeIntervalSince(now)) }
        guard let next = moments.filter({ $0 > 0 }).min() else { return 1 }
        // While a countdown shows, it is brought up to date every 5 seconds.
        let counting = idleCountdown(now: now) != nil || sessionCountdown(now: now) != nil || signInWait(now: now) != nil
        return max(1, min(Int(next.rounded(.up)), counting ? 5 : .max))
    }
}

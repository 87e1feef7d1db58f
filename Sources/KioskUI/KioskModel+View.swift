import ConsentForms
import Foundation

extension KioskModel {
    /// The screen to draw, in the tenant's language: what any front-end renders (the terminal's
    /// ``KioskRenderer`` draws it into a frame).
    public func view(now: Date) -> ScreenView<KioskAction> {
        let builder = items(now: now)
        let l = content.localizer, language = state.language
        var status = ""
        if let message = state.message {
            status = message.count.map { l.plural(message.key, count: $0, language, message.arguments) } ?? l.text(message.key, language, message.arguments)
        }
        if let seconds = signInWait(now: now) {
            status = l.plural(state.waitAtKiosk ? "kiosk.sign-in.kiosk-wait" : "kiosk.sign-in.wait", count: seconds, language)
        }
        let notes = state.notes.mapValues { l.text($0.key, language, $0.arguments) }
        return ScreenView(
            title: builder.title(), corner: l.language(language).name, items: builder.items(), focus: state.focus,
            fields: state.fields, notes: notes, rightToLeft: isRTL, status: status,
            countdown: countdown(now: now), hints: l.text("kiosk.hints", language))
    }

    /// The countdown above the footer: the idle sign-out or the session's time left (m:ss), whichever
    /// ends first.
    func countdown(now: Date) -> String? {
        let l = content.localizer, language = state.language
        let idle = idleCountdown(now: now), session = sessionCountdown(now: now)
        if let idle, idle <= session ?? .max { return l.plural("kiosk.idle", count: idle, language) }
        guard let session else { return nil }
        return l.text("kiosk.session.left", language, ["time": String(format: "%d:%02d", session / 60, session % 60)])
    }
}

import ConsentForms
import Foundation
import KioskUI
import Mustache

/// Draws a kiosk screen (the ``ScreenView`` the terminal renderer draws too) as one HTML page, through
/// the Mustache templates in ``KioskTemplates``, which escape every text by default. The page is one
/// form posted to `/`: each button sends its action's token, each box its text (`f.NAME`), and a
/// hidden field the session's token. Around the screen: the message, the countdown, the footer
/// buttons, and on every screen the language, text-size and contrast switches.
struct KioskPage {
    private let content: Content
    private let library: MustacheLibrary

    /// What a page that is not a screen says.
    enum Notice {
        /// Another browser holds the kiosk.
        case inUse
        /// A form of an ended session, or without the session's token.
        case expired
        /// A form no kiosk page sends.
        case badForm
        /// Staff ended the kiosk (the server is stopping).
        case ended

        var key: String {
            switch self {
            case .inUse: "kiosk.web.in-use"
            case .expired: "kiosk.web.expired"
            case .badForm: "kiosk.web.bad-form"
            case .ended: "kiosk.web.ended"
            }
        }
    }

    init(content: Content) throws {
        self.content = content
        var library = MustacheLibrary()
        try library.register(KioskTemplates.line, named: "line")
        try library.register(KioskTemplates.screen, named: "screen")
        try library.register(KioskTemplates.notice, named: "notice")
        self.library = library
    }

    /// The page of `view`; `speaking` is nil without read-aloud, else whether the page is being read.
    func render(_ view: ScreenView<KioskAction>, language: String, display: DisplaySettings, token: String, refresh: Int?,
                speaking: Bool? = nil) -> String {
        let l = content.localizer
        func t(_ key: String) -> String { l.text(key, language) }
        var selectable = 0
        var main: [ItemContext] = [], footer: [ItemContext] = []
        for item in view.items {
            let focused = item.isSelectable && selectable == view.focus
            if item.isSelectable { selectable += 1 }
            var context = ItemContext(item, fields: view.fields, notes: view.notes, autofocus: focused)
            if case .button(.language(let code)) = item.kind, l.has(code) {
                // A language's own name, in its own language and direction.
                (context.buttonLang, context.buttonDir, context.hasLang) = (code, l.language(code).direction.rawValue, true)
            }
            if item.inFooter { footer.append(context) } else { main.append(context) }
        }
        let context = PageContext(
            lang: language, dir: view.rightToLeft ? "rtl" : "ltr", title: view.title, corner: view.corner,
            size: display.size.rawValue, highContrast: display.highContrast, csrf: token,
            items: main, footer: footer, hasFooter: !footer.isEmpty, footerLabel: t("kiosk.web.footer"),
            status: view.status, hasStatus: !view.status.isEmpty,
            countdown: view.countdown ?? "", hasCountdown: view.countdown != nil,
            refresh: refresh ?? 0, hasRefresh: refresh != nil,
            settingsLabel: t("kiosk.web.settings"), languageLabel: t("kiosk.language"),
            languages: l.languages.map {
                LanguageContext(code: $0.code, name: $0.name, dir: $0.direction.rawValue, current: $0.code == language)
            },
            sizeLabel: t("kiosk.web.text-size"),
            sizes: DisplaySettings.TextSize.allCases.map {
                SizeContext(value: $0.rawValue, label: t("kiosk.web.size.\($0.rawValue)"), current: $0 == display.size)
            },
            contrastLabel: t("kiosk.web.contrast"), contrastNext: display.highContrast ? "off" : "on",
            canSpeak: speaking != nil, speaking: speaking ?? false,
            speechLabel: t(speaking == true ? "kiosk.web.read-stop" : "kiosk.web.read"), speechNext: speaking == true ? "stop" : "start",
            headphones: display.headphones, headphonesLabel: t("kiosk.web.headphones"), headphonesNext: display.headphones ? "off" : "on")
        return library.render(context, withTemplate: "screen") ?? ""
    }

    func notice(_ notice: Notice, language: String) -> String {
        let catalog = content.localizer.language(language)
        let context = NoticeContext(lang: catalog.code, dir: catalog.direction.rawValue, title: "TenantConsent",
                                    text: content.localizer.text(notice.key, catalog.code),
                                    again: content.localizer.text("kiosk.web.start", catalog.code))
        return library.render(context, withTemplate: "notice") ?? ""
    }
}

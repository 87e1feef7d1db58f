@testable import KioskWeb
import KioskUI
import Mustache
import Testing

/// The page's contexts answer the templates by name (`MustacheParent`) instead of through reflection. A
/// property missing from a context's list would render as an empty text or a section left out, with no
/// error: every stored property must be answered, with its own value.
@Suite struct PageContextTests {
    /// Each stored property of `context` (as reflection sees it) and what the context answers for its name.
    func unanswered(_ context: some MustacheParent) -> [String] {
        Mirror(reflecting: context).children.compactMap { child in
            guard let name = child.label else { return nil }
            let answered = context.child(named: name).map { String(describing: $0) }
            return answered == String(describing: child.value) ? nil : name
        }
    }

    @Test func everyPropertyOfEveryContextIsAnsweredByItsName() {
        let field = ItemContext(KioskItem(.field("pin"), "PIN"), fields: ["pin": Field(masked: true, digitsOnly: true, limit: 6)],
                                notes: ["pin": "Six digits"], autofocus: true)
        let held = ItemContext(KioskItem(.button(.help), "Address", value: "1 High Street", note: "no longer asked"),
                               fields: [:], notes: [:], autofocus: false)
        let language = LanguageContext(code: "ur", name: "اردو", dir: "rtl", current: true)
        let size = SizeContext(value: "large", label: "Large", current: false)
        let page = PageContext(
            lang: "en", dir: "ltr", title: "Title", corner: "Corner", size: "normal", highContrast: true, csrf: "token",
            items: [field, held], footer: [held], hasFooter: true, footerLabel: "Footer", status: "Status", hasStatus: true,
            countdown: "10", hasCountdown: true, refresh: 30, hasRefresh: true, settingsLabel: "Settings", languageLabel: "Language",
            languages: [language], sizeLabel: "Size", sizes: [size], contrastLabel: "Contrast", contrastNext: "off",
            canSpeak: true, speaking: false, speechLabel: "Read", speechNext: "start", headphones: true, headphonesLabel: "Headphones",
            headphonesNext: "off")
        let notice = NoticeContext(lang: "pl", dir: "ltr", title: "TenantConsent", text: "Text", again: "Again")
        #expect(unanswered(field).isEmpty, "item names not answered: \(unanswered(field))")
        #expect(unanswered(held).isEmpty, "item names not answered: \(unanswered(held))")
        #expect(unanswered(language).isEmpty, "language names not answered: \(unanswered(language))")
        #expect(unanswered(size).isEmpty, "size names not answered: \(unanswered(size))")
        #expect(unanswered(page).isEmpty, "page names not answered: \(unanswered(page))")
        #expect(unanswered(notice).isEmpty, "notice names not answered: \(unanswered(notice))")
        // A name a context does not hold is left to the contexts around it, as Mustache does.
        #expect(language.child(named: "label") == nil)
    }
}

@testable import KioskWeb
import KioskUI
import Mustache
import Testing

/// The page's contexts answer the templates by name (`MustacheParent`) instead of through reflection. A
/// property missing from a context's list would render as an empty text or a section left out, with no
/// error, and two names crossed would show one thing for another: every stored property must be answered,
/// with its own value. Texts are all different, and the flags are set in patterns (`flagPatterns`) under which
/// no two flags are equal in every fixture, so a name answered with another property's value fails.
@Suite struct PageContextTests {
    /// The names whose answer is not the property of that name (as reflection sees it).
    func unanswered(_ context: some MustacheParent) -> [String] {
        Mirror(reflecting: context).children.compactMap { child in
            guard let name = child.label else { return nil }
            let answered = context.child(named: name).map { String(describing: $0) }
            return answered == String(describing: child.value) ? nil : name
        }
    }

    /// Four fixtures: flag `i` is set in fixture `f` when bit `f` of `i + 1` is, so any two of up to 15 flags
    /// differ in at least one fixture.
    static let flagPatterns = 0..<4
    static func flag(_ index: Int, _ fixture: Int) -> Bool { (index + 1) >> fixture & 1 == 1 }

    func item(_ fixture: Int) -> ItemContext {
        var c = ItemContext(KioskItem(.field("pin"), "Label"), fields: [:], notes: [:], autofocus: false)
        (c.held, c.separator, c.heldNote, c.token, c.id, c.name) = ("held", "separator", "heldNote", "token", "id", "name")
        (c.inputType, c.inputMode, c.value, c.note, c.buttonLang, c.buttonDir) = ("inputType", "inputMode", "value", "note", "buttonLang", "buttonDir")
        c.maxLength = 17
        let f = { Self.flag($0, fixture) }
        (c.isText, c.isHeading, c.isButton, c.isField, c.hasHeld) = (f(0), f(1), f(2), f(3), f(4))
        (c.hasHeldNote, c.masked, c.hasNote, c.autofocus, c.hasLang) = (f(5), f(6), f(7), f(8), f(9))
        return c
    }

    func page(_ fixture: Int) -> PageContext {
        let f = { Self.flag($0, fixture) }
        return PageContext(
            lang: "lang", dir: "dir", title: "title", corner: "corner", size: "size", highContrast: f(0), csrf: "csrf",
            items: [item(fixture)], footer: [], hasFooter: f(1), footerLabel: "footerLabel", status: "status", hasStatus: f(2),
            countdown: "countdown", hasCountdown: f(3), refresh: 30, hasRefresh: f(4), settingsLabel: "settingsLabel",
            languageLabel: "languageLabel", languages: [LanguageContext(code: "ur", name: "اردو", dir: "rtl", current: true)],
            sizeLabel: "sizeLabel", sizes: [], contrastLabel: "contrastLabel", contrastNext: "contrastNext",
            canSpeak: f(5), speaking: f(6), speechLabel: "speechLabel", speechNext: "speechNext", headphones: f(7),
            headphonesLabel: "headphonesLabel", headphonesNext: "headphonesNext")
    }

    @Test(arguments: flagPatterns)
    func everyPropertyOfEveryContextIsAnsweredByItsName(fixture: Int) {
        let item = item(fixture), page = page(fixture)
        let language = LanguageContext(code: "code", name: "name", dir: "dir", current: Self.flag(0, fixture))
        let size = SizeContext(value: "value", label: "label", current: Self.flag(0, fixture))
        let notice = NoticeContext(lang: "lang", dir: "dir", title: "title", text: "text", again: "again")
        #expect(unanswered(item).isEmpty, "item names not answered as themselves: \(unanswered(item))")
        #expect(unanswered(page).isEmpty, "page names not answered as themselves: \(unanswered(page))")
        #expect(unanswered(language).isEmpty, "language names not answered as themselves: \(unanswered(language))")
        #expect(unanswered(size).isEmpty, "size names not answered as themselves: \(unanswered(size))")
        #expect(unanswered(notice).isEmpty, "notice names not answered as themselves: \(unanswered(notice))")
        // A name a context does not hold is left to the contexts around it, as Mustache does.
        #expect(language.child(named: "label") == nil)
    }
}

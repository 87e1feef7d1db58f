import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// Text scrolled past the focus is the terminal's (``TextScroll``, by its rows); the model keeps only
/// the focus, so a browser showing the same model scrolls by itself.
@Suite struct TextScrollTests {
    /// The Polish notice of a consent purpose, signed in, the focus on its last list item (Back).
    static func notice() -> Drive {
        var d = Drive()
        d.signIn()
        d.model.state.language = "pl"
        d.model.state.screen = .notice(AttributeID("email"), PurposeID("resident-involvement"))
        d.model.state.focus = 1
        return d
    }

    @Test func whetherDownScrollsTheTextDependsOnTheTerminalsRows() {
        let d = Self.notice()
        let view = d.model.view(now: d.now)
        var small = TextScroll()
        let smallTook = small.take(.down, view: view, size: (60, 20))
        #expect(smallTook, "20 rows: text below the last item comes into view first")
        #expect(small.applied(to: view).scroll > 0 && small.applied(to: view).focus == view.focus)
        var tall = TextScroll()
        let tallTook = tall.take(.down, view: view, size: (60, 200))
        #expect(!tallTook, "200 rows: all of it is in view, so Down is the model's")
        #expect(tall.applied(to: view).scroll == 0)
    }

    @Test func theScrollIsDroppedOnceTheFocusOrTheScreenChanges() {
        var d = Self.notice()
        d.size = (60, 20)
        d.keys(.down)
        #expect(d.model.state.focus == 1, "the model did not see the Down the scroll took")
        #expect(d.scroll.applied(to: d.model.view(now: d.now)).scroll > 0)
        d.model.state.focus = 0
        #expect(d.scroll.applied(to: d.model.view(now: d.now)).scroll == 0, "another focus")
        d.model.state.focus = 1
        d.model.state.screen = .receipt
        #expect(d.scroll.applied(to: d.model.view(now: d.now)).scroll == 0, "another screen")
    }
}

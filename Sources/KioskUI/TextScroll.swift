import Foundation

/// The terminal's scroll of a screen's text, which depends on how many rows the terminal has: a
/// model knows only which item has the focus, and the renderer puts the focus in view; this adds the
/// lines scrolled past that (text below the list's last item, or above its first, that the focus
/// alone cannot bring into view). A browser scrolls by itself and has none of this.
///
/// The terminal front-end offers each key to ``take(_:view:size:)`` before the model: Down on the
/// last item (Up on the first) scrolls the text while some is out of view, and Enter on a focused
/// item scrolled out of view brings it back rather than pressing it unseen. The scroll is dropped
/// as soon as the focus or the screen changes.
///
/// ```swift
/// if !scroll.take(input, view: model.view(now: now), size: size) { _ = model.handle(.input(input), now: now) }
/// let frame = KioskRenderer.render(scroll.applied(to: model.view(now: now)), width: size.width, height: size.height)
/// ```
public struct TextScroll: Sendable {
    /// Lines scrolled past where the focus puts the list.
    public private(set) var offset = 0
    /// The screen and focus the offset was set on.
    private var setOn: Anchor?

    private struct Anchor: Equatable, Sendable {
        let title: String
        let focus: Int
        let items: Int
    }

    public init() {}

    /// `view` with this scroll, none once its focus or screen is not the one the scroll was set on.
    public func applied<Action>(to view: ScreenView<Action>) -> ScreenView<Action> {
        var view = view
        view.scroll = setOn == Self.anchor(view) ? offset : 0
        return view
    }

    /// Takes `input` when it is the scroll's to handle on `view` (as the model shows it) drawn at `size`;
    /// false when the model should have it.
    public mutating func take<Action>(_ input: NavigationInput, view model: ScreenView<Action>, size: (width: Int, height: Int)) -> Bool {
        let view = applied(to: model)
        switch input {
        case .down, .up:
            guard let moved = Self.scrolled(input == .down ? 1 : -1, view, size: size) else { return false }
            (offset, setOn) = (moved, Self.anchor(view))
            return true
        case .press:
            guard view.scroll != 0, !Self.focusIsVisible(view, size: size) else { return false }
            (offset, setOn) = (0, nil)
            return true
        default:
            return false
        }
    }

    private static func anchor<Action>(_ view: ScreenView<Action>) -> Anchor {
        Anchor(title: view.title, focus: view.focus, items: view.items.count)
    }

    /// The new offset when Down (`step` 1) or Up (-1) should move the text rather than the focus: back
    /// towards the focus when scrolled away from it; further when the focus is on the list's last item
    /// (first, for Up) and lines below (above) are still out of view. Nil otherwise.
    static func scrolled<Action>(_ step: Int, _ view: ScreenView<Action>, size: (width: Int, height: Int)) -> Int? {
        let lines = KioskRenderer.lines(view, width: size.width)
        let rows = KioskRenderer.contentRows(view, width: size.width, height: size.height)
        let base = KioskRenderer.scroll(lines, focus: view.focus, rows: rows)
        let first = KioskRenderer.scroll(lines, focus: view.focus, rows: rows, offset: view.scroll)
        let page = max(rows - 2, 1)
        if view.scroll != 0, (view.scroll > 0) != (step > 0) {
            let back = view.scroll > 0 ? max(0, view.scroll - page) : min(0, view.scroll + page)
            return KioskRenderer.scroll(lines, focus: view.focus, rows: rows, offset: back) - base
        }
        let selectable = view.items.filter(\.isSelectable)
        let list = selectable.indices.filter { !selectable[$0].inFooter }
        guard view.focus == (step > 0 ? list.last : list.first) else { return nil }
        guard step > 0 ? first + rows < lines.count : first > 0 else { return nil }
        return KioskRenderer.scroll(lines, focus: view.focus, rows: rows, offset: view.scroll + step * page) - base
    }

    /// Whether the focused item is drawn (footer buttons always are).
    static func focusIsVisible<Action>(_ view: ScreenView<Action>, size: (width: Int, height: Int)) -> Bool {
        let lines = KioskRenderer.lines(view, width: size.width)
        guard let line = lines.firstIndex(where: { $0.selectable == view.focus }) else { return true }
        let rows = KioskRenderer.contentRows(view, width: size.width, height: size.height)
        let first = KioskRenderer.scroll(lines, focus: view.focus, rows: rows, offset: view.scroll)
        return line >= first && line < first + rows
    }
}

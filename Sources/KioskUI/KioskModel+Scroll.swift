import ConsentForms
import Foundation

extension KioskModel {
    // MARK: - Scrolling text

    /// The new ``KioskState/scroll`` when Down (`step` 1) or Up (-1) should move the text rather than
    /// the focus: back towards the focus when scrolled away from it; further when the focus is on the
    /// list's last item (first, for Up) and lines below (above) are still out of view. Nil otherwise.
    func textScroll(_ step: Int, _ selectable: [KioskItem], now: Date) -> Int? {
        guard let size = lastSize else { return nil }
        let view = self.view(now: now)
        let lines = KioskRenderer.lines(view, width: size.width)
        let rows = KioskRenderer.contentRows(view, width: size.width, height: size.height)
        let base = KioskRenderer.scroll(lines, focus: state.focus, rows: rows)
        let first = KioskRenderer.scroll(lines, focus: state.focus, rows: rows, offset: state.scroll)
        let page = max(rows - 2, 1)
        if state.scroll != 0, (state.scroll > 0) != (step > 0) {
            let back = state.scroll > 0 ? max(0, state.scroll - page) : min(0, state.scroll + page)
            return KioskRenderer.scroll(lines, focus: state.focus, rows: rows, offset: back) - base
        }
        let list = selectable.indices.filter { !selectable[$0].inFooter }
        guard state.focus == (step > 0 ? list.last : list.first) else { return nil }
        guard step > 0 ? first + rows < lines.count : first > 0 else { return nil }
        return KioskRenderer.scroll(lines, focus: state.focus, rows: rows, offset: state.scroll + step * page) - base
    }

    /// Whether the focused item is drawn (footer buttons always are).
    func focusIsVisible(now: Date) -> Bool {
        guard let size = lastSize else { return true }
        let view = self.view(now: now)
        let lines = KioskRenderer.lines(view, width: size.width)
        guard let line = lines.firstIndex(where: { $0.selectable == state.focus }) else { return true }
        let rows = KioskRenderer.contentRows(view, width: size.width, height: size.height)
        let first = KioskRenderer.scroll(lines, focus: state.focus, rows: rows, offset: state.scroll)
        return line >= first && line < first + rows
    }
}

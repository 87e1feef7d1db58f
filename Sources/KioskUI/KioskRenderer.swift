import ConsentCore
import ConsentForms
import Foundation
import TerminalCore

/// Draws the kiosk state into a frame of any size from 80×24 up: a title bar, the screen's items
/// (wrapped, scrolled to keep the focus visible), a message line, the idle countdown and the key
/// hints. Right-to-left languages are laid out right-aligned. Every stored string passes through
/// the frame, which shows control characters as harmless symbols.
public enum KioskRenderer {
    struct Line {
        var text: String
        var style: Style
        /// Index among selectable items, for the focus marker and for clicks.
        var selectable: Int?
        var isField = false
    }

    static let top = 2

    /// The content lines of the current screen, before scrolling.
    static func lines(_ model: KioskModel, width: Int, now: Date) -> [Line] {
        lines(view(model, now: now), width: width)
    }

    /// The content lines of any item screen, before scrolling.
    static func lines(_ view: ScreenView, width: Int) -> [Line] {
        var out: [Line] = []
        var index = 0
        let hasFields = view.items.contains { if case .field = $0.kind { true } else { false } }
        let inner = max(width - 6, 10)
        for item in view.items {
            switch item.kind {
            case .text:
                for line in DisplayWidth.wrap(item.label, columns: inner) { out.append(Line(text: line, style: .plain)) }
                out.append(Line(text: "", style: .plain))
            case .heading:
                for line in DisplayWidth.wrap(item.label, columns: inner) { out.append(Line(text: line, style: .heading)) }
            case .button:
                let number = index < 9 && !hasFields ? "\(index + 1). " : ""
                let (fitted, _) = DisplayWidth.prefix(number + item.label, fitting: inner)
                out.append(Line(text: fitted, style: .plain, selectable: index))
                index += 1
            case .field(let name):
                let field = view.fields[name] ?? Field()
                let shown = field.masked ? String(repeating: "•", count: field.text.count) : field.text
                out.append(Line(text: item.label, style: .plain))
                let (value, _) = DisplayWidth.prefix(shown, fitting: inner - 4)
                out.append(Line(text: "[ " + value + " ]", style: Style(underline: true), selectable: index, isField: true))
                index += 1
            }
        }
        return out
    }

    /// The kiosk's state as a screen to draw.
    static func view(_ model: KioskModel, now: Date) -> ScreenView {
        let builder = model.items(now: now)
        let l = model.content.localizer, language = model.state.language
        var status = ""
        if let message = model.state.message {
            status = message.count.map { l.plural(message.key, count: $0, language, message.arguments) } ?? l.text(message.key, language, message.arguments)
        }
        return ScreenView(
            title: builder.title(), corner: l.language(language).name, items: builder.items(), focus: model.state.focus,
            fields: model.state.fields, rightToLeft: model.isRTL, status: status,
            countdown: model.idleCountdown(now: now).map { l.plural("kiosk.idle", count: $0, language) }, hints: l.text("kiosk.hints", language))
    }

    /// The first content line shown, so the focused item is on screen.
    static func scroll(_ lines: [Line], focus: Int, rows: Int) -> Int {
        guard let focusLine = lines.firstIndex(where: { $0.selectable == focus }) else { return 0 }
        if lines.count <= rows { return 0 }
        // Keep a little context above the focus where possible.
        return min(max(0, focusLine - rows + 2), max(0, lines.count - rows), focusLine)
    }

    static func contentRows(height: Int) -> Int { max(height - top - 4, 3) }

    /// The selectable item drawn on screen row `row`, if any (for mouse and touch).
    static func itemIndex(atRow row: Int, model: KioskModel, now: Date) -> Int? {
        guard let size = model.lastSize else { return nil }
        return itemIndex(atRow: row, view: view(model, now: now), size: size)
    }

    /// The selectable item of any item screen drawn on `row` at `size`.
    static func itemIndex(atRow row: Int, view: ScreenView, size: (width: Int, height: Int)) -> Int? {
        let all = lines(view, width: size.width)
        let rows = contentRows(height: size.height)
        let first = scroll(all, focus: view.focus, rows: rows)
        let index = first + row - top
        guard row >= top, row < top + rows, all.indices.contains(index) else { return nil }
        return all[index].selectable
    }

    /// The frame for the current state.
    public static func render(_ model: KioskModel, width: Int, height: Int, now: Date) -> Frame {
        render(view(model, now: now), width: width, height: height)
    }

    /// The frame for any item screen (the kiosk's, staff mode's): same layout, same safety.
    public static func render(_ view: ScreenView, width: Int, height: Int) -> Frame {
        var frame = Frame(width: width, height: height)
        let rtl = view.rightToLeft
        // Title bar, inverse across the whole row.
        for column in 0..<width { frame[0, column] = Cell(" ", .selected) }
        if rtl {
            frame.putRight(view.title, row: 0, margin: 1, style: .selected)
            frame.put(view.corner, row: 0, column: 1, style: .selected)
        } else {
            frame.put(view.title, row: 0, column: 1, style: .selected)
            frame.putRight(view.corner, row: 0, margin: 1, style: .selected)
        }
        let all = lines(view, width: width)
        let rows = contentRows(height: height)
        let first = scroll(all, focus: view.focus, rows: rows)
        for (offset, line) in all.dropFirst(first).prefix(rows).enumerated() {
            let row = top + offset
            let focused = line.selectable == view.focus
            let style: Style = focused ? .selected : line.style
            let marker = focused ? (rtl ? " ◀" : "▶ ") : "  "
            if rtl {
                frame.putRight(line.text + marker, row: row, margin: 1, style: style)
            } else {
                let end = frame.put(marker + line.text, row: row, column: 1, style: style)
                if focused && line.isField { frame.cursor = (row, end - 2) }
            }
        }
        if first > 0 { frame.put("▲", row: top - 1, column: width - 2) }
        if first + rows < all.count { frame.put("▼", row: top + rows, column: width - 2) }
        let messageRow = height - 3
        for (i, line) in DisplayWidth.wrap(view.status, columns: width - 2).prefix(1).enumerated() {
            if rtl { frame.putRight(line, row: messageRow + i, margin: 1, style: .heading) } else { frame.put(line, row: messageRow + i, column: 1, style: .heading) }
        }
        if let text = view.countdown {
            for column in 0..<width { frame[height - 2, column] = Cell(" ", .selected) }
            if rtl { frame.putRight(text, row: height - 2, margin: 1, style: .selected) } else { frame.put(text, row: height - 2, column: 1, style: .selected) }
        }
        if rtl { frame.putRight(view.hints, row: height - 1, margin: 1) } else { frame.put(view.hints, row: height - 1, column: 1) }
        return frame
    }
}

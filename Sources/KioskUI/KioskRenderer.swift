import ConsentCore
import ConsentForms
import Foundation
import TerminalCore

/// Draws the kiosk state into a frame of any size from 60×20 up: a title bar, the screen's items
/// (wrapped, scrolled to keep the focus visible), the message (wrapped), the idle countdown or the
/// key hints, and a footer that is always on screen (Sign out, Language, Help). Right-to-left languages are
/// right-aligned and each line is put in visual order (`Bidi`), with the focus marker on the right and the
/// cursor after what is typed. Every stored string passes through the frame, which shows control
/// characters as harmless symbols.
public enum KioskRenderer {
    struct Line {
        var text: String
        var style: Style
        /// Index among selectable items, for the focus marker and for clicks.
        var selectable: Int?
        var isField = false
        /// A field's value as shown (masked or not, cut to fit), in stored order.
        var value = ""
    }

    static let top = 2

    /// The content lines of any item screen, before scrolling.
    static func lines<Action>(_ view: ScreenView<Action>, width: Int) -> [Line] {
        var out: [Line] = []
        var index = 0
        let hasFields = view.items.contains { if case .field = $0.kind { true } else { false } }
        let inner = max(width - 6, 10)
        for item in view.items {
            if item.inFooter {
                index += 1 // drawn in the footer, always on screen
                continue
            }
            // A value runs its own way inside a right-to-left line (`Bidi` honours the isolate and drops it).
            let text = view.rightToLeft ? item.isolatedText : item.text
            switch item.kind {
            case .text:
                for line in DisplayWidth.wrap(text, columns: inner) { out.append(Line(text: line, style: .plain)) }
                out.append(Line(text: "", style: .plain))
            case .heading:
                for line in DisplayWidth.wrap(text, columns: inner) { out.append(Line(text: line, style: .heading)) }
            case .button:
                let number = index < 9 && !hasFields ? "\(index + 1). " : ""
                // A label too long for the row is cut with an ellipsis, so it is plainly not all there.
                var (fitted, _) = DisplayWidth.prefix(number + text, fitting: inner)
                if fitted.count < (number + text).count { fitted = DisplayWidth.prefix(fitted, fitting: inner - 1).0 + "…" }
                out.append(Line(text: fitted, style: .plain, selectable: index))
                index += 1
            case .field(let name):
                let field = view.fields[name] ?? Field()
                let shown = field.masked ? String(repeating: "•", count: field.text.count) : field.text
                out.append(Line(text: item.label, style: .plain))
                let (value, _) = DisplayWidth.prefix(shown, fitting: inner - 4)
                out.append(Line(text: "[ " + value + " ]", style: Style(underline: true), selectable: index, isField: true, value: value))
                // Why what was typed was not sent, right under its box.
                for line in DisplayWidth.wrap(view.notes[name] ?? "", columns: inner - 2) where !line.isEmpty {
                    out.append(Line(text: "  " + line, style: .heading))
                }
                index += 1
            }
        }
        return out
    }

    /// The first content line shown, so the focused item is on screen. With the focus in the
    /// footer, the end of the list is shown (the footer is reached from it with Tab or Down).
    /// `offset` moves that by whole lines (text scrolled past the focus), kept within the list.
    static func scroll(_ lines: [Line], focus: Int, rows: Int, offset: Int = 0) -> Int {
        if lines.count <= rows { return 0 }
        let base: Int
        if let focusLine = lines.firstIndex(where: { $0.selectable == focus }) {
            // Keep a little context above the focus where possible.
            base = min(max(0, focusLine - rows + 2), max(0, lines.count - rows), focusLine)
        } else {
            base = max(0, lines.count - rows)
        }
        return min(max(0, base + offset), max(0, lines.count - rows))
    }

    /// The message lines: wrapped, as many as needed up to a third of the screen.
    static func statusLines<Action>(_ view: ScreenView<Action>, width: Int, height: Int) -> [String] {
        guard !view.status.isEmpty else { return [] }
        let lines = DisplayWidth.wrap(view.status, columns: max(width - 2, 10))
        let most = max(1, height / 3)
        guard lines.count > most else { return lines }
        var kept = Array(lines.prefix(most))
        kept[most - 1] = DisplayWidth.prefix(kept[most - 1], fitting: max(width - 3, 1)).0 + "…"
        return kept
    }

    /// Rows for the list: all but the title, the scroll markers, the message, the hints (or the
    /// idle countdown) and the footer.
    static func contentRows<Action>(_ view: ScreenView<Action>, width: Int, height: Int) -> Int {
        max(height - top - 4 - max(statusLines(view, width: width, height: height).count - 1, 0), 3)
    }

    /// The footer's buttons with their columns, left to right as drawn (right-aligned in right to left).
    static func footer<Action>(_ view: ScreenView<Action>, width: Int) -> [(selectable: Int, label: String, column: Int)] {
        var index = 0
        var buttons: [(Int, String)] = []
        for item in view.items where item.isSelectable {
            if item.inFooter { buttons.append((index, "[ " + (view.rightToLeft ? Bidi.visual(item.label) : item.label) + " ]")) }
            index += 1
        }
        if view.rightToLeft { buttons.reverse() }
        let gap = 2
        let total = buttons.reduce(0) { $0 + DisplayWidth.of($1.1) } + gap * max(buttons.count - 1, 0)
        var column = view.rightToLeft ? max(width - 1 - total, 1) : 1
        var out: [(Int, String, Int)] = []
        for (selectable, label) in buttons {
            let (fitted, w) = DisplayWidth.prefix(label, fitting: max(width - column - 1, 0))
            out.append((selectable, fitted, column))
            column += w + gap
        }
        return out
    }

    /// The selectable item of any item screen drawn at `row` (and `column`, in the footer) at `size`.
    public static func itemIndex<Action>(atRow row: Int, column: Int = 0, view: ScreenView<Action>, size: (width: Int, height: Int)) -> Int? {
        if row == size.height - 1 {
            return footer(view, width: size.width).first { column >= $0.column && column < $0.column + DisplayWidth.of($0.label) }?.selectable
        }
        let all = lines(view, width: size.width)
        let rows = contentRows(view, width: size.width, height: size.height)
        let first = scroll(all, focus: view.focus, rows: rows, offset: view.scroll)
        let index = first + row - top
        guard row >= top, row < top + rows, all.indices.contains(index) else { return nil }
        return all[index].selectable
    }

    /// The frame for the current state.
    public static func render(_ model: KioskModel, width: Int, height: Int, now: Date) -> Frame {
        render(model.view(now: now), width: width, height: height)
    }

    /// The frame for any item screen (the kiosk's, staff mode's): same layout, same safety.
    public static func render<Action>(_ view: ScreenView<Action>, width: Int, height: Int) -> Frame {
        var frame = Frame(width: width, height: height)
        let rtl = view.rightToLeft
        func put(_ text: String, _ row: Int, _ style: Style = .plain) {
            if rtl { frame.putRight(Bidi.visual(text), row: row, margin: 1, style: style) } else { frame.put(text, row: row, column: 1, style: style) }
        }
        // Title bar, inverse across the whole row.
        for column in 0..<width { frame[0, column] = Cell(" ", .selected) }
        if rtl {
            frame.putRight(Bidi.visual(view.title), row: 0, margin: 1, style: .selected)
            frame.put(Bidi.visual(view.corner), row: 0, column: 1, style: .selected)
        } else {
            frame.put(view.title, row: 0, column: 1, style: .selected)
            frame.putRight(view.corner, row: 0, margin: 1, style: .selected)
        }
        let all = lines(view, width: width)
        let rows = contentRows(view, width: width, height: height)
        let first = scroll(all, focus: view.focus, rows: rows, offset: view.scroll)
        for (offset, line) in all.dropFirst(first).prefix(rows).enumerated() {
            let row = top + offset
            let focused = line.selectable == view.focus
            let style: Style = focused ? .selected : line.style
            let marker = focused ? (rtl ? " ◀" : "▶ ") : "  "
            if rtl && line.isField {
                // The box is drawn as is; what is typed inside runs its own way (a date left to right).
                let (value, valueRTL) = Bidi.visualRun(line.value, direction: .firstStrong)
                let box = "[ " + value + " ]"
                let end = frame.putRight(box + marker, row: row, margin: 1, style: style)
                let start = end - DisplayWidth.of(box + marker)
                if focused { frame.cursor = (row, valueRTL ? start + 1 : start + 2 + DisplayWidth.of(value)) }
            } else if rtl {
                frame.putRight(Bidi.visual(line.text) + marker, row: row, margin: 1, style: style)
            } else {
                let end = frame.put(marker + line.text, row: row, column: 1, style: style)
                if focused && line.isField { frame.cursor = (row, end - 2) }
            }
        }
        if first > 0 { frame.put("▲", row: top - 1, column: width - 2) }
        if first + rows < all.count { frame.put("▼", row: top + rows, column: width - 2) }
        // Bottom row: the footer's buttons, with the countdown (or else the key hints) above; a screen
        // without a footer (staff mode) has the hints at the bottom and the countdown above them.
        let buttons = footer(view, width: width)
        for button in buttons {
            // The focused button is marked in text too (▶ Sign out ◀), not by colour alone.
            let focused = button.selectable == view.focus
            let label = focused ? "▶" + button.label.dropFirst().dropLast() + "◀" : button.label
            frame.put(label, row: height - 1, column: button.column, style: focused ? .selected : .heading)
        }
        if buttons.isEmpty { put(view.hints, height - 1) } else if view.countdown == nil { put(view.hints, height - 2) }
        if let text = view.countdown {
            for column in 0..<width { frame[height - 2, column] = Cell(" ", .selected) }
            put(text, height - 2, .selected)
        }
        let status = statusLines(view, width: width, height: height)
        for (i, line) in status.enumerated() { put(line, height - 3 - (status.count - 1) + i, .heading) }
        return frame
    }
}
